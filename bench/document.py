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
STEP_TITLES = {
    "generate": "generate and load (`generate_district --unpushed`)",
    "dry_run": "dry run of the full push",
    "full_push": "full first push (overwrite, to sections, all types)",
    "full_push_worker": "the same first push as a worker runs it (Run Now; on a copy of the district)",
    "unchanged": "the same push again, nothing changed (right after the first)",
    "unchanged_analyzed": "the same again, once the tables are analyzed (as autovacuum does soon after)",
    "edit_master": "edit one master (a category weight)",
    "one_master": "push after editing one master (Push to Courses)",
    "push_all_courses": "Push All Courses, biggest calendar",
}
# Issue 15: every path's peak memory, each measured in its own process (ru_maxrss).
MEMORY_PATHS = (
    ("full_push", "the push command (`push_all_course_masters ... --report FILE`)"),
    ("full_push_worker", "the push as a worker runs it (Run Now)"),
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
)
LIMITS = {
    "ratio": 2.0,
    "unchanged_share": 0.05,
    "one_master_s": 1.0,
    "peak_mb": 300.0,
    "submit_s": 0.200,
    "queue_list_s": 0.100,
    "grade_impact_ratio": 2.0,
}
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


def _ratio(size: dict, step_name: str, *, without_fk: bool = False) -> tuple[float | None, float | None]:
    step = size["steps"].get(step_name)
    rates = size.get("raw")
    if not _ok(step) or not rates or not step.get("rows_written"):
        return None, None
    seconds = raw.raw_seconds({**step["tables"], **step.get("queue_tables", {})}, rates, without_fk=without_fk)
    if not seconds:
        return None, None
    return step["wall_s"] / seconds, seconds


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

    # Full push ratio at the large size.
    if biggest:
        ratio, _ = _ratio(sizes[biggest], "full_push")
        rows.append(
            (
                f"Full push: ratio ≤ {LIMITS['ratio']:g} at the {biggest} size",
                f"{_fmt(ratio)}",
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
    # Peak memory.
    for name, size in sizes.items():
        peaks = [(s, size["steps"][s]["peak_mb"]) for s in PUSH_STEPS if _ok(size["steps"].get(s))]
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
        peaks = [(key, size["steps"][key]["peak_mb"]) for key, _ in MEMORY_PATHS if _ok(size["steps"].get(key))]
        failed = [key for key, _ in MEMORY_PATHS if key in size["steps"] and not _ok(size["steps"][key])]
        if len(peaks) > len(PUSH_STEPS) // 2:
            worst = max(peaks, key=lambda p: p[1])
            measured = f"{worst[1]:,.0f} MB ({dict(MEMORY_PATHS)[worst[0]]})"
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
            lines.append(f"| {title} | – | – | – | – | {step['error'][:200]} |")
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


def _step_rows(size: dict) -> list[str]:
    lines = [
        "| step | wall s | rows written (ins / upd / del) | queries | peak MB | chunks | raw PG s | ratio | load "
        "| notes |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for key, title in STEP_TITLES.items():
        step = size["steps"].get(key)
        if step is None:
            continue
        if not _ok(step):
            lines.append(f"| {title} | – | – | – | – | – | – | – | – | {step['error'][:200]} |")
            continue
        ins = sum(t[0] for t in step["tables"].values())
        upd = sum(t[1] for t in step["tables"].values())
        dele = sum(t[2] for t in step["tables"].values())
        found = step.get("found", {})
        # A ratio says something only about a bulk write; a few hundred rows are all fixed cost.
        bulk = key in PUSH_STEPS and key != "dry_run" and step["rows_written"] >= 10_000
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
        if step.get("bookkeeping_rows"):
            notes.append(f"+{step['bookkeeping_rows']:,} batch-queue rows (jobs, chunks, result rows)")
        lines.append(
            f"| {title} | {_fmt(step['wall_s'])} | {ins + upd + dele:,} ({ins:,} / {upd:,} / {dele:,}) | "
            f"{step['queries']:,} | {step['peak_mb']:,.0f} | {_fmt(found.get('chunks'))} | {_fmt(seconds)} | "
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
            lines.append(f"| {title} | – | – | {step['error'][:200]} |")
            continue
        file_mb = step.get("found", {}).get("file_mb")
        lines.append(f"| {title} | {step['peak_mb']:,.0f} | {_fmt(step['wall_s'])} | {_fmt(file_mb, 1)} |")
    return lines


def _report_rows(size: dict) -> list[str]:
    lines = [
        "| report | scope | when | first page s (again) | page queries | full CSV s | CSV lines | CSV queries "
        "| peak MB |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for key, step in size["steps"].items():
        if not key.startswith("report"):
            continue
        when, kind = key.split(":", 1)
        when = "before the first push" if when == "report_before" else "after the pushes"
        if not _ok(step):
            lines.append(f"| {kind} | | {when} | {step['error'][:200]} | | | | | |")
            continue
        f = step["found"]
        scope = ", ".join(f"{k} {v}" for k, v in f["query"].items())
        lines.append(
            f"| {kind} | {scope} | {when} | {f['page_first']['seconds']:.2f} ({f['page_again']['seconds']:.2f}) | "
            f"{f['page_first']['queries']} | {f['csv']['seconds']:.2f} | {f['csv']['lines']:,} | "
            f"{f['csv']['queries']} | {step['peak_mb']:,.0f} |"
        )
    return lines


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
        "make bench        # small, medium and large (about 10 minutes on 2 cores)",
        "make bench-quick  # small and medium only",
        "```",
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
        "the step (the step's process forces its statistics out before it exits), over the grading tables; the "
        "batch queue's own rows (jobs, chunks, result rows) are counted apart.",
        "- **queries**: statements on the step's connection (Django's `execute_wrapper`, plus COPY).",
        "- **load**: the machine's 1-minute load average before and after the step (2 cores, shared).",
        f"- **peak MB**: `ru_maxrss` of the step's process (Django alone is about {_baseline(results):.0f} MB).",
        "- **raw PG s**: how long PostgreSQL itself takes to write the same rows: per table, `INSERT ... SELECT`, "
        "`UPDATE` (every column) and `DELETE` rates measured on a copy of the table with the same columns, "
        "indexes, checks and foreign keys (checked immediately, as the push checks them), then the step's "
        "inserts, updates and deletes of each table divided by that table's rates. The batch queue's rows "
        "(the job, its chunks, its result rows) are written in the same transactions: they are timed in raw PG s "
        "too, though not counted in rows written. **ratio** = wall s ÷ raw PG s.",
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
    for name, size in results["sizes"].items():
        lines += [f"## {name.capitalize()}: {_size_line(size)}", ""]
        lines += [f"`manage.py generate_district {' '.join(size['flags'])}`", ""]
        lines += _step_rows(size)
        lines += ["", "Reports (web page as a district admin, then the CSV download read to the end):", ""]
        lines += _report_rows(size)
        lines += ["", "Web (Django's test client, a real Redis broker and no worker):", ""]
        lines += _web_rows(size)
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
