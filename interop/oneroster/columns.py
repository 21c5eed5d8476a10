"""The OneRoster 1.1 and 1.2 CSV binding's files and columns (docs: /work/shared/spec/standards.md,
from the 1EdTech binding and the LongsightGroup and catalyst implementations), as data: the
reader checks headers against these lists and the exporter writes them in this order."""

from __future__ import annotations

from dataclasses import dataclass

VERSIONS = ("1.1", "1.2")
COMMON = ("sourcedId", "status", "dateLastModified")


@dataclass(frozen=True)
class FileSpec:
    name: str  # "orgs" for orgs.csv
    columns: tuple[str, ...]  # in spec order, after COMMON
    required: tuple[str, ...]  # of ``columns``, besides sourcedId

    @property
    def all_columns(self) -> tuple[str, ...]:
        return COMMON + self.columns


def _spec(name: str, columns: str, required: str) -> FileSpec:
    return FileSpec(name, tuple(columns.split()), tuple(required.split()))


_SHARED = {
    "orgs": _spec("orgs", "name type identifier parentSourcedId", "name type"),
    "academicSessions": _spec(
        "academicSessions",
        "title type startDate endDate parentSourcedId schoolYear",
        "title type startDate endDate schoolYear",
    ),
    "courses": _spec(
        "courses",
        "schoolYearSourcedId title courseCode grades orgSourcedId subjects subjectCodes",
        "title orgSourcedId",
    ),
    "classes": _spec(
        "classes",
        "title grades courseSourcedId classCode classType location schoolSourcedId termSourcedIds subjects "
        "subjectCodes periods",
        "title courseSourcedId classType schoolSourcedId termSourcedIds",
    ),
    "enrollments": _spec(
        "enrollments",
        "classSourcedId schoolSourcedId userSourcedId role primary beginDate endDate",
        "classSourcedId schoolSourcedId userSourcedId role",
    ),
    "demographics": _spec(
        "demographics",
        "birthDate sex americanIndianOrAlaskaNative asian blackOrAfricanAmerican "
        "nativeHawaiianOrOtherPacificIslander white demographicRaceTwoOrMoreRaces hispanicOrLatinoEthnicity "
        "countryOfBirthCode stateOfBirthAbbreviation cityOfBirth publicSchoolResidenceStatus",
        "",
    ),
}

FILES: dict[str, dict[str, FileSpec]] = {
    "1.1": {
        **_SHARED,
        "users": _spec(
            "users",
            "enabledUser orgSourcedIds role username userIds givenName familyName middleName identifier email sms "
            "phone agentSourcedIds grades password",
            "enabledUser orgSourcedIds role username givenName familyName",
        ),
        "categories": _spec("categories", "title", "title"),
        "lineItems": _spec(
            "lineItems",
            "title description assignDate dueDate classSourcedId categorySourcedId gradingPeriodSourcedId "
            "resultValueMin resultValueMax",
            "title assignDate dueDate classSourcedId categorySourcedId gradingPeriodSourcedId resultValueMin "
            "resultValueMax",
        ),
        "results": _spec(
            "results",
            "lineItemSourcedId studentSourcedId scoreStatus score scoreDate comment",
            "lineItemSourcedId studentSourcedId scoreStatus score scoreDate",
        ),
    },
    "1.2": {
        **_SHARED,
        "users": _spec(
            "users",
            "enabledUser username userIds givenName familyName middleName identifier email sms phone "
            "agentSourcedIds grades password userMasterIdentifier preferredGivenName preferredMiddleName "
            "preferredFamilyName primaryOrgSourcedId pronouns",
            "enabledUser username givenName familyName",
        ),
        "roles": _spec(
            "roles",
            "userSourcedId roleType role beginDate endDate orgSourcedId userProfileSourcedId",
            "userSourcedId roleType role orgSourcedId",
        ),
        "categories": _spec("categories", "title weight", "title"),
        "lineItems": _spec(
            "lineItems",
            "title description assignDate dueDate classSourcedId categorySourcedId academicSessionSourcedId "
            "resultValueMin resultValueMax schoolSourcedId",
            "title assignDate dueDate classSourcedId categorySourcedId academicSessionSourcedId schoolSourcedId",
        ),
        "results": _spec(
            "results",
            "lineItemSourcedId studentSourcedId scoreStatus score scoreDate comment textScore classSourcedId "
            "inProgress incomplete late missing",
            "lineItemSourcedId studentSourcedId scoreStatus scoreDate",
        ),
        "scoreScales": _spec(
            "scoreScales",
            "title type orgSourcedId courseSourcedId classSourcedId scoreScaleValue",
            "title type orgSourcedId scoreScaleValue",
        ),
    },
}

# Files of the binding this product has no use for: accepted and ignored, with a warning.
IGNORED_FILES = frozenset(
    {
        "demographics",
        "resources",
        "classResources",
        "courseResources",
        "userProfiles",
        "userResources",
        "lineItemScoreScales",
        "resultScoreScales",
        "lineItemLearningObjectiveIds",
        "resultLearningObjectiveIds",
    }
)

# Every file.* row a 1.2 manifest lists (absent ones too).
MANIFEST_FILES = (
    "academicSessions",
    "categories",
    "classes",
    "classResources",
    "courses",
    "courseResources",
    "demographics",
    "enrollments",
    "lineItemLearningObjectiveIds",
    "lineItems",
    "lineItemScoreScales",
    "orgs",
    "resources",
    "resultLearningObjectiveIds",
    "results",
    "resultScoreScales",
    "roles",
    "scoreScales",
    "userProfiles",
    "userResources",
    "users",
)

ORG_TYPES = ("department", "school", "district", "local", "state", "national")
SESSION_TYPES = ("schoolYear", "semester", "term", "gradingPeriod")
CLASS_TYPES = ("homeroom", "scheduled")
ENROLLMENT_ROLES = ("administrator", "proctor", "student", "teacher")
USER_ROLES = ("administrator", "aide", "guardian", "parent", "proctor", "relative", "student", "teacher")
SCORE_STATUSES = ("exempt", "fully graded", "not submitted", "partially graded", "submitted")
STATUSES = ("active", "tobedeleted")
