"""The machine the benchmark ran on, and ``docs/performance.md`` written from a run's results."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import psycopg

from . import raw

ROOT = Path(__file__).resolve().parent.parent
NOTES = Path(__file__).resolve().parent / "notes.md"

PUSH_STEPS = (
    "dry_run",
    "full_push",
    "full_push_worker",
    "unchanged",
    "unchanged_analyzed",
    "one_master",
    "push_all_courses",
)
WORKERS_PREFIX = "full_push_workers:"  # + how many real Celery workers
STEP_TITLES = {
    "generate": "generate and load (`generate_district --unpushed`)",
    "dry_run": "dry run of the full push",
    "preview": "preview job of the full push (R71), as a worker runs it",
    "full_push": "full first push (overwrite, to sections, all types)",
    "full_push_worker": "the same first push as a worker runs it (Run Now; on a copy of the district)",
    "unchanged": "the same push again, nothing changed (right after the first)",
    "unchanged_analyzed": "the same again, once the tables are analyzed (as autovacuum does soon after)",
    "edit_master": "edit one master (a category weight)",
    "one_master": "push after editing one master (Push to Courses)",
    "push_all_courses": "Push All Courses, biggest calendar",
}
# Issue 15: every path's peak memory, each measured in its own process (ru_maxrss; a real
# worker's own VmHWM).
MEMORY_PATHS = (
    ("full_push", "the push command (`push_all_course_masters ... --report FILE`)"),
    ("full_push_worker", "the push as a worker runs it (Run Now, in the step's process)"),
    (WORKERS_PREFIX + "1", "a real Celery worker running the push alone"),
    (WORKERS_PREFIX + "2", "a real Celery worker of two running the push"),
    ("dry_run", "the push command's dry run"),
    ("preview", "the preview job (R71), as a worker runs it"),
    ("generate", "generate and load (`generate_district`)"),
    ("generate_file", "`generate_district --out FILE`"),
    ("import", "`import_district FILE --replace` of that file"),
    ("export", "`export_district --out FILE`"),
    ("csv:master-awaiting-push", "Master Awaiting Push: the full CSV download"),
    ("csv:course-audit", "Course Audit: the full CSV download"),
    ("csv:course-awaiting-push", "Course Awaiting Push: the full CSV download"),
    ("csv:residual", "Residual Data: the full CSV download"),
    ("xlsx:master-awaiting-push", "Master Awaiting Push: the full XLSX download"),
    ("xlsx:course-audit", "Course Audit: the full XLSX download"),
    ("xlsx:course-awaiting-push", "Course Awaiting Push: the full XLSX download"),
    ("xlsx:residual", "Residual Data: the full XLSX download"),
    ("download:job_report.csv", "the full push job's result report, CSV (biggest catalog)"),
    ("download:job_report.xlsx", "the full push job's result report, XLSX"),
    ("download:job_changes.csv", "the full push job's change log, CSV"),
    ("download:job_changes.xlsx", "the full push job's change log, XLSX"),
    ("download:preview_changes.csv", "the preview job's changes, CSV (biggest catalog)"),
    ("download:preview_changes.xlsx", "the preview job's changes, XLSX"),
    ("download:history.csv", "the History of the course the full push changed most, CSV"),
    ("download:history.xlsx", "the same History, XLSX"),
)
REPORT_TITLES = {
    "master-awaiting-push": "Course Master Awaiting Push",
    "course-awaiting-push": "Course Awaiting Push",
    "course-audit": "Course Audit",
    "residual": "Residual Data",
}
LIMITS = {
    "ratio": 1.5,
    "unchanged_share": 0.05,
    "one_master_s": 1.0,
    "peak_mb": 300.0,
    "submit_s": 0.200,
    "queue_list_s": 0.100,
    "grade_impact_ratio": 2.0,
    "preview_share": 1.10,
    "page_s": 1.0,
    "api_page_s": 0.200,
}
# The scale-out estimate (issue 15): worker counts, and a state of this many schools.
ESTIMATE_WORKERS = (8, 32)
STATE_SCHOOLS = 1000
GRADEBOOK_BEGIN = "<!-- gradebook: written by python -m bench; --only-gradebook rewrites this part alone -->"
GRADEBOOK_END = "<!-- end of gradebook -->"


def machine(dsn: str) -> dict:
    info: dict = {
        "platform": platform.platform(),
        "cores": os.cpu_count(),
        "load_start": list(os.getloadavg()),
        "python": sys.version.split()[0],
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    for package in ("django", "psycopg", "celery"):
        try:
            info[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
    with psycopg.connect(dsn, autocommit=True) as conn:
        info["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
        info["postgresql_settings"] = {
            name: conn.execute(f"SHOW {name}").fetchone()[0]
            for name in ("shared_buffers", "work_mem", "fsync", "synchronous_commit", "full_page_writes")
        }
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True)
        info["commit"] = commit.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")
    except OSError:
        pass
    return info


# ---------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------


def _ok(step: dict | None) -> bool:
    return bool(step) and "error" not in step


def _wall(step: dict) -> float:
    """The step's time: for the real workers, from each submit to its job's end (their start aside)."""
    return step.get("found", {}).get("push_s") or step["wall_s"]


def _peak(step: dict) -> float:
    """The step's peak memory: for the real workers, the biggest worker's."""
    return max(step["peak_mb"], step.get("found", {}).get("worker_peak_mb") or 0)


def _worker_keys(size: dict) -> list[str]:
    keys = [k for k in size["steps"] if k.startswith(WORKERS_PREFIX)]
    return sorted(keys, key=lambda k: int(k[len(WORKERS_PREFIX) :]))


def _push_keys(size: dict) -> list[str]:
    return [*PUSH_STEPS, *_worker_keys(size)]


def _ratio(size: dict, step_name: str, *, without_fk: bool = False) -> tuple[float | None, float | None]:
    step = size["steps"].get(step_name)
    rates = size.get("raw")
    if not _ok(step) or not rates or not step.get("rows_written"):
        return None, None
    seconds = raw.raw_seconds({**step["tables"], **step.get("queue_tables", {})}, rates, without_fk=without_fk)
    if not seconds:
        return None, None
    return _wall(step) / seconds, seconds


def _change_rows(step: dict) -> int:
    """Rows the step wrote to the change log (older results counted them with the queue's rows)."""
    if "change_rows" in step:
        return step["change_rows"]
    return sum(sum(step.get(part, {}).get("pushjobs_changerow", ())) for part in ("tables", "queue_tables"))


def _ms(seconds: float | None) -> str:
    return "–" if seconds is None else f"{1000 * seconds:,.0f} ms"


def _fmt(value, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _verdict(ok: bool | None) -> str:
    return "(for information)" if ok is None else ("**met**" if ok else "**not met**")


def targets(results: dict) -> list[tuple[str, str, bool | None]]:
    sizes = results["sizes"]
    rows = []
    biggest = "large" if "large" in sizes else (list(sizes)[-1] if sizes else None)

    # Full push ratio at the large size, its change log among the rows it writes (issues 12, 15).
    if biggest:
        full = sizes[biggest]["steps"].get("full_push")
        ratio, _ = _ratio(sizes[biggest], "full_push")
        logged = f" ({_change_rows(full):,} change-log rows of {full['rows_written']:,} written)" if _ok(full) else ""
        rows.append(
            (
                f"Full push with its change log: ratio ≤ {LIMITS['ratio']:g} at the {biggest} size",
                f"{_fmt(ratio)}{logged}",
                None if ratio is None else ratio <= LIMITS["ratio"],
            )
        )
    # Unchanged push: judged where the push has work enough for a share to mean something (the
    # biggest size); at the small sizes a push's fixed cost (its job, the scope, three commands) is
    # most of either time, and the share is shown for information.
    for name, size in sizes.items():
        full, same = size["steps"].get("full_push"), size["steps"].get("unchanged")
        if _ok(full) and _ok(same):
            share = same["wall_s"] / full["wall_s"] if full["wall_s"] else None
            ok = same["rows_written"] == 0 and share is not None and share <= LIMITS["unchanged_share"]
            rows.append(
                (
                    f"Unchanged push ({name}, right after the full push): 0 rows written, time ≤ 5% of it",
                    f"{same['rows_written']:,} rows, {_fmt(same['wall_s'])} s = {_fmt(100 * share, 1)}%",
                    ok if name == biggest else None,
                )
            )
        later = size["steps"].get("unchanged_analyzed")
        if _ok(full) and _ok(later) and full["wall_s"]:
            rows.append(
                (
                    f"Unchanged push ({name}), once the tables are analyzed",
                    f"{later['rows_written']:,} rows, {_fmt(later['wall_s'])} s = "
                    f"{_fmt(100 * later['wall_s'] / full['wall_s'], 1)}%",
                    None,
                )
            )
    if biggest:
        rows += _change_log_targets(sizes[biggest], biggest)
    # One master at the large size.
    if biggest:
        one = sizes[biggest]["steps"].get("one_master")
        rows.append(
            (
                f"One-master push at the {biggest} size ≤ 1 s",
                f"{_fmt(one['wall_s'])} s" if _ok(one) else (one or {}).get("error", "–"),
                (one["wall_s"] <= LIMITS["one_master_s"]) if _ok(one) else None,
            )
        )
    if biggest:
        rows += _worker_targets(sizes[biggest], biggest)
    # Peak memory.
    for name, size in sizes.items():
        peaks = [(s, _peak(size["steps"][s])) for s in _push_keys(size) if _ok(size["steps"].get(s))]
        if peaks:
            worst = max(peaks, key=lambda p: p[1])
            rows.append(
                (
                    f"Peak memory of the pushing process ≤ 300 MB ({name})",
                    f"{worst[1]:,.0f} MB ({worst[0].replace('_', ' ')})",
                    worst[1] <= LIMITS["peak_mb"],
                )
            )
    # Peak memory of every path (issue 15), where the memory steps ran.
    for name, size in sizes.items():
        peaks = [(key, _peak(size["steps"][key])) for key, _ in MEMORY_PATHS if _ok(size["steps"].get(key))]
        failed = [key for key, _ in MEMORY_PATHS if key in size["steps"] and not _downloaded(size["steps"][key])]
        peaks = [(key, mb) for key, mb in peaks if key not in failed]
        if len(peaks) > len(PUSH_STEPS) // 2:
            worst = max(peaks, key=lambda p: p[1])
            measured = f"{worst[1]:,.0f} MB ({dict(MEMORY_PATHS)[worst[0]]})"
            over = [dict(MEMORY_PATHS)[k] for k, mb in peaks if mb > LIMITS["peak_mb"]]
            if len(over) > 1:
                measured += f"; {len(over)} paths over: " + ", ".join(over)
            if failed:
                measured += "; did not run: " + ", ".join(failed)
            rows.append(
                (
                    f"Peak memory ≤ {LIMITS['peak_mb']:g} MB in every path ({name}: {len(peaks)} paths)",
                    measured,
                    (worst[1] <= LIMITS["peak_mb"] and not failed) if name == biggest else None,
                )
            )
    # Queries per chunk.
    per_chunk = {}
    for name, size in sizes.items():
        full = size["steps"].get("full_push")
        if _ok(full) and full["found"].get("chunks"):
            per_chunk[name] = full["queries"] / full["found"]["chunks"]
    if per_chunk:
        values = list(per_chunk.values())
        ok = all(later <= first * 1.1 + 2 for first, later in zip(values, values[1:], strict=False))
        rows.append(
            (
                "Queries grow with chunks, not with courses, sections or items (full push, queries per chunk)",
                ", ".join(f"{n}: {v:,.1f}" for n, v in per_chunk.items()),
                ok,
            )
        )
    if biggest:
        rows += _page_targets(sizes[biggest], biggest)
    # Web.
    for name, size in sizes.items():
        web = size["steps"].get("web")
        if not _ok(web):
            continue
        f = web["found"]
        submit = max(f["run_now"]["median"], f["submit_to_batch"]["median"])
        rows.append(
            (
                f"Submitting a push from the web ≤ 200 ms ({name}; median of 5, Run Now and Submit to Batch)",
                f"Run Now {1000 * f['run_now']['median']:.0f} ms, Submit to Batch "
                f"{1000 * f['submit_to_batch']['median']:.0f} ms",
                submit <= LIMITS["submit_s"],
            )
        )
        queue = max(f["queue_list_district_admin"]["median"], f["queue_list_school_admin"]["median"])
        rows.append(
            (
                f"Batch Queue List with 10,000 jobs ≤ 100 ms ({name}; median of 5)",
                f"district admin {1000 * f['queue_list_district_admin']['median']:.0f} ms, school admin "
                f"{1000 * f['queue_list_school_admin']['median']:.0f} ms",
                queue <= LIMITS["queue_list_s"],
            )
        )
    rows += gradebook_targets(results.get("gradebook"))
    return rows


def _downloaded(step: dict) -> bool:
    """The step ran, and where it is a download, the server gave it (not a refusal)."""
    download = step.get("found", {}).get("csv") if _ok(step) else None
    return _ok(step) and (not isinstance(download, dict) or download.get("status", 200) == 200)


def _not_run(step: dict | None) -> str:
    """A step's error for a table cell: one line, its start (the exit status or the budget) and
    its end (the exception)."""
    text = " ".join(((step or {}).get("error") or "not run").split()).replace("|", "/")
    return text if len(text) <= 240 else f"{text[:60]} … {text[-170:]}"


def _change_log_targets(size: dict, name: str) -> list[tuple[str, str, bool | None]]:
    """Issue 12: an unchanged push writes no change row; the preview job costs at most the dry run + 10%."""
    rows = []
    same = size["steps"].get("unchanged")
    if same is not None:
        if _ok(same):
            empty = same["found"].get("change_log_empty")
            table = {True: "none of its jobs' in the table", False: "the table holds rows of its jobs"}
            measured = f"{_change_rows(same):,} rows in the change log's statistics; " + table.get(
                empty, "the table not asked"
            )
            ok = _change_rows(same) == 0 and empty is not False
        else:
            measured, ok = _not_run(same), False
        rows.append((f"Unchanged push writes no change-log row ({name})", measured, ok))
    dry, preview = size["steps"].get("dry_run"), size["steps"].get("preview")
    if dry is not None or preview is not None:
        if _ok(dry) and _ok(preview) and dry["wall_s"]:
            share = preview["wall_s"] / dry["wall_s"]
            rows.append(
                (
                    f"Preview job ≤ the dry run + 10% ({name}, the same full push)",
                    f"{_fmt(preview['wall_s'])} s ÷ {_fmt(dry['wall_s'])} s = {_fmt(100 * share, 0)}%",
                    share <= LIMITS["preview_share"],
                )
            )
        else:
            problem = _not_run(preview if not _ok(preview) else dry)
            rows.append((f"Preview job ≤ the dry run + 10% ({name}, the same full push)", problem, False))
    return rows


def _worker_targets(size: dict, name: str) -> list[tuple[str, str, bool | None]]:
    """Issue 15: the full push on 1 and 2 real workers, its throughput ratio, and the same result."""
    keys = _worker_keys(size)
    if not keys:
        return []
    steps = size["steps"]
    failed = [k for k in keys if not _ok(steps[k])]
    title = f"Full push on {' and '.join(k[len(WORKERS_PREFIX) :] for k in keys)} real Celery workers ({name})"
    if failed:
        return [(title, f"{failed[0]}: {_not_run(steps[failed[0]])}", False)]
    first = steps[keys[0]]
    parts = [f"{k[len(WORKERS_PREFIX) :]}: {_fmt(_wall(steps[k]))} s" for k in keys]
    ratios = [f"{_wall(first) / _wall(steps[k]):.2f}×" for k in keys[1:] if _wall(steps[k])]
    measured = ", ".join(parts) + (f"; throughput ratio {', '.join(ratios)}" if ratios else "")
    rows = [(title + ": throughput ratio", measured, None)]
    full = steps.get("full_push")
    if _ok(full):
        same = all(steps[k]["tables"] == full["tables"] for k in keys)
        rows.append(
            (
                f"The push on real workers writes what the push command writes ({name})",
                "the same rows in every table" if same else "the rows written differ: see the size's table",
                same,
            )
        )
    return rows


def _page_targets(size: dict, name: str) -> list[tuple[str, str, bool | None]]:
    """Pages and API lists at the biggest size: reports (issue 15), History and change log (issue
    12), API pagination (issue 17), each role's home (issue 18)."""
    steps = size["steps"]
    rows = []
    reports = [(k.split(":", 1)[1], s) for k, s in steps.items() if k.startswith("report:")]
    if reports:
        bad = [k for k, s in reports if not _ok(s) or s["found"].get("page_statuses", [200]) != [200]]
        medians = [
            (k, s["found"].get("page_median", s["found"]["page_first"]["seconds"])) for k, s in reports if k not in bad
        ]
        measured = ", ".join(f"{REPORT_TITLES.get(k, k)} {_ms(m)}" for k, m in medians)
        if bad:
            measured += "; failed: " + ", ".join(bad)
        rows.append(
            (
                f"Every report's first page < 1 s ({name}; median of 5, as a district admin, after the pushes)",
                measured,
                not bad and all(m < LIMITS["page_s"] for _, m in medians),
            )
        )
    pages = steps.get("pages")
    if pages is not None:
        if _ok(pages):
            f = pages["found"]
            history = [(k.split(":", 1)[1], v) for k, v in f.items() if k.startswith("history:")]
            job = [(k.split(":", 1)[1], v) for k, v in f.items() if k.startswith("job:")]
            for title, found in (("The History tab", history), ("A job's change-log page", job)):
                rows.append(
                    (
                        # The first request too: what a page keeps after it (a job's grade impact)
                        # the median of 5 would hide.
                        f"{title} < 1 s ({name}; median of 5, and the first request)",
                        ", ".join(f"{k} {_ms(v['median'])} (first {_ms(v['first'])})" for k, v in found),
                        bool(found)
                        and all(
                            max(v["median"], v["first"]) < LIMITS["page_s"] and v["statuses"] == [200] for _, v in found
                        ),
                    )
                )
        else:
            rows.append((f"The History tab and a job's change-log page < 1 s ({name})", _not_run(pages), False))
    _timed_target(
        rows,
        steps.get("api"),
        "API pagination < 200 ms a page",
        name,
        "median of each list's pages, 100 rows a page",
        LIMITS["api_page_s"],
        lambda k, v: f"{k} {_ms(v['median'])} ({v['pages']} pages)",
    )
    _timed_target(
        rows,
        steps.get("home"),
        "Each role's home page < 1 s",
        name,
        "median of 5",
        LIMITS["page_s"],
        lambda k, v: f"{k} {_ms(v['median'])}",
    )
    return rows


def _timed_target(rows: list, step: dict | None, title: str, name: str, how: str, limit: float, words) -> None:
    """A target row for a step that timed several pages (``found``: each page's median and
    statuses): met when every median is under ``limit`` and every answer was 200."""
    if step is None:
        return
    if not _ok(step):
        rows.append((f"{title} ({name})", _not_run(step), False))
        return
    found = step["found"]
    rows.append(
        (
            f"{title} ({name}; {how})",
            ", ".join(words(k, v) for k, v in found.items()),
            all(v["median"] < limit and v["statuses"] == [200] for v in found.values()),
        )
    )


def gradebook_targets(gradebook: dict | None) -> list[tuple[str, str, bool | None]]:
    """Issue 13: the grade impact of the full push on real gradebooks, against the preview without it."""
    if not gradebook:
        return []
    steps = gradebook["steps"]
    plain, with_impact = steps.get("preview"), steps.get("preview_grade_impact")
    if not (_ok(plain) and _ok(with_impact)):
        problem = next((s.get("error") for s in (plain, with_impact) if s and not _ok(s)), "not run")
        return [("Grade impact of the full push ≤ 2 × its preview (gradebook size)", problem[:200], False)]
    ratio = with_impact["wall_s"] / plain["wall_s"] if plain["wall_s"] else None
    extra = [
        w["queries"] - p["queries"] for p, w in zip(plain["found"]["runs"], with_impact["found"]["runs"], strict=True)
    ]
    return [
        (
            f"Grade impact of the full push ≤ {LIMITS['grade_impact_ratio']:g} × its preview (gradebook size)",
            f"{_fmt(with_impact['wall_s'])} s ÷ {_fmt(plain['wall_s'])} s = {_fmt(ratio)}",
            None if ratio is None else ratio <= LIMITS["grade_impact_ratio"],
        ),
        (
            f"Peak memory with the grade impact ≤ {LIMITS['peak_mb']:g} MB (gradebook size)",
            f"{with_impact['peak_mb']:,.0f} MB (preview alone {plain['peak_mb']:,.0f} MB)",
            with_impact["peak_mb"] <= LIMITS["peak_mb"],
        ),
        (
            # The catalogs' commands differ in size (sections, students): the same number added to
            # each is what "does not grow" means, whatever that number is.
            "Grade impact queries do not grow with sections or students (queries added per push command, "
            "one command per catalog)",
            ", ".join(f"{n:,}" for n in extra),
            max(extra) - min(extra) <= 2 if extra else None,
        ),
    ]


def gradebook_lines(gradebook: dict | None) -> list[str]:
    """The gradebook part of the document, between its markers."""
    if not gradebook:
        return []
    steps = gradebook["steps"]
    gen = steps.get("generate", {})
    found = gen.get("found", {}) if _ok(gen) else {}
    lines = [
        GRADEBOOK_BEGIN,
        "## Gradebook: the grade impact of a full push (R82)",
        "",
        f"`manage.py generate_district {' '.join(gradebook['flags'])}`: the medium district with real gradebooks"
        + (f" ({found['sections']:,} sections)" if found.get("sections") else "")
        + ". Then for each catalog `push_all_course_masters --year 24-25 "
        "--catalog NAME --mode overwrite --to-sections --dry-run`, once without and once with `--grade-impact FILE`, "
        "each run in its own process.",
        "",
        "| step | wall s | queries | peak MB | load | notes |",
        "|---|---:|---:|---:|---:|---|",
    ]
    titles = {
        "generate": "generate and load",
        "preview": "preview of the full push (dry run)",
        "preview_grade_impact": "the same with its grade impact (CSV)",
    }
    for key, title in titles.items():
        step = steps.get(key)
        if step is None:
            continue
        if not _ok(step):
            lines.append(f"| {title} | – | – | – | – | {_not_run(step)} |")
            continue
        f = step.get("found", {})
        notes = []
        if key == "generate":
            notes.append(f"{f.get('courses', 0):,} courses, {f.get('sections', 0):,} sections")
        else:
            notes.append(f"{f.get('assignments', 0):,} assignments, {f.get('scores', 0):,} scores")
            per = "; ".join(f"{r['seconds']:.1f} s, {r['queries']} queries" for r in f.get("runs", []))
            notes.append(f"per catalog: {per}")
            if key == "preview_grade_impact":
                notes.append(f"{f.get('grades_listed', 0):,} grades listed")
        lines.append(
            f"| {title} | {_fmt(step['wall_s'])} | {step['queries']:,} | {step['peak_mb']:,.0f} | "
            f"{step['load_before']:.1f}–{step['load_after']:.1f} | {'; '.join(notes)} |"
        )
    lines += ["", GRADEBOOK_END]
    return lines


def _is_gradebook_target(line: str) -> bool:
    return line.startswith("|") and ("(gradebook size)" in line or "queries added per push command" in line)


def write_gradebook(results: dict, path: Path) -> None:
    """Rewrite only the gradebook part of an existing document (its targets row included), or
    append it: for ``--only-gradebook``, which leaves every other figure as it was."""
    text = path.read_text() if path.exists() else "# Performance\n"
    part = "\n".join(gradebook_lines(results.get("gradebook")))
    if GRADEBOOK_BEGIN in text and GRADEBOOK_END in text:
        head, rest = text.split(GRADEBOOK_BEGIN, 1)
        tail = rest.split(GRADEBOOK_END, 1)[1]
        text = head + part + tail
    else:
        marker = "## What stands in the way"
        text = text.replace(marker, part + "\n\n" + marker, 1) if marker in text else text + "\n" + part + "\n"
    rows = [f"| {t} | {m} | {_verdict(ok)} |" for t, m, ok in gradebook_targets(results.get("gradebook"))]
    lines = [line for line in text.splitlines() if not _is_gradebook_target(line)]
    # At the end of the targets table (its first line is "| target | measured | |").
    out, in_targets = [], False
    for line in lines:
        if in_targets and not line.startswith("|"):
            out += rows
            in_targets = False
        in_targets = in_targets or line.startswith("| target |")
        out.append(line)
    path.write_text("\n".join(out).rstrip() + "\n")


# ---------------------------------------------------------------------------
# The document
# ---------------------------------------------------------------------------


def _size_line(size: dict) -> str:
    gen = size["steps"].get("generate", {})
    found = gen.get("found", {})
    if not found:
        return ""
    return (
        f"{found.get('schools', 0):,} schools, {found.get('courses', 0):,} courses "
        f"({found.get('courses_linked', 0):,} linked to masters), {found.get('sections', 0):,} sections"
    )


def _step_titles(size: dict) -> list[tuple[str, str]]:
    titles = list(STEP_TITLES.items())
    at = [k for k, _ in titles].index("full_push_worker") + 1
    for key in _worker_keys(size):
        n = int(key[len(WORKERS_PREFIX) :])
        title = f"the same first push on {n} real Celery worker{'s' if n > 1 else ''} (Run Now; on a copy)"
        titles.insert(at, (key, title))
        at += 1
    return titles


def _step_rows(size: dict) -> list[str]:
    lines = [
        "| step | wall s | rows written (ins / upd / del) | queries | peak MB | chunks | raw PG s | ratio | load "
        "| notes |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    push_keys = _push_keys(size)
    for key, title in _step_titles(size):
        step = size["steps"].get(key)
        if step is None:
            continue
        if not _ok(step):
            lines.append(f"| {title} | – | – | – | – | – | – | – | – | {_not_run(step)} |")
            continue
        ins = sum(t[0] for t in step["tables"].values())
        upd = sum(t[1] for t in step["tables"].values())
        dele = sum(t[2] for t in step["tables"].values())
        found = step.get("found", {})
        # A ratio says something only about a bulk write; a few hundred rows are all fixed cost.
        bulk = key in push_keys and key != "dry_run" and step["rows_written"] >= 10_000
        ratio, seconds = _ratio(size, key) if bulk else (None, None)
        notes = []
        summary = found.get("summary")
        if summary:
            notes.append(
                f"courses {summary.get('changed', 0):,} changed / {summary.get('unchanged', 0):,} unchanged / "
                f"{summary.get('skipped', 0):,} skipped / {summary.get('failed', 0):,} failed; items "
                f"{summary.get('created', 0):,} created, {summary.get('updated', 0):,} updated, "
                f"{summary.get('removed', 0):,} removed, {summary.get('kept_residual', 0):,} kept residual"
            )
        if key == "edit_master":
            notes.append(f"master {found.get('master')} ({found.get('courses')} courses), {found.get('category')}")
        if key == "push_all_courses":
            notes.append(f"school {found.get('school')}, {found.get('calendar_sections', 0):,} sections")
        if key.startswith(WORKERS_PREFIX):
            notes.append(
                f"queries: the workers' are not counted; {found.get('startup_s')} s to start the workers, not timed"
            )
        if step.get("change_rows"):
            notes.append(f"of the rows written, {step['change_rows']:,} change-log rows")
        elif _change_rows(step):
            notes.append(f"{_change_rows(step):,} change-log rows among the batch-queue rows")
        if step.get("bookkeeping_rows"):
            notes.append(f"+{step['bookkeeping_rows']:,} batch-queue rows (jobs, chunks, result rows)")
        queries = "–" if key.startswith(WORKERS_PREFIX) else f"{step['queries']:,}"
        lines.append(
            f"| {title} | {_fmt(_wall(step))} | {ins + upd + dele:,} ({ins:,} / {upd:,} / {dele:,}) | "
            f"{queries} | {_peak(step):,.0f} | {_fmt(found.get('chunks'))} | {_fmt(seconds)} | "
            f"{_fmt(ratio)} | {step['load_before']:.1f}–{step['load_after']:.1f} | {'; '.join(notes)} |"
        )
    return lines


def _memory_rows(size: dict) -> list[str]:
    """Issue 15: each path's peak in its own process, and its file's size where it has one."""
    lines = ["| path | peak MB | wall s | file MB |", "|---|---:|---:|---:|"]
    for key, title in MEMORY_PATHS:
        step = size["steps"].get(key)
        if step is None:
            continue
        if not _ok(step):
            so_far = step.get("peak_mb_so_far")
            lines.append(f"| {title} | {_fmt(so_far, 0)} | – | {_not_run(step)} |")
            continue
        found = step.get("found", {})
        file_mb = found.get("file_mb")
        download = found.get("csv")
        if file_mb is None and isinstance(download, dict) and download.get("bytes"):
            file_mb = download["bytes"] / 1e6
        seconds = download["seconds"] if isinstance(download, dict) else _wall(step)
        status = download.get("status", 200) if isinstance(download, dict) else 200
        refused = "" if status == 200 else f" (HTTP {status}: not the download)"
        lines.append(f"| {title}{refused} | {_peak(step):,.0f} | {_fmt(seconds)} | {_fmt(file_mb, 1)} |")
    return lines


def _report_rows(size: dict) -> list[str]:
    lines = [
        "| report | scope | when | first page s: first, median of 5 | page queries | full CSV s | CSV lines "
        "| CSV queries | peak MB |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for key, step in size["steps"].items():
        if not key.startswith("report"):
            continue
        when, kind = key.split(":", 1)
        when = "before the first push" if when == "report_before" else "after the pushes"
        if not _ok(step):
            lines.append(f"| {kind} | | {when} | {_not_run(step)} | | | | | |")
            continue
        f = step["found"]
        scope = ", ".join(f"{k} {v}" for k, v in f["query"].items())
        median = f.get("page_median", f["page_again"]["seconds"])
        lines.append(
            f"| {kind} | {scope} | {when} | {f['page_first']['seconds']:.2f}, {median:.2f} | "
            f"{f['page_first']['queries']} | {f['csv']['seconds']:.2f} | {f['csv']['lines']:,} | "
            f"{f['csv']['queries']} | {step['peak_mb']:,.0f} |"
        )
    return lines


def _timed_rows(found: dict, titles: dict[str, str]) -> list[str]:
    lines = ["| request | first ms | median ms | max ms | queries |", "|---|---:|---:|---:|---:|"]
    for key, r in found.items():
        if not isinstance(r, dict) or "median" not in r:
            continue
        status = "" if r.get("statuses") == [200] else f" (HTTP {', '.join(map(str, r.get('statuses', [])))})"
        lines.append(
            f"| {titles.get(key, key)}{status} | {1000 * r['first']:.0f} | {1000 * r['median']:.0f} | "
            f"{1000 * r['max']:.0f} | {r['queries']} |"
        )
    return lines


def _pages_lines(size: dict) -> list[str]:
    """History tabs and the job's change-log page (issue 12), the API's pages (issue 17), each
    role's home page (issue 18)."""
    steps = size["steps"]
    lines = []
    pages = steps.get("pages")
    if pages is not None:
        lines += ["", "History and the change log (district admin; the test client; median of 5):", ""]
        if _ok(pages):
            f = pages["found"]
            t = f["targets"]
            titles = {
                "history:master": f"History tab of the master with the most History records (id {t['master']})",
                "history:course": f"History tab of the course the full push changed most (id {t['course']})",
                "history:section": f"History tab of its section changed most (id {t['section']})",
                "job:first page": f"the full push job's page (job {f['job']}, {f['change_rows']:,} change rows)",
                "job:removed only": "the same, change log filtered to removed items",
                "job:last page": "the same, last page of the change log",
            }
            lines += _timed_rows(f, titles)
        else:
            lines.append(f"Not run: {_not_run(pages)}")
    api = steps.get("api")
    if api is not None:
        lines += ["", "API (`/api/v1/`, a token, 100 rows a page; each list's first page, then `next`):", ""]
        if _ok(api):
            lines += ["| list | pages | rows | first ms | median ms | max ms | queries a page |"]
            lines += ["|---|---:|---:|---:|---:|---:|---:|"]
            for name, r in api["found"].items():
                lines.append(
                    f"| {name} | {r['pages']} | {r['rows']:,} | {1000 * r['first']:.0f} | {1000 * r['median']:.0f} | "
                    f"{1000 * r['max']:.0f} | {r['queries']} |"
                )
        else:
            lines.append(f"Not run: {_not_run(api)}")
    home = steps.get("home")
    if home is not None:
        lines += ["", "Home pages (with the web step's 10,000 jobs in the queue; median of 5):", ""]
        if _ok(home):
            f = home["found"]
            titles = {
                "district admin": f"district admin ({f['district admin']['user']})",
                "school admin": f"school admin with the most schools ({f['school admin']['user']}, "
                f"{f['school admin']['has']})",
                "teacher": f"teacher with the most sections ({f['teacher']['user']}, {f['teacher']['has']})",
            }
            lines += _timed_rows(f, titles)
        else:
            lines.append(f"Not run: {_not_run(home)}")
    return lines


def _session_words(samples: dict) -> str:
    """The workers' database sessions as sampled while the jobs ran, in shares of the samples."""
    total = sum(samples.values())
    if not total:
        return "no samples"
    groups: dict[str, int] = {}
    for key, n in samples.items():
        if key == "active":
            group = "running in PostgreSQL"
        elif key == "active:Client:ClientRead":
            group = "receiving COPY data from the worker"
        elif key.startswith("active:Lock:"):
            group = "waiting for a lock (" + key.split(":", 2)[2] + ")"
        elif key.startswith("active:"):
            group = "waiting on " + key.split(":", 1)[1].replace(":", " ")
        elif key == "idle in transaction":
            group = "idle in a transaction (the worker computing)"
        else:
            group = key
        groups[group] = groups.get(group, 0) + n
    parts = sorted(groups.items(), key=lambda g: -g[1])
    return ", ".join(f"{100 * n / total:.0f}% {g}" for g, n in parts if 100 * n / total >= 0.5)


def _worker_run(step: dict) -> dict:
    f = step["found"]
    cpu = [c for c in f.get("worker_cpu_s") or [] if c is not None]
    return {
        "workers": f["workers"],
        "seconds": _wall(step),
        "jobs": f.get("job_runs", []),
        "worker_cpu": sum(cpu) if cpu else None,
        "pg_cpu": step.get("postgres_cpu_s"),
        "wal_mb": (step.get("wal_bytes") or 0) / 1e6,
        "rows": step["rows_written"] + step.get("bookkeeping_rows", 0),
        "courses": f.get("courses", 0),
        "chunks": f.get("chunks", 0),
        "max_running": f.get("max_running_chunks"),
        "peak": f.get("worker_peak_mb"),
        "samples": f.get("session_samples", {}),
        "load": (step.get("load_before"), step.get("load_after")),
    }


def _worker_lines(size: dict, name: str, *, estimate: bool) -> list[str]:
    """Issue 15: the full push on real workers, and (at the biggest size) what more would take."""
    keys = [k for k in _worker_keys(size) if _ok(size["steps"][k])]
    if not keys:
        return []
    runs = [_worker_run(size["steps"][k]) for k in keys]
    base = runs[0]["seconds"]
    lines = [
        "",
        "The full push on real Celery workers (`celery -A config worker -P threads -c 1`, one per worker, "
        "`PUSH_JOB_WORKERS` = the workers), Redis as broker, each on a copy of the district as generated: one "
        "Run Now job per catalog, each waited for before the next, timed from its submit to its end. CPU seconds "
        "from `/proc` (the workers' while they pushed; PostgreSQL's whole server over the step), WAL from "
        "`pg_current_wal_lsn()`:",
        "",
        "| workers | push s | throughput vs 1 | courses/s | rows/s (with the queue's) | chunks | most running at once "
        "| workers' CPU s | PostgreSQL CPU s | cores busy | WAL MB | WAL MB/s | worker peak MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        cpu = [c for c in (r["worker_cpu"], r["pg_cpu"]) if c is not None]
        busy = sum(cpu) / r["seconds"] if len(cpu) == 2 and r["seconds"] else None
        lines.append(
            f"| {r['workers']} | {_fmt(r['seconds'])} | {base / r['seconds']:.2f}× | "
            f"{r['courses'] / r['seconds']:,.0f} | {r['rows'] / r['seconds']:,.0f} | {r['chunks']:,} | "
            f"{_fmt(r['max_running'])} | {_fmt(r['worker_cpu'], 1)} | "
            f"{_fmt(r['pg_cpu'], 1)} | {_fmt(busy)} | {r['wal_mb']:,.0f} | {r['wal_mb'] / r['seconds']:,.1f} | "
            f"{_fmt(r['peak'], 0)} |"
        )
    lines += [""]
    for r in runs:
        per_job = "; ".join(
            f"{j['catalog']} {j['seconds']:.1f} s, {j['chunks']} chunk{'s' if j['chunks'] != 1 else ''}"
            for j in r["jobs"]
        )
        workers = f"{r['workers']} worker{'s' if r['workers'] != 1 else ''}"
        lines.append(f"- {workers}: {per_job}. Sessions sampled: {_session_words(r['samples'])}.")
    if estimate:
        lines += _estimate_lines(size, name, runs)
    return lines


def estimate(runs: list[dict], *, pg_cores: int, workers: int, scale: float = 1.0) -> float | None:
    """The push's time on ``workers`` workers, each with a core of its own, against a PostgreSQL
    with ``pg_cores`` cores, from the one-worker run: each job's chunks run min(workers, chunks) at
    once, and PostgreSQL's part of the work (its share of the CPU seconds) cannot go faster than
    its cores allow. ``scale``: a district that many times bigger (its jobs' time and chunks grow
    with the courses, as the queries per chunk stay the same)."""
    one = runs[0]
    if not one["worker_cpu"] or one["pg_cpu"] is None:
        return None
    pg_share = one["pg_cpu"] / (one["worker_cpu"] + one["pg_cpu"])
    total = 0.0
    for job in one["jobs"]:
        seconds, chunks = job["seconds"] * scale, max(1, round(job["chunks"] * scale))
        total += max(seconds / min(workers, chunks), pg_share * seconds / pg_cores)
    return total


def _estimate_lines(size: dict, name: str, runs: list[dict]) -> list[str]:
    one = runs[0]
    if one["workers"] != 1 or not one["worker_cpu"] or one["pg_cpu"] is None:
        return []
    schools = size["steps"]["generate"].get("found", {}).get("schools") or 0
    scale = STATE_SCHOOLS / schools if schools else None
    pg_share = one["pg_cpu"] / (one["worker_cpu"] + one["pg_cpu"])
    _, raw_s = _ratio(size, "full_push")
    counts = (1, 2, *ESTIMATE_WORKERS)
    cores_here = 2
    lines = [
        "",
        "Estimate from these figures (issue 15). With one worker, the workers' CPU and PostgreSQL's split "
        f"{100 * (1 - pg_share):.0f}% / {100 * pg_share:.0f}%. Model: each worker on a core of its own pushes "
        "one chunk at a time; a job's chunks run min(workers, chunks) at once; PostgreSQL's share of each job "
        "cannot go faster than its cores (`bench.document.estimate`). On this machine the workers and "
        f"PostgreSQL share {cores_here} cores: no more than {cores_here} cores' work a second, whatever the "
        "workers. A state is the same district scaled to "
        f"{STATE_SCHOOLS:,} schools ({_fmt(scale, 1)}× the courses, rows, chunks and time). The model's "
        "2-worker figure here against the measured one says how far to trust the rest.",
        "",
        "| push s | " + " | ".join(f"{n} worker{'s' if n > 1 else ''}" for n in counts) + " |",
        "|---|" + "---:|" * len(counts),
    ]
    measured = {r["workers"]: r["seconds"] for r in runs}
    lines.append(
        f"| {name}: {schools:,} schools, measured here | " + " | ".join(_fmt(measured.get(n)) for n in counts) + " |"
    )
    here_floor = (one["worker_cpu"] + one["pg_cpu"]) if one["worker_cpu"] else None
    for label, factor in (("this district", 1.0), (f"a {STATE_SCHOOLS:,}-school state", scale)):
        if factor is None:
            continue
        for pg_cores in (cores_here, 16):
            cells = []
            for n in counts:
                t = estimate(runs, pg_cores=pg_cores, workers=n, scale=factor)
                if pg_cores == cores_here and t is not None and here_floor:
                    t = max(t, here_floor * factor / cores_here)  # everything on these cores
                cells.append(_fmt(t, 0 if t is not None and t >= 10 else 1))
            where = "all on 2 cores, as here" if pg_cores == cores_here else f"PostgreSQL on {pg_cores} cores"
            lines.append(f"| {label}, {where} | " + " | ".join(cells) + " |")
    lines += [
        "",
        f"PostgreSQL's share is the floor: each worker keeps PostgreSQL busy {100 * pg_share:.0f}% of its time, so "
        f"k cores of PostgreSQL are saturated from about k ÷ {pg_share:.2f} workers "
        f"({_fmt(cores_here / pg_share if pg_share else None, 1)} for {cores_here} cores, "
        f"{_fmt(16 / pg_share if pg_share else None, 1)} for 16). Writing the full push's rows alone takes it "
        f"{_fmt(raw_s, 1)} s at the single-connection speeds measured below (raw PG s), "
        f"{_fmt(raw_s * scale if raw_s and scale else None, 0)} s for the state; the push wrote "
        f"{one['wal_mb']:,.0f} MB of WAL ({one['wal_mb'] / one['seconds']:,.1f} MB/s on one worker; "
        f"{_fmt(one['wal_mb'] * scale if scale else None, 0)} MB for the state).",
    ]
    lines += ["", _saturation_words(runs, cores_here)]
    return lines


def _share(samples: dict, test) -> float:
    total = sum(samples.values())
    return sum(n for k, n in samples.items() if test(k)) / total if total else 0.0


def _saturation_words(runs: list[dict], cores: int) -> str:
    """What these runs show saturates first, in one paragraph, from their own figures."""
    last = runs[-1]
    words = []
    cpu = [c for c in (last["worker_cpu"], last["pg_cpu"]) if c is not None]
    if len(cpu) == 2 and last["seconds"]:
        busy = sum(cpu) / last["seconds"]
        full = busy >= 0.85 * cores
        words.append(
            f"With {last['workers']} workers the push kept {busy:.2f} of the {cores} cores busy"
            + (": the machine's cores were what limited it" if full else ": the cores were not all its")
            + f" (the machine's load average {_fmt(last['load'][0], 1)}–{_fmt(last['load'][1], 1)}; other "
            "work shares the cores)."
        )
    locks = _share(last["samples"], lambda k: k.startswith("active:Lock:"))
    wal = _share(last["samples"], lambda k: k.startswith("active:LWLock:WAL") or k.startswith("active:IO:WAL"))
    running = _share(last["samples"], lambda k: k == "active")
    idle = _share(last["samples"], lambda k: k == "idle in transaction")
    words.append(
        f"The workers' sessions, sampled: {100 * running:.0f}% running in PostgreSQL, {100 * idle:.0f}% idle in "
        f"their transaction while the worker computes, {100 * locks:.0f}% waiting for a lock, {100 * wal:.0f}% "
        "waiting on WAL (fsync is off here: a durable server waits longer on WAL writes)."
    )
    return " ".join(words)


def _raw_rows(size: dict) -> list[str]:
    rates = size.get("raw") or {}
    lines = [
        "| table | rows | FKs | INSERT…SELECT /s | UPDATE /s | DELETE /s | INSERT /s without FKs "
        "| UPDATE /s without FKs |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for table, r in rates.items():
        if not r.get("rows"):
            continue
        lines.append(
            f"| {table} | {r['rows']:,} | {r['foreign_keys']} | {r['insert_per_s']:,} | {r['update_per_s']:,} | "
            f"{r['delete_per_s']:,} | {r['insert_per_s_without_fk']:,} | {r['update_per_s_without_fk']:,} |"
        )
    return lines


def _web_rows(size: dict) -> list[str]:
    web = size["steps"].get("web")
    if not _ok(web):
        return [f"Web step: {(web or {}).get('error', 'not run')}"]
    f = web["found"]
    lines = ["| request | first ms | median ms | max ms | queries |", "|---|---:|---:|---:|---:|"]
    for key, title in (
        ("tool_page", "GET Push All Course Masters page"),
        ("run_now", "POST Run Now"),
        ("submit_to_batch", "POST Submit to Batch"),
        ("queue_list_district_admin", "GET Batch Queue List, 10,000 jobs, district admin"),
        ("queue_list_school_admin", "GET Batch Queue List, 10,000 jobs, school admin"),
    ):
        r = f[key]
        lines.append(
            f"| {title} | {1000 * r['first']:.0f} | {1000 * r['median']:.0f} | {1000 * r['max']:.0f} | {r['queries']} |"
        )
    return lines


def write(results: dict, path: Path, *, command: str) -> None:
    m = results.get("machine", {})
    lines = [
        "# Performance",
        "",
        f"Written by `{command}` (see `bench/`), {results.get('started', '')}; the whole run took "
        f"{_fmt(results.get('total_s'), 0)} s. Do not edit by hand: run it again "
        "(the analysis at the end comes from `bench/notes.md`).",
        "",
        "## How to reproduce",
        "",
        "```sh",
        "make bench        # small, medium, large and the gradebook size (about an hour on 2 cores)",
        "make bench-quick  # small and medium only",
        "```",
        "",
        "`./bench/run.sh --no-downloads --real-workers ''` leaves out the longest extras (the job and change-log "
        "downloads' memory, the push on real workers); `python -m bench --help` lists the rest.",
        "",
        "`bench/run.sh` starts a throwaway PostgreSQL and Redis the way `scripts/test` does "
        "(`scripts/services.sh`: fsync off, default shared_buffers), runs `python -m bench`, and removes them. "
        "Every measured step runs in its own process; pushes run through the cli.md commands "
        "(`push_all_course_masters`, `push_course_master`, `push_all_courses`, each with `--report`), "
        "which run the batch queue's chunk code in that process and record the job.",
        "",
        "What is measured, and how:",
        "",
        "- **wall s**: the step's work inside its process (Python start and Django set-up excluded).",
        "- **rows written**: deltas of `n_tup_ins + n_tup_upd + n_tup_del` in `pg_stat_user_tables` around "
        "the step (the step's process forces its statistics out before it exits), over the grading tables and "
        "the change log; the batch queue's own rows (jobs, chunks, result rows, notifications) are counted apart.",
        "- **queries**: statements on the step's connection (Django's `execute_wrapper`, plus COPY).",
        "- **load**: the machine's 1-minute load average before and after the step (2 cores, shared).",
        f"- **peak MB**: `ru_maxrss` of the step's process (Django alone is about {_baseline(results):.0f} MB).",
        "- **raw PG s**: how long PostgreSQL itself takes to write the same rows: per table, `INSERT ... SELECT`, "
        "`UPDATE` (every column) and `DELETE` rates measured on a copy of the table with the same columns, "
        "indexes, checks and foreign keys (checked immediately, as the push checks them), then the step's "
        "inserts, updates and deletes of each table divided by that table's rates. The batch queue's rows "
        "(the job, its chunks, its result rows) are written in the same transactions: they are timed in raw PG s "
        "too, though not counted in rows written. **ratio** = wall s ÷ raw PG s.",
        "- **change-log rows** (R70, `pushjobs_changerow`): written in the push's own transactions, so counted "
        "among the rows written (issue 12), and timed in raw PG s like the rest.",
        "- **real workers**: `celery -A config worker` processes started by the step against Redis; their peak "
        "is their own `VmHWM`, their CPU from `/proc`, and their queries are not counted.",
        "- **pages**: Django's test client in the step's process, the median of 5 requests (the first one "
        "included); API lists with a token, following `next`.",
        "",
        "## Targets",
        "",
        "| target | measured | |",
        "|---|---|---|",
    ]
    for title, measured, ok in targets(results):
        lines.append(f"| {title} | {measured} | {_verdict(ok)} |")
    lines += ["", "## Machine", ""]
    settings = ", ".join(f"{k}={v}" for k, v in (m.get("postgresql_settings") or {}).items())
    lines += [
        f"- {m.get('cpu', 'CPU unknown')}, {m.get('cores')} cores, {m.get('memory_gb')} GB; {m.get('platform')}",
        "- load average (1, 5, 15 min) at the start "
        f"{', '.join(f'{x:.2f}' for x in m.get('load_start', []))} and at the end "
        f"{', '.join(f'{x:.2f}' for x in m.get('load_end', []))} (the cores are shared with other work; "
        "each step's own load is in the JSON results)",
        f"- PostgreSQL {m.get('postgresql')} ({settings}); Python {m.get('python')}, Django {m.get('django')}, "
        f"psycopg {m.get('psycopg')}, Celery {m.get('celery')}",
        f"- code: commit {m.get('commit', '?')}",
        "",
    ]
    biggest = "large" if "large" in results["sizes"] else (list(results["sizes"])[-1] if results["sizes"] else None)
    for name, size in results["sizes"].items():
        lines += [f"## {name.capitalize()}: {_size_line(size)}", ""]
        lines += [f"`manage.py generate_district {' '.join(size['flags'])}`", ""]
        lines += _step_rows(size)
        lines += ["", "Reports (web page as a district admin, then the CSV download read to the end):", ""]
        lines += _report_rows(size)
        lines += _worker_lines(size, name, estimate=name == biggest)
        lines += ["", "Web (Django's test client, a real Redis broker and no worker):", ""]
        lines += _web_rows(size)
        lines += _pages_lines(size)
        memory = _memory_rows(size)
        if len(memory) > 2:
            lines += ["", "Peak memory per path, each in its own process (`ru_maxrss`, Django alone included):", ""]
            lines += memory
        if size.get("raw"):
            ratio_nofk, _ = _ratio(size, "full_push", without_fk=True)
            lines += [
                "",
                f"PostgreSQL's raw write speed on copies of the tables the full push wrote "
                f"({_fmt(size.get('raw_s'), 0)} s to measure). Against the rates without foreign keys the full "
                f"push's ratio would be {_fmt(ratio_nofk)}.",
                "",
            ]
            lines += _raw_rows(size)
        lines.append("")
    r18 = results.get("r18")
    if r18:
        lines += _r18_lines(r18)
    lines += gradebook_lines(results.get("gradebook"))
    if NOTES.exists():
        lines += ["", NOTES.read_text().strip(), ""]
    path.write_text("\n".join(lines).rstrip() + "\n")


def _baseline(results: dict) -> float:
    values = [
        s.get("baseline_mb", 0)
        for size in results["sizes"].values()
        for s in size["steps"].values()
        if isinstance(s, dict) and s.get("baseline_mb")
    ]
    return min(values) if values else 0.0


def _r18_lines(r18: dict) -> list[str]:
    check = r18.get("check", {})
    lines = [
        "## First push of a pushed district, and again (R18)",
        "",
        f"`manage.py generate_district {' '.join(r18['flags'])}` (a district as pushes leave it: ignored, desynced, "
        "course-controlled courses...), then `push_all_course_masters --year 24-25 --catalog NAME --mode overwrite "
        "--to-sections --report FILE` for each catalog, twice.",
        "",
    ]
    if not _ok(check):
        return [*lines, f"Not run: {check.get('error', '?')}", ""]
    f = check["found"]
    lines.append(f"- Course Audit before: {', '.join(f'{v} {k}' for k, v in f['audit_states'].items())}.")
    for state in ("ignored", "desynced"):
        s = f[state]
        missing = f" Missing: {', '.join(s['missing'])}." if s["missing"] else ""
        lines.append(
            f"- {state}: {s['listed']} of {s['courses']} courses listed in the result rows "
            f"(outcomes: {', '.join(s['their_outcomes']) or 'none'}).{missing}"
        )
    lines.append("- First run: " + " | ".join(f"`{line}`" for line in f["first"]["lines"]))
    lines.append("- Second run: " + " | ".join(f"`{line}`" for line in f["second"]["lines"]))
    changed = f["second"]["summary"].get("changed")
    lines.append(f"- R18 (second run changes nothing): {_verdict(changed == 0)}, {changed} courses changed.")
    lines.append(f"- Time: {check['wall_s']:.1f} s for the audit and both runs; peak {check['peak_mb']:.0f} MB.")
    lines.append("")
    return lines
