"""A realistic synthetic district in the exchange format (district-format.md).

``district_generate(schools=N, ...)`` returns one exchange document: three
catalogs (elementary, middle, high school) with course masters built from real
course names and SCED codes (``exchange/data/courses.csv``), schools using
them, one calendar each, courses linked to masters and pushed from them, and
sections with their teachers' categories, assignments, scores and posted
grades. It holds what a district really has after a few years of pushes:
courses marked Ignore Master Push, desynced courses, course-controlled
items, items awaiting push, local and residual items, teacher categories
renamed ``Name (1)`` by a push. With ``unpushed`` the courses are linked to
their masters but were never pushed: they have none of the master's setup,
and teachers' categories may carry the names the first push will collide with.

The same arguments and seed give the same document, byte for byte. The
document is in the form ``exchange`` exports (every key, lists sorted,
decimals as the database writes them), so importing it and exporting again
gives it back. Plain dicts and one ``random.Random``: 200 schools and about
200,000 sections take minutes, not hours.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from catalog.errors import InputError
from catalog.progress import ProgressCallback, counted
from catalog.setup_types import COURSE, SETUP_TYPES, SETUP_TYPES_BY_NAME

from .normalise import value_normalise
from .schema import record_validate, schema_validate
from .stream import StreamedDocument

FORMAT = "district-grading/1"
DATA_FILE = Path(__file__).resolve().parent / "data" / "courses.csv"

FIRST_YEAR = 2024


def school_year(start_year: int) -> dict:
    """The school year starting in July of ``start_year``, named like ``24-25``."""
    return {
        "name": f"{start_year % 100:02d}-{(start_year + 1) % 100:02d}",
        "start": f"{start_year}-07-01",
        "end": f"{start_year + 1}-06-30",
    }


QUARTERS = ["Q1", "Q2", "Q3", "Q4"]
TRIMESTERS = ["T1", "T2", "T3"]

GRADING_TASKS = [
    ("Q1G", "Quarter 1 Grade"),
    ("Q2G", "Quarter 2 Grade"),
    ("Q3G", "Quarter 3 Grade"),
    ("Q4G", "Quarter 4 Grade"),
    ("S1", "Semester 1 Grade"),
    ("S2", "Semester 2 Grade"),
    ("T1G", "Trimester 1 Grade"),
    ("T2G", "Trimester 2 Grade"),
    ("T3G", "Trimester 3 Grade"),
    ("F", "Final Grade"),
    ("CIT", "Citizenship"),
]
# (code, name, post only); subject standards by the department that uses them.
STANDARDS = {
    "English": [
        ("ELA.RF", "Reading: Foundational Skills"),
        ("ELA.RL", "Reading: Literature"),
        ("ELA.RI", "Reading: Informational Text"),
        ("ELA.W", "Writing"),
        ("ELA.SL", "Speaking and Listening"),
    ],
    "Mathematics": [
        ("MATH.OA", "Operations and Algebraic Thinking"),
        ("MATH.NBT", "Number and Operations in Base Ten"),
        ("MATH.MD", "Measurement and Data"),
        ("MATH.G", "Geometry"),
    ],
    "Science": [("SCI.PS", "Physical Science"), ("SCI.LS", "Life Science"), ("SCI.ESS", "Earth and Space Science")],
    "Social Studies": [("SS.CIV", "Civics"), ("SS.HIS", "History"), ("SS.GEO", "Geography")],
    "Fine Arts": [("ART.CR", "Creating"), ("ART.PR", "Performing"), ("ART.RE", "Responding")],
    "Physical Education": [("PE.MOV", "Movement Skills"), ("PE.FIT", "Fitness"), ("HLTH.WB", "Wellness")],
    "World Languages": [("WL.INT", "Interpersonal Communication"), ("WL.PRE", "Presentational Communication")],
}
WORK_HABITS = [("WH.RESP", "Work Habits: Responsibility"), ("WH.EFF", "Work Habits: Effort")]
TESTS = [
    ("ACCESS", "ACCESS for ELLs"),
    ("AP", "AP Exam"),
    ("DIBELS", "DIBELS 8th Edition"),
    ("IREADY", "i-Ready Diagnostic"),
    ("KEYSTONE", "Keystone Exam"),
    ("MAP", "MAP Growth"),
    ("PSAT", "PSAT/NMSQT"),
]
SCALES = ["1-4", "A-F", "E-S-N-U", "Pass/Fail"]
# R80: each scale's bands (grade, minimum percent), highest first, as districts set them up.
SCALE_BANDS = {
    "1-4": [("4", "85"), ("3", "70"), ("2", "50"), ("1", "0")],
    "A-F": [("A", "90"), ("B", "80"), ("C", "70"), ("D", "60"), ("F", "0")],
    "E-S-N-U": [("E", "90"), ("S", "75"), ("N", "60"), ("U", "0")],
    "Pass/Fail": [("P", "60"), ("F", "0")],
}

ELEMENTARY, MIDDLE, HIGH = "elementary", "middle", "high"
CATALOGS = {
    ELEMENTARY: {
        "name": "Elementary Catalog",
        "attributes": ["name", "number", "sced_code", "standards_based", "state_code"],
        # Composites are left to the schools.
        "types": ["assessments", "categories", "grade_calc_options", "grading_tasks", "standards"],
    },
    MIDDLE: {
        "name": "Middle School Catalog",
        "attributes": ["credits", "name", "number", "sced_code", "state_code"],
        # Categories are the courses' and teachers' own; composite weights too (R4).
        "types": ["assessments", "composite_grades", "grade_calc_options", "grading_tasks", "standards"],
    },
    HIGH: {
        "name": "High School Catalog",
        "attributes": ["credits", "department", "name", "number", "sced_code", "state_code"],
        "types": [
            "assessments",
            "categories",
            "composite_grades",
            "composite_weights",
            "grade_calc_options",
            "grading_tasks",
            "standards",
        ],
    },
}
SCHOOL_WORDS = {ELEMENTARY: "Elementary", MIDDLE: "Middle School", HIGH: "High School"}
SCHOOL_NAMES = [
    "Lincoln", "Washington", "Jefferson", "Roosevelt", "Franklin", "Madison", "Jackson", "Adams", "Kennedy",
    "Maple", "Oak Ridge", "Cedar Hills", "Willow Creek", "Riverside", "Lakeview", "Hillcrest", "Northside",
    "Southgate", "Eastwood", "Westfield", "Pine Grove", "Sunnyvale", "Meadowbrook", "Brookside", "Fairview",
    "Highland", "Valley View", "Green Acres", "Spring Garden", "Crestwood", "Parkside", "Harbor", "Summit",
    "Canyon", "Prairie", "Bluff", "Garfield", "Monroe", "Carver", "Douglass", "Tubman", "Chavez", "Earhart",
    "Edison", "Einstein", "Curie", "Sequoia", "Aspen", "Birch", "Redwood", "Juniper", "Magnolia", "Dogwood",
    "Sycamore", "Hawthorne", "Whitman", "Thoreau", "Emerson", "Frost", "Twain",
]  # fmt: skip
DIRECTIONS = ["", " North", " South", " East", " West", " Central", " Heights", " Park"]
FIRST_NAMES = [
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth", "William",
    "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Carlos", "Karen", "Daniel", "Lisa",
    "Matthew", "Nancy", "Anthony", "Maria", "Mark", "Sandra", "Wei", "Ashley", "Steven", "Aisha", "Andrew",
    "Emily", "Kenji", "Priya", "Joshua", "Michelle", "Kevin", "Amanda",
]  # fmt: skip
LAST_NAMES = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
    "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker",
    "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson",
    "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Kim", "Patel", "Chen", "Okafor",
]  # fmt: skip
DISTRICT_NAMES = ["Maple Valley Unified", "Riverbend Area Schools", "Cedar County Public Schools", "Lakeshore ISD"]

# Categories a department's masters choose from: (name, drop lowest).
CATEGORY_POOL = {
    "default": ["Homework", "Classwork", "Tests", "Quizzes", "Projects", "Participation"],
    "Science": ["Homework", "Labs", "Tests", "Quizzes", "Projects", "Classwork"],
    "Fine Arts": ["Performance", "Classwork", "Projects", "Participation", "Critiques"],
    "Physical Education": ["Participation", "Skills", "Fitness", "Written Work"],
    "World Languages": ["Homework", "Oral", "Tests", "Quizzes", "Classwork"],
}
ELEMENTARY_CATEGORIES = [("Classwork", 60), ("Assessments", 40)]
ASSIGNMENT_WORDS = {
    "Homework": "Homework",
    "Classwork": "Classwork",
    "Tests": "Test",
    "Quizzes": "Quiz",
    "Projects": "Project",
    "Participation": "Participation",
    "Labs": "Lab",
    "Performance": "Performance",
    "Critiques": "Critique",
    "Skills": "Skills Check",
    "Fitness": "Fitness Test",
    "Written Work": "Written Work",
    "Oral": "Oral Practice",
    "Assessments": "Assessment",
}
TEACHER_CATEGORIES = ["Extra Credit", "Warm-ups", "Bell Ringers", "Reading Logs", "Exit Tickets", "Journals"]
SCORE_COMMENTS = ["Great work!", "Late", "See me", "Turned in late, half credit", "Excellent effort", "Needs revision"]
GRADE_COMMENTS = ["Pleasure to have in class", "Needs to complete missing work", "Great improvement", "Excused"]
LETTER_GRADES = ["A", "A", "A-", "B+", "B", "B", "B-", "C+", "C", "C-", "D", "F"]
LOCAL_COURSES = [("ADV", "Advisory", True), ("SH", "Study Hall", False), ("LIB", "Library Skills", False)]

# How often a pushed district shows each situation, per course (or section).
RATES = {
    "ignored": 0.02,  # Ignore Master Push
    "desynced": 0.03,  # R9
    "course_controlled": 0.06,  # unlinked items of unlocked types
    "awaiting": 0.08,  # the master changed since the last push (R8)
    "local": 0.08,  # a category of the course's own
    "conflict": 0.02,  # a local item with a master item's key (R13)
    "residual": 0.03,  # a category left behind by an overwrite push (R20)
    "teacher_category": 0.3,  # per section
    "section_awaiting": 0.05,  # per section: the course changed since Push to Sections
    "posted": 0.5,  # per section: grades posted for the first term
}

_ZERO = Decimal("0.00")
_CENT = Decimal("0.01")


def _money(value) -> str:
    """Decimals as the database writes them: ``"20.00"``."""
    return str(Decimal(value).quantize(_CENT))


@dataclass
class _Row:
    level: str
    number: str
    name: str
    sced_code: str
    department: str
    credits: str
    grade_levels: list[str]
    description: str


def _course_rows() -> dict[str, list[_Row]]:
    rows: dict[str, list[_Row]] = {ELEMENTARY: [], MIDDLE: [], HIGH: []}
    with DATA_FILE.open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            rows[r["level"]].append(
                _Row(
                    level=r["level"],
                    number=r["number"],
                    name=r["name"],
                    sced_code=r["sced_code"],
                    department=r["department"],
                    credits=r["credits"],
                    grade_levels=sorted(r["grade_levels"].split()),
                    description=r["description"],
                )
            )
    return rows


@dataclass
class _School:
    number: str
    name: str
    level: str
    catalog: str | None
    terms: list[str]
    students: list[str] = field(default_factory=list)


def district_generate(
    *,
    schools: int,
    masters: int = 150,
    sections_per_course: int = 3,
    students_per_section: int = 10,
    assignments_per_section: int = 3,
    unpushed: bool = False,
    seed: int = 1,
    first_year: int = FIRST_YEAR,
    progress: ProgressCallback | None = None,
) -> dict:
    """A synthetic district as an exchange document (a dict), the same for the same arguments.

    ``masters``: course masters in the high-school catalog; the middle-school catalog gets about
    two fifths of that and the elementary catalog up to 78 (one per grade and subject).
    ``sections_per_course``: the average; a course has 1 to twice that minus one.
    ``first_year``: the calendar year the district's school year starts in (the demo uses the
    current one); the next year exists too, without calendars, to roll forward into (R61).
    """
    return _Generator(
        **_options(
            schools=schools,
            masters=masters,
            sections_per_course=sections_per_course,
            students_per_section=students_per_section,
            assignments_per_section=assignments_per_section,
            unpushed=unpushed,
            seed=seed,
            first_year=first_year,
            progress=progress,
        )
    ).document()


def _options(
    *,
    schools: int,
    masters: int = 150,
    sections_per_course: int = 3,
    students_per_section: int = 10,
    assignments_per_section: int = 3,
    unpushed: bool = False,
    seed: int = 1,
    first_year: int = FIRST_YEAR,
    progress: ProgressCallback | None = None,
) -> dict:
    """district_generate's arguments, checked, with their defaults."""
    for name, value, low in (
        ("schools", schools, 1),
        ("masters", masters, 1),
        ("sections per course", sections_per_course, 1),
        ("students per section", students_per_section, 0),
        ("assignments per section", assignments_per_section, 0),
    ):
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise InputError(f"{name} must be a whole number of at least {low}, not {value!r}")
    if schools > 9000:
        raise InputError("schools: at most 9000")
    return dict(
        schools=schools,
        masters=masters,
        sections_per_course=sections_per_course,
        students_per_section=students_per_section,
        assignments_per_section=assignments_per_section,
        unpushed=unpushed,
        seed=seed,
        first_year=first_year,
        progress=progress,
    )


def district_generate_stream(*, checked: bool = True, **arguments) -> StreamedDocument:
    """The document district_generate gives for the same arguments, as a StreamedDocument: the
    courses and sections are spooled to disk a school at a time, in the document's order, so
    memory holds one school's, not the district's. With ``checked`` each record is normalised
    and checked against the schema as it is spooled, as an import of the file would (the
    importer takes the result as it takes a file read by exchange.stream.document_stream).
    Close it (or use it in a ``with``) to remove the files."""
    options = _options(**arguments)
    document = StreamedDocument()
    sink = _SpoolSink(document, checked=checked)
    try:
        head = _Generator(**options).generate(sink)
        if checked:
            head = {name: value_normalise(value, [name]) for name, value in head.items()}
            for name, value in head.items():
                for i, record in enumerate(value if isinstance(value, list) else ()):
                    record_validate(name, i, record)
            schema_validate({**head, "courses": [], "sections": []})
        document.head.update(head)
        document.counts.update({name: len(value) for name, value in head.items() if isinstance(value, list)})
    except BaseException:
        document.close()
        raise
    return document


class _ListSink:
    """Courses and sections kept in lists (district_generate's document)."""

    def __init__(self):
        self.lists: dict[str, list[dict]] = {"courses": [], "sections": []}

    def add(self, name: str, record: dict) -> None:
        self.lists[name].append(record)


class _SpoolSink:
    """Courses and sections spooled to a StreamedDocument's files, checked on the way when asked."""

    def __init__(self, document: StreamedDocument, *, checked: bool):
        self.document = document
        self.checked = checked
        for name in ("courses", "sections"):
            document.spool(name)

    def add(self, name: str, record: dict) -> None:
        if self.checked:
            index = self.document.count(name)
            record = value_normalise(record, [name, index])
            record_validate(name, index, record)
        self.document.add(name, record)


class _Generator:
    def __init__(self, **options):
        self.o = options
        self.year = school_year(options["first_year"])
        self.rng = random.Random(options["seed"])
        self.rows = _course_rows()
        self.usernames: dict[str, int] = {}
        self.users: list[dict] = []
        self.masters: list[dict] = []
        self.masters_by_catalog: dict[str, list[dict]] = {}
        self.master_by_number: dict[str, dict[str, dict]] = {}
        self.courses: list[dict] = []
        self.sections: list[dict] = []
        points = [10, 20, 25, 50, 100]
        self.points = [(p, _money(p)) for p in points]
        self.score_text = [_money(v) for v in range(0, 106)]

    # -- the document ----------------------------------------------------------

    def document(self) -> dict:
        sink = _ListSink()
        document = self.generate(sink)
        document.update(sink.lists)
        _sort_document(document)
        return document

    def generate(self, sink) -> dict:
        """Generate the district: each school's courses and sections, in the document's order,
        go to ``sink.add(list name, record)`` as soon as the school is done; returns the rest of
        the document (its other keys), sorted."""
        rng = self.rng
        self.school_list = self.make_schools()
        for level in (ELEMENTARY, MIDDLE, HIGH):
            self.make_masters(level)
        self.make_user("district_admin", [], first="Dana", last="Whitfield")
        for school in counted(self.school_list, "generating schools", self.o["progress"]):
            self.make_user("school_admin", [school.number])
            self.make_courses(school)
            self._school_done(sink)
        document = {
            "format": FORMAT,
            "district": {"name": rng.choice(DISTRICT_NAMES), "batch_processing_enabled": True},
            "school_years": [self.year, school_year(self.o["first_year"] + 1)],
            "grading_tasks": [{"code": c, "name": n} for c, n in GRADING_TASKS],
            "standards": [{"code": c, "name": n, "post_only": False} for group in STANDARDS.values() for c, n in group]
            + [{"code": c, "name": n, "post_only": True} for c, n in WORK_HABITS],
            "tests": [{"code": c, "name": n} for c, n in TESTS],
            "grading_scales": [
                {"name": n, "bands": [{"grade": g, "min": f"{m}.00"} for g, m in SCALE_BANDS[n]]} for n in SCALES
            ],
            "catalogs": [
                {"name": spec["name"], "locks": {"attributes": spec["attributes"], "types": spec["types"]}}
                for spec in CATALOGS.values()
            ],
            "schools": [{"number": s.number, "name": s.name, "catalog": s.catalog} for s in self.school_list],
            "calendars": [
                {
                    "school": s.number,
                    "year": self.year["name"],
                    "name": f"{self.year['name']} {s.name}",
                    "terms": s.terms,
                }
                for s in self.school_list
            ],
            "course_masters": self.masters,
            "users": self.users,
        }
        _sort_head(document)
        return document

    def _school_done(self, sink) -> None:
        """Hand one school's courses and sections to ``sink``, sorted as the document sorts them
        (schools come in number order, numbers of one width; one school year has calendars)."""
        for course in sorted(self.courses, key=lambda r: r["number"]):
            _sort_course(course)
            sink.add("courses", course)
        for section in self.sections:
            _sort_section(section)
        for section in sorted(self.sections, key=lambda r: (r["course"]["number"], r["number"])):
            sink.add("sections", section)
        self.courses = []
        self.sections = []

    # -- schools and people ---------------------------------------------------

    def make_schools(self) -> list[_School]:
        n = self.o["schools"]
        if n == 1:
            levels = [HIGH]
        elif n == 2:
            levels = [MIDDLE, HIGH]
        else:
            high = max(1, round(n * 0.2))
            middle = max(1, round(n * 0.2))
            levels = [ELEMENTARY] * (n - high - middle) + [MIDDLE] * middle + [HIGH] * high
        # A district of a few schools also has a virtual school whose courses use no master
        # (Push All Courses works without masters); it stands in for one elementary school.
        virtual = n >= 4
        prefixes = {ELEMENTARY: 1, MIDDLE: 2, HIGH: 3}
        width = 2 if n < 100 else 3
        counters = {ELEMENTARY: 0, MIDDLE: 0, HIGH: 0}
        names = list(SCHOOL_NAMES)
        self.rng.shuffle(names)
        result = []
        for i, level in enumerate(levels):
            counters[level] += 1
            number = f"{prefixes[level]}{counters[level]:0{width}d}"
            base = names[i % len(names)] + DIRECTIONS[(i // len(names)) % len(DIRECTIONS)]
            if i >= len(names) * len(DIRECTIONS):
                base += f" {i // (len(names) * len(DIRECTIONS)) + 1}"
            terms = TRIMESTERS if level == ELEMENTARY else QUARTERS
            school = _School(number, f"{base} {SCHOOL_WORDS[level]}", level, CATALOGS[level]["name"], list(terms))
            if virtual and level == ELEMENTARY and counters[level] == 1:
                school = _School(number, f"{base} Virtual Academy", HIGH, None, list(QUARTERS))
            result.append(school)
        for school in result:
            # Student ids: the school number and a running number, as a SIS would give them.
            school.students = [f"{school.number}{k:05d}" for k in range(1, self._pool_size(school) + 1)]
        return result

    def _pool_size(self, school: _School) -> int:
        return max(self.o["students_per_section"] * 4, {ELEMENTARY: 450, MIDDLE: 800, HIGH: 1600}[school.level])

    def make_user(self, role: str, schools: list[str], first: str | None = None, last: str | None = None) -> str:
        first = first or self.rng.choice(FIRST_NAMES)
        last = last or self.rng.choice(LAST_NAMES)
        base = f"{first[0]}{last}".lower()
        count = self.usernames.get(base, 0) + 1
        self.usernames[base] = count
        username = base if count == 1 else f"{base}{count}"
        self.users.append({"username": username, "role": role, "schools": schools})
        return username

    # -- masters ---------------------------------------------------------------

    def make_masters(self, level: str) -> None:
        rows = self.rows[level]
        wanted = {
            HIGH: self.o["masters"],
            MIDDLE: max(1, self.o["masters"] * 2 // 5),
            ELEMENTARY: max(1, min(len(rows), self.o["masters"] // 2)),
        }[level]
        catalog = CATALOGS[level]["name"]
        result = []
        suffixes = ["H", "A", "B", "II", "E", "L", "X", "Y", "Z"]
        for i in range(wanted):
            row = rows[i % len(rows)]
            variant = i // len(rows)
            number, name = row.number, row.name
            if variant:
                suffix = suffixes[(variant - 1) % len(suffixes)] + (
                    str((variant - 1) // len(suffixes) + 1) if variant > len(suffixes) else ""
                )
                number = f"{row.number}{suffix}"
                name = f"{row.name[: 29 - len(suffix)].rstrip()} {suffix}"
            result.append(self.make_master(level, catalog, row, number, name))
        self.masters.extend(result)
        self.masters_by_catalog[catalog] = result
        self.master_by_number[catalog] = {m["number"]: m for m in result}

    def make_master(self, level: str, catalog: str, row: _Row, number: str, name: str) -> dict:
        rng = self.rng
        master = {
            "catalog": catalog,
            "number": number,
            "name": name,
            "attributes": {
                "state_code": row.sced_code,
                "description": row.description,
                "department": row.department,
                "credits": row.credits,
                "grade_levels": list(row.grade_levels),
                "standards_based": level == ELEMENTARY,
                "active": rng.random() > 0.02,
                "advisory": False,
                "sced_code": row.sced_code,
            },
            "grading_tasks": [],
            "standards": [],
            "categories": [],
            "assessments": [],
            "grade_calc_options": [],
            "composite_grades": [],
        }
        if level == ELEMENTARY:
            self._elementary_setup(master, row)
        else:
            self._secondary_setup(master, row, level)
        return master

    def _elementary_setup(self, master: dict, row: _Row) -> None:
        rng = self.rng
        for code in ("T1G", "T2G", "T3G"):
            master["grading_tasks"].append({"task": code, "credit": "0.00", "credit_type": "", "score_group": "1-4"})
        subject = STANDARDS.get(row.department, STANDARDS["English"])
        chosen = rng.sample(subject, k=min(len(subject), rng.randint(2, 4)))
        for code, _ in chosen:
            master["standards"].append({"standard": code, "score_group": "1-4"})
            for term in TRIMESTERS:
                master["grade_calc_options"].append(self._gco(f"standard:{code}", term, "proficiency_estimate", "1-4"))
        for code, _ in WORK_HABITS:
            master["standards"].append({"standard": code, "score_group": "E-S-N-U"})
        for sequence, (cat, weight) in enumerate(ELEMENTARY_CATEGORIES, 1):
            master["categories"].append(self._category(cat, weight, sequence))
        if row.department == "English" and row.grade_levels and row.grade_levels[0] in ("KG", "01", "02", "03"):
            master["assessments"].append({"test": "DIBELS", "standard": "ELA.RF", "copies_forward": True})
        elif row.department == "Mathematics":
            master["assessments"].append(
                {"test": rng.choice(["IREADY", "MAP"]), "standard": None, "copies_forward": True}
            )

    def _secondary_setup(self, master: dict, row: _Row, level: str) -> None:
        rng = self.rng
        credits = Decimal(row.credits)
        credit_type = row.department
        semester = credits == Decimal("0.50") and level == HIGH
        quarters = QUARTERS[:2] if semester else QUARTERS
        for q in quarters:
            master["grading_tasks"].append(
                {"task": f"{q}G", "credit": "0.00", "credit_type": credit_type, "score_group": "A-F"}
            )
        semesters = ["S1"] if semester else ["S1", "S2"]
        share = credits if semester else credits / 2
        for s in semesters:
            master["grading_tasks"].append(
                {"task": s, "credit": _money(share), "credit_type": credit_type, "score_group": "A-F"}
            )
        if level == MIDDLE or rng.random() < 0.2:
            subject = STANDARDS.get(row.department)
            if subject:
                for code, _ in rng.sample(subject, k=min(len(subject), rng.randint(1, 2))):
                    master["standards"].append({"standard": code, "score_group": "1-4"})
        pool = CATEGORY_POOL.get(row.department, CATEGORY_POOL["default"])
        names = rng.sample(pool, k=min(len(pool), rng.randint(3, 5)))
        for sequence, (name, weight) in enumerate(zip(names, _weights(rng, len(names)), strict=True), 1):
            master["categories"].append(self._category(name, weight, sequence))
        use_percent = rng.random() < 0.1
        for q in quarters:
            master["grade_calc_options"].append(self._gco(f"task:{q}G", q, "in_progress", "A-F", use_percent))
        for s, (a, b) in zip(semesters, [("Q1G", "Q2G"), ("Q3G", "Q4G")], strict=False):
            master["grade_calc_options"].append(
                self._gco(f"task:{s}", "Q2" if s == "S1" else "Q4", "in_progress", "A-F", use_percent)
            )
            first = rng.choice([50, 50, 50, 40, 45])
            master["composite_grades"].append(
                {
                    "parent": f"task:{s}",
                    "children": [
                        {"item": f"task:{a}", "weight": _money(first)},
                        {"item": f"task:{b}", "weight": _money(100 - first)},
                    ],
                }
            )
        if master["name"].startswith("AP "):
            master["assessments"].append({"test": "AP", "standard": None, "copies_forward": False})
        elif level == MIDDLE and row.department in ("English", "Mathematics", "Science"):
            master["assessments"].append({"test": "MAP", "standard": None, "copies_forward": True})
        elif rng.random() < 0.1:
            master["assessments"].append(
                {"test": rng.choice(["KEYSTONE", "PSAT"]), "standard": None, "copies_forward": False}
            )

    @staticmethod
    def _category(name: str, weight, sequence: int) -> dict:
        drop = 1 if name in ("Homework", "Quizzes") else 0
        return {"name": name, "weight": _money(weight), "sequence": sequence, "drop_lowest": drop, "excluded": False}

    @staticmethod
    def _gco(item: str, term: str, calculation: str, scale: str | None, percent: bool = False) -> dict:
        return {
            "item": item,
            "term": term,
            "calculation": calculation,
            "grading_scale": scale,
            "weight_categories": calculation == "in_progress",
            "use_score_percent": percent,
        }

    # -- courses -------------------------------------------------------------------

    def make_courses(self, school: _School) -> None:
        rng = self.rng
        unpushed = self.o["unpushed"]
        courses = []
        if school.catalog is None:
            # The virtual school's courses: the school's own, from a slice of the high-school list.
            rows = self.rows[HIGH]
            start = rng.randrange(len(rows))
            for k in range(min(len(rows), max(5, self.o["masters"] // 4))):
                row = rows[(start + k) % len(rows)]
                master = self.make_master(HIGH, "", row, row.number, row.name)
                course = self._course(school, row.number, row.name, None, master["attributes"])
                for type_name in ("grading_tasks", "categories", "grade_calc_options", "composite_grades"):
                    course[type_name] = [{**item, "state": "local", "source": None} for item in master[type_name]]
                courses.append(course)
        else:
            share = {ELEMENTARY: 1.0, MIDDLE: 0.95, HIGH: 0.92}[school.level]
            for master in self.masters_by_catalog[school.catalog]:
                if rng.random() >= share:
                    continue
                if unpushed:
                    course = self._course(school, master["number"], master["name"], master["number"], {})
                    course["ignore_master_push"] = rng.random() < RATES["ignored"]
                else:
                    course = self._pushed_course(school, master)
                courses.append(course)
        if school.level != ELEMENTARY:
            for number, name, advisory in LOCAL_COURSES:
                course = self._course(school, number, name, None, {"advisory": advisory, "active": True})
                courses.append(course)
        teachers = self._teachers(school, courses)
        for course in courses:
            self._make_sections(school, course, teachers)
        self.courses.extend(courses)

    def _course(self, school: _School, number: str, name: str, master: str | None, attributes: dict) -> dict:
        course = {
            "calendar": {"school": school.number, "year": self.year["name"]},
            "number": number,
            "name": name,
            "master": master,
            "ignore_master_push": False,
            "desynced": [],
            "attributes": _attributes(attributes),
        }
        for type_name in _COURSE_TYPES:
            course[type_name] = []
        return course

    def _pushed_course(self, school: _School, master: dict) -> dict:
        """A course as pushes left it, then as people and time changed it."""
        rng = self.rng
        course = self._course(school, master["number"], master["name"], master["number"], master["attributes"])
        for type_name in _COURSE_TYPES:
            course[type_name] = [
                {**item, "state": "linked", "source": _source(type_name, item)} for item in master[type_name]
            ]
        if rng.random() < 0.1:
            course["attributes"]["description"] = f"Room {rng.randint(100, 299)}"
        locks = CATALOGS[school.level]["types"]
        if rng.random() < RATES["ignored"]:
            course["ignore_master_push"] = True
            # Managed by its school since: its categories drifted from the master's.
            for item in course["categories"]:
                item["weight"] = _money(Decimal(item["weight"]) + 5)
            self._local_category(course, "Labs")
        if rng.random() < RATES["desynced"]:
            self._desync(course, locks)
        if rng.random() < RATES["course_controlled"]:
            unlocked = [t for t in _COURSE_TYPES if t not in locks and course[t]]
            if unlocked:
                self._unlink_one(course, rng.choice(unlocked))
        if rng.random() < RATES["awaiting"]:
            self._awaiting_push(course)
        if rng.random() < RATES["local"]:
            self._local_category(course, rng.choice(["Extra Credit", "Reading Logs", "Current Events"]))
        if rng.random() < RATES["conflict"] and course["grading_tasks"]:
            # Created at the course before the master had it: push mode leaves it (R13).
            course["grading_tasks"][-1].update(state="local", source=None, score_group="Pass/Fail")
        if rng.random() < RATES["residual"]:
            # An overwrite push removed it from the master, but teachers' assignments keep it (R20).
            sequence = 1 + max((c["sequence"] for c in course["categories"]), default=0)
            course["categories"].append(
                {**self._category("Warm-ups", 0, sequence), "state": "residual", "source": None}
            )
        return course

    def _desync(self, course: dict, locks: list[str]) -> None:
        rng = self.rng
        candidates = [t for t in _COURSE_TYPES if t in locks and course[t]]
        if not candidates:
            return
        type_name = rng.choice(candidates)
        if rng.random() < 0.5:
            self._unlink_one(course, type_name)
        else:
            # Deleted at the course while the type was unlocked (R9).
            course[type_name].pop(rng.randrange(len(course[type_name])))
            course["desynced"].append(type_name)

    def _unlink_one(self, course: dict, type_name: str) -> None:
        items = [i for i in course[type_name] if i["state"] == "linked"]
        if not items:
            return
        item = self.rng.choice(items)
        item["state"] = "unlinked"
        _change_payload(type_name, item)

    def _awaiting_push(self, course: dict) -> None:
        rng = self.rng
        choice = rng.randrange(3)
        if choice == 0 and course["categories"]:
            # The master changed a weight since the last push.
            item = rng.choice(course["categories"])
            if item["state"] == "linked":
                item["weight"] = _money(Decimal(item["weight"]) + 10)
        elif choice == 1 and course["assessments"]:
            # The master added an assessment since the last push.
            course["assessments"].pop()
        else:
            # The master dropped a task since the last push: the course's copy awaits removal.
            if not any(i["task"] == "CIT" for i in course["grading_tasks"]):
                citizenship = {"task": "CIT", "credit": "0.00", "credit_type": "", "score_group": "E-S-N-U"}
                course["grading_tasks"].append({**citizenship, "state": "linked", "source": None})

    def _local_category(self, course: dict, name: str) -> None:
        if any(c["name"].lower() == name.lower() for c in course["categories"]):
            return
        sequence = 1 + max((c["sequence"] for c in course["categories"]), default=0)
        course["categories"].append({**self._category(name, 0, sequence), "state": "local", "source": None})

    # -- sections ------------------------------------------------------------------

    def _teachers(self, school: _School, courses: list[dict]) -> list[str]:
        k = self.o["sections_per_course"]
        expected = max(1, len(courses) * k)
        return [self.make_user("teacher", [school.number]) for _ in range(max(2, expected // 5))]

    def _make_sections(self, school: _School, course: dict, teachers: list[str]) -> None:
        rng = self.rng
        k = self.o["sections_per_course"]
        count = rng.randint(1, 2 * k - 1)
        pushed_categories = [c for c in course["categories"] if c["state"] != "residual"]
        residual = [c for c in course["categories"] if c["state"] == "residual"]
        unpushed_master = self.o["unpushed"] and course["master"] is not None
        master_category_names = []
        if unpushed_master:
            master = self.master_by_number[school.catalog][course["master"]]
            master_category_names = [c["name"] for c in master["categories"]]
        teacher = rng.choice(teachers)
        for n in range(1, count + 1):
            if rng.random() < 0.7:
                teacher = rng.choice(teachers)
            section = {
                "course": {"school": school.number, "year": self.year["name"], "number": course["number"]},
                "number": str(n),
                "teacher": teacher,
                "advisory": course["attributes"]["advisory"],
                "categories": [],
                "grade_calc_options": [],
                "composite_grades": [],
                "assignments": [],
                "posted_grades": [],
            }
            for type_name in ("categories", "grade_calc_options", "composite_grades"):
                items = pushed_categories if type_name == "categories" else course[type_name]
                for item in items:
                    copy = {key: item[key] for key in item if key not in ("state", "source")}
                    copy.update(state="linked", source=_source(type_name, item))
                    if type_name == "grade_calc_options":
                        copy["read_only"] = False
                    section[type_name].append(copy)
            if section["categories"] and rng.random() < RATES["section_awaiting"]:
                # The course changed a weight since its last Push to Sections.
                section["categories"][0]["weight"] = _money(Decimal(section["categories"][0]["weight"]) + 5)
            for item in residual:
                copy = {key: item[key] for key in item if key not in ("state", "source")}
                section["categories"].append({**copy, "state": "residual", "source": None})
            self._teacher_categories(section, master_category_names, unpushed_master)
            self._teacher_data(school, course, section)
            self.sections.append(section)

    def _teacher_categories(self, section: dict, master_names: list[str], unpushed_master: bool) -> None:
        rng = self.rng
        taken = {c["name"].lower() for c in section["categories"]}
        names = []
        if unpushed_master:
            # Teachers set up their own categories; some carry the master's names, which the
            # first push will rename "Name (1)" (R19).
            pool = master_names + TEACHER_CATEGORIES
            names = rng.sample(pool, k=min(len(pool), rng.randint(2, 3)))
        elif rng.random() < RATES["teacher_category"]:
            names = [rng.choice(TEACHER_CATEGORIES)]
            pushed = [c["name"] for c in section["categories"] if c["state"] == "linked"]
            if pushed and rng.random() < 0.4:
                # A teacher's category that a push found under a pushed name (R19).
                names.append(f"{rng.choice(pushed)} (1)")
        elif not section["categories"] and not section["advisory"]:
            names = rng.sample(TEACHER_CATEGORIES, k=2)
        sequence = max((c["sequence"] for c in section["categories"]), default=0)
        weights = _weights(rng, len(names)) if names else []
        for name, weight in zip(names, weights, strict=True):
            if name.lower() in taken:
                continue
            taken.add(name.lower())
            sequence += 1
            section["categories"].append({**self._category(name, weight, sequence), "state": "teacher", "source": None})

    def _teacher_data(self, school: _School, course: dict, section: dict) -> None:
        rng = self.rng
        o = self.o
        if course["attributes"]["advisory"]:
            return  # advisory periods are not graded
        students = self._roster(school)
        elementary = school.terms == TRIMESTERS
        # The terms the course grades: its quarter tasks (a semester course has two quarters).
        quarters = [t for t in school.terms if any(g["task"] == f"{t}G" for g in course["grading_tasks"])]
        terms = quarters if quarters and not elementary else school.terms
        categories = [c["name"] for c in section["categories"]]
        counters: dict[str, int] = {}
        for a in range(o["assignments_per_section"]):
            category = categories[a % len(categories)] if categories else None
            word = ASSIGNMENT_WORDS.get(category, category or "Assignment")
            counters[word] = counters.get(word, 0) + 1
            term = terms[min(a * len(terms) // max(1, o["assignments_per_section"]), len(terms) - 1)]
            if elementary:
                standards = [s["standard"] for s in course["standards"] if not s["standard"].startswith("WH.")]
                items = [f"standard:{standards[0]}"] if standards else []
            else:
                items = [f"task:{term}G"]
            points, points_text = rng.choice(self.points)
            scores = []
            for student in students:
                roll = rng.random()
                comment = ""
                if roll < 0.02:
                    value, comment = None, "Excused"
                elif roll < 0.04:
                    value = self.score_text[min(points + rng.randint(1, 5), 105)]  # extra credit
                    comment = "Extra credit"
                else:
                    value = self.score_text[int(points * (0.55 + 0.45 * rng.random()))]
                    if roll > 0.93:
                        comment = rng.choice(SCORE_COMMENTS)
                scores.append({"student": student, "score": value, "comment": comment})
            section["assignments"].append(
                {
                    "name": f"{word} {counters[word]}",
                    "category": category,
                    "items": items,
                    "term": term,
                    "points": points_text,
                    "scores": scores,
                }
            )
        if students and rng.random() < RATES["posted"]:
            item = "standard:WH.EFF" if elementary else f"task:{terms[0]}G"
            for student in students:
                grade = rng.choice(["E", "S", "S", "N", "U"]) if elementary else rng.choice(LETTER_GRADES)
                comment = rng.choice(GRADE_COMMENTS) if rng.random() < 0.05 else ""
                section["posted_grades"].append(
                    {"item": item, "term": terms[0], "student": student, "grade": grade, "comment": comment}
                )

    def _roster(self, school: _School) -> list[str]:
        size = self.o["students_per_section"]
        pool = school.students
        start = self.rng.randrange(len(pool))
        return [pool[(start + k) % len(pool)] for k in range(size)]


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

_COURSE_TYPES = tuple(t.name for t in SETUP_TYPES if COURSE in t.levels)


def _weights(rng: random.Random, n: int) -> list[int]:
    """n whole weights summing to 100, in steps of 5."""
    if n == 0:
        return []
    cuts = sorted(rng.sample(range(1, 20), n - 1)) if n > 1 else []
    bounds = [0, *cuts, 20]
    return [5 * (bounds[i + 1] - bounds[i]) for i in range(n)]


def _source(type_name: str, item: dict) -> str:
    """The key of the item one level up, in its ``source`` form (district-format.md): the
    key fields' values, joined by a space."""
    setup_type = SETUP_TYPES_BY_NAME[type_name]
    return " ".join(str(item[setup_type.json_name(f)]) for f in setup_type.key_fields)


def _change_payload(type_name: str, item: dict) -> None:
    """Edit an item the way a school would: a different value in its payload."""
    if type_name == "categories":
        item["weight"] = _money(Decimal(item["weight"]) + 5)
    elif type_name == "grading_tasks":
        item["score_group"] = "Pass/Fail"
    elif type_name == "standards":
        item["score_group"] = "E-S-N-U"
    elif type_name == "assessments":
        item["copies_forward"] = not item["copies_forward"]
    elif type_name == "grade_calc_options":
        item["use_score_percent"] = not item["use_score_percent"]
    else:
        # A child dropped, not only a weight changed: weights may be the course's own (R4).
        item["children"] = [dict(c) for c in item["children"][:-1]]


_ATTRIBUTE_DEFAULTS = {
    "state_code": "",
    "description": "",
    "department": "",
    "credits": "0.00",
    "grade_levels": [],
    "standards_based": False,
    "active": True,
    "advisory": False,
    "sced_code": "",
}


def _attributes(values: dict) -> dict:
    """Every attribute, given or default (export writes them all)."""
    result = {}
    for name, default in _ATTRIBUTE_DEFAULTS.items():
        value = values.get(name, default)
        result[name] = list(value) if isinstance(value, list) else value
    return result


# Sorting, as exchange exports (district-format.md): by (sequence, key) where items have a
# sequence, else by key.
_ITEM_SORT = {
    "grading_tasks": lambda r: (r["task"],),
    "standards": lambda r: (r["standard"],),
    "categories": lambda r: (r["sequence"], r["name"]),
    "assessments": lambda r: (r["test"],),
    "grade_calc_options": lambda r: (r["item"], r["term"]),
    "composite_grades": lambda r: (r["parent"],),
}


def _sort_owner(record: dict) -> None:
    for type_name, key in _ITEM_SORT.items():
        if type_name in record:
            record[type_name].sort(key=key)


def _sort_document(doc: dict) -> None:
    _sort_head(doc)
    for course in doc["courses"]:
        _sort_course(course)
    doc["courses"].sort(key=lambda r: (r["calendar"]["school"], r["calendar"]["year"], r["number"]))
    for section in doc["sections"]:
        _sort_section(section)
    doc["sections"].sort(key=lambda r: (r["course"]["school"], r["course"]["year"], r["course"]["number"], r["number"]))


def _sort_course(course: dict) -> None:
    _sort_owner(course)
    course["desynced"].sort()


def _sort_section(section: dict) -> None:
    _sort_owner(section)
    for assignment in section["assignments"]:
        assignment["items"].sort()
        assignment["scores"].sort(key=lambda s: s["student"])
    section["assignments"].sort(key=lambda a: a["name"])
    section["posted_grades"].sort(key=lambda g: (g["item"], g["term"], g["student"]))


def _sort_head(doc: dict) -> None:
    """Everything but the courses and sections."""
    doc["school_years"].sort(key=lambda r: r["name"])
    doc["grading_tasks"].sort(key=lambda r: r["code"])
    doc["standards"].sort(key=lambda r: r["code"])
    doc["tests"].sort(key=lambda r: r["code"])
    doc["grading_scales"].sort(key=lambda r: r["name"])
    for catalog in doc["catalogs"]:
        catalog["locks"]["attributes"].sort()
        catalog["locks"]["types"].sort()
    doc["catalogs"].sort(key=lambda r: r["name"])
    doc["schools"].sort(key=lambda r: r["number"])
    doc["calendars"].sort(key=lambda r: (r["school"], r["year"]))
    for master in doc["course_masters"]:
        _sort_owner(master)
    doc["course_masters"].sort(key=lambda r: (r["catalog"], r["number"]))
    for user in doc["users"]:
        user["schools"].sort()
    doc["users"].sort(key=lambda r: r["username"])
