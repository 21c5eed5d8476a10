"""Rebuild courses.csv from the reference data (a development tool, never run in production).

    python exchange/data/build_courses.py ../shared/data > exchange/data/courses.csv

Picks a few hundred rows: elementary and middle-school courses from the NCES
SCED list (the "(kindergarten)".."(grade 8)" rows and some secondary courses
offered in middle school), and high-school courses from the Tredyffrin/Easttown
catalog, each given the SCED code of its subject area whose title shares the
most words with it. See README.md for sources and licences.
"""

import csv
import hashlib
import json
import re
import sys
from pathlib import Path

# SCED subject areas (first two digits of a code) and the departments we call them.
DEPARTMENTS = {
    "01": "English",
    "02": "Mathematics",
    "03": "Science",
    "04": "Social Studies",
    "05": "Fine Arts",
    "08": "Physical Education",
    "10": "Technology",
    "12": "Business",
    "16": "Family and Consumer Sci",
    "19": "Family and Consumer Sci",
    "24": "World Languages",
    "25": "Interdisciplinary",
}
# Tredyffrin/Easttown scheduling departments and the SCED subject area each falls in.
TESD_AREAS = {
    "EN": "01",
    "MA": "02",
    "SC": "03",
    "SS": "04",
    "VP": "05",
    "PE": "08",
    "WF": "08",
    "BT": "12",
    "FC": "16",
    "WL": "24",
}
# Secondary SCED courses a middle school typically offers as electives or accelerated courses.
MIDDLE_EXTRA = {
    "02052", "02056", "02072", "03001", "04101", "05101", "05104", "05110", "05154", "05167",
    "08002", "08051", "10001", "10002", "10004", "24052", "24102", "24152", "24082", "21005",
    "12101", "16052", "19052", "22151", "04061", "04104", "01062", "01101", "03051", "02053",
}  # fmt: skip
AREA_WORDS = re.compile(r"[a-z]+|[0-9]+")
# TESD abbreviations, spelled out the way SCED titles spell them.
WORDS = {
    "alg": "algebra", "calc": "calculus", "envirn": "environmental", "env": "environmental", "sci": "science",
    "span": "spanish", "fr": "french", "gr": "german", "it": "italian", "lng": "language", "lang": "language",
    "hist": "history", "histry": "history", "hst": "history", "govt": "government", "gov": "government",
    "psych": "psychology", "econ": "economics", "chem": "chemistry", "phys": "physics", "biol": "biology",
    "stat": "statistics", "trig": "trigonometry", "compsci": "computer", "comp": "computer", "ceramc": "ceramics",
    "orch": "orchestra", "ensmb": "ensemble", "adv": "advanced", "lit": "literature", "cmp": "composition",
    "acctg": "accounting", "mktg": "marketing", "dsgn": "design", "culnry": "culinary", "photo": "photography",
    "1": "i", "2": "ii", "3": "iii", "4": "iv", "5": "v",
}  # fmt: skip
# Words that make a SCED course a poor match for a high-school course that does not say them.
SPECIAL = {"ib", "ap", "prior", "secondary", "kindergarten", "pre", "grade", "immersion", "dual", "early", "childhood"}


def words_of(text: str) -> set[str]:
    return {WORDS.get(w, w) for w in AREA_WORDS.findall(text.lower())}


def grade_levels(title: str) -> list[str]:
    m = re.search(r"\((kindergarten|grade (\d))\)", title)
    if not m:
        return []
    return ["KG"] if m.group(1) == "kindergarten" else [f"0{m.group(2)}"]


def short_name(title: str) -> str:
    name = re.sub(r"\(kindergarten\)", "K", title)
    name = re.sub(r"\(grade (\d)\)", r"\1", name)
    name = name.replace("Physical and Health Education", "PE and Health").replace("Physical Education", "PE")
    name = name.replace("Health Education", "Health").replace(" and ", " & ")
    name = re.sub(r"\s*\(.*?\)", "", name).strip()
    return name[:30].strip()


def main(shared: Path) -> None:
    sced_text = (shared / "sced-v12" / "sced_v12.csv").read_bytes().decode("cp1252")
    sced = list(csv.DictReader(sced_text.splitlines()))
    tesd_text = (shared / "tesd-course-catalog" / "course_catalog.js").read_text("utf-8")
    tesd = json.loads(tesd_text[tesd_text.index("[") :])
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["level", "number", "name", "sced_code", "department", "credits", "grade_levels", "description"])
    by_area: dict[str, list[dict]] = {}
    for row in sced:
        code, title = row["SCED Course Code"], row["Course Title"]
        by_area.setdefault(code[:2], []).append(row)
        levels = grade_levels(title)
        if levels and levels != ["0" + "0"]:
            grade = 0 if levels == ["KG"] else int(levels[0])
            level = "elementary" if grade <= 5 else "middle"
            out.writerow([level, f"{level[0].upper()}{code}", short_name(title), code,
                          DEPARTMENTS.get(code[:2], "General"), "1.00" if level == "middle" else "0.00",
                          " ".join(levels), ""])  # fmt: skip
        elif code in MIDDLE_EXTRA:
            out.writerow(["middle", f"M{code}", short_name(title), code, DEPARTMENTS.get(code[:2], "General"),
                          "1.00", "06 07 08", ""])  # fmt: skip
    seen = set()
    for row in tesd:
        area = TESD_AREAS.get(row["sched_department"])
        name = row["course_name"].strip()
        if area is None or name.lower() in seen or len(name) > 30 or "aide" in name.lower():
            continue
        seen.add(name.lower())
        words = words_of(name)
        candidates = by_area[area]
        digest = int(hashlib.sha256(name.encode()).hexdigest(), 16)

        def fit(i: int, words=words, candidates=candidates, digest=digest) -> tuple:
            title = words_of(candidates[i]["Course Title"])
            return (len(words & title) - len((title & SPECIAL) - words), (i * 7919 + digest) % len(candidates))

        best = max(range(len(candidates)), key=fit)
        code = candidates[best]["SCED Course Code"]
        grades = re.findall(r"\b(9|10|11|12)\b", row["sched_fullcatalogdescription"])
        levels = sorted({g.zfill(2) for g in grades}) or ["09", "10", "11", "12"]
        credits = f"{float(row['credit_hours'] or 0):.2f}"
        out.writerow(["high", row["course_number"], name, code, DEPARTMENTS[area], credits, " ".join(levels),
                      row["sched_fullcatalogdescription"].strip()])  # fmt: skip


if __name__ == "__main__":
    main(Path(sys.argv[1]))
