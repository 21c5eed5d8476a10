"""``python -m bench [--quick] [--sizes small,medium] [--out docs/performance.md]``.

Needs a PostgreSQL it may create databases in and a Redis (``bench/run.sh`` starts throwaway
ones, like ``scripts/test``): ``--pg-port``/``PG_PORT`` and ``--redis-url``. Every measured step
runs in its own process (``bench.steps``), within its own time budget; rows written come from
pg_stat_user_tables deltas around the step.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from . import document, procs, raw
from .steps import RESULT_PREFIX

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

# The batch queue's own rows (jobs, chunks, result rows) record the work: counted apart from the
# grading data a push writes, but timed against PostgreSQL like it (they are written in the same
# transactions). Sessions and the like are not the push's at all.
QUEUE_PREFIX = "pushjobs_"
FRAMEWORK_PREFIXES = ("django_", "auth_")
# The change log (R70) is written in the push's own transactions and is part of what a push must
# write (issue 12): its rows count among the rows written, not among the queue's bookkeeping.
CHANGE_LOG_TABLES = ("pushjobs_changerow",)


@dataclass
class Size:
    name: str
    flags: list[str]
    # Seconds each step may take before it is stopped and reported as over budget.
    budgets: dict[str, int] = field(default_factory=dict)


def _flags(schools: int, masters: int, sections: int, students: int = 3, assignments: int = 2) -> list[str]:
    return [
        "--schools",
        str(schools),
        "--masters",
        str(masters),
        "--sections-per-course",
        str(sections),
        "--students-per-section",
        str(students),
        "--assignments-per-section",
        str(assignments),
        "--unpushed",
        "--seed",
        "1",
    ]


SIZES = {
    "small": Size("small", _flags(10, 40, 3), {"*": 120}),
    "medium": Size("medium", _flags(50, 100, 6), {"*": 300}),
    "large": Size(
        "large",
        _flags(200, 150, 12),
        {
            "generate": 480,
            "dry_run": 420,
            "full_push": 600,
            "full_push_worker": 600,
            "full_push_workers": 900,
            "unchanged": 300,
            "report": 240,
            "preview": 900,
            "export": 480,
            "import": 600,
            "download": 600,
            "pages": 600,
            "api": 300,
            "home": 300,
            "*": 180,
        },
    ),
}
# Real gradebooks (issue 13): the medium district's sections with 25 students and 20 scored
# assignments each, for the grade impact of the full push against its preview without it (R82).
GRADEBOOK = Size(
    "gradebook",
    _flags(50, 100, 6, students=25, assignments=20),
    {"generate": 2700, "*": 1800},
)
REPORT_KINDS = ("master-awaiting-push", "course-audit", "course-awaiting-push", "residual")
# Downloads of a job and of a History, each as CSV and XLSX (bench.steps.step_download).
DOWNLOADS = ("job_report", "job_changes", "preview_changes", "history")


class Bench:
    def __init__(self, args):
        self.args = args
        self.pg_port = args.pg_port
        self.results: dict = {"started": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "sizes": {}}
        self.out_dir = ROOT / "bench-out"
        self.out_dir.mkdir(exist_ok=True)
        self.postmaster = self.postmaster_pid()

    def postmaster_pid(self) -> int | None:
        """The PostgreSQL server's pid, for its CPU seconds (the parent of its checkpointer)."""
        try:
            with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
                row = conn.execute("SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'").fetchone()
        except psycopg.Error:
            return None
        return procs.parent_of(row[0]) if row else None

    def wal_lsn(self) -> str:
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            return conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0]

    def wal_bytes(self, since: str) -> int:
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            return int(conn.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s::pg_lsn)", [since]).fetchone()[0])

    def worker_redis_url(self) -> str:
        """A Redis database of the real workers' own (the web step leaves its messages in the
        broker's database, with no worker to take them)."""
        base, _, index = self.args.redis_url.rpartition("/")
        return f"{base}/3" if index.isdigit() else self.args.redis_url.rstrip("/") + "/3"

    # -- databases --------------------------------------------------------------

    def dsn(self, db: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.pg_port}/{db}"

    def url(self, db: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.pg_port}/{db}"

    def admin(self, statement: str) -> None:
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute(statement)

    def recreate(self, db: str) -> None:
        self.drop(db)
        self.admin(f'CREATE DATABASE "{db}"')
        env = self.env(db)
        subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)

    def drop(self, db: str) -> None:
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [db])
            conn.execute(f'DROP DATABASE IF EXISTS "{db}"')

    def table_stats(self, db: str) -> dict[str, tuple[int, int, int]]:
        with psycopg.connect(self.dsn(db), autocommit=True) as conn:
            conn.execute("SELECT pg_stat_clear_snapshot()")
            rows = conn.execute("SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables").fetchall()
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    def env(self, db: str, **extra) -> dict:
        env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "PRODUCTION")}
        env.update(
            DATABASE_URL=self.url(db),
            DEBUG="0",
            ALLOWED_HOSTS="testserver,localhost",
            PYTHONUNBUFFERED="1",
            LOG_LEVEL="ERROR",
            **extra,
        )
        return env

    # -- steps --------------------------------------------------------------------

    def step(self, size: Size, db: str, label: str, name: str, args: dict | None = None, **env_extra) -> dict:
        budget = size.budgets.get(label, size.budgets.get(name, size.budgets["*"]))
        before = self.table_stats(db)
        wal_before = self.wal_lsn()
        pg_cpu_before = procs.postgres_cpu_seconds(self.postmaster)
        started = time.perf_counter()
        print(f"[{size.name}] {label} (budget {budget} s) ...", file=sys.stderr, flush=True)
        # Its own process group: a step that starts processes (the real workers) is stopped with them.
        proc = subprocess.Popen(
            [PYTHON, "-m", "bench.steps", name, json.dumps(args or {})],
            cwd=ROOT,
            env=self.env(db, **env_extra),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            stdout, stderr = proc.communicate(timeout=budget)
        except subprocess.TimeoutExpired:
            peak = procs.peak_mb(proc.pid)
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            self.drop_backends(db)
            result = {"step": name, "error": f"over its time budget of {budget} s: stopped", "peak_mb_so_far": peak}
            print(f"[{size.name}] {label}: {result['error']} (peak {peak} MB so far)", file=sys.stderr, flush=True)
            return result
        except BaseException:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
        process_s = time.perf_counter() - started
        lines = [line for line in stdout.splitlines() if line.startswith(RESULT_PREFIX)]
        if proc.returncode != 0 or not lines:
            result = {"step": name, "error": f"exit {proc.returncode}: {stderr.strip()[-1500:]}"}
            print(f"[{size.name}] {label}: {result['error']}", file=sys.stderr, flush=True)
            return result
        result = json.loads(lines[-1][len(RESULT_PREFIX) :])
        result["process_s"] = round(process_s, 3)
        pg_cpu_after = procs.postgres_cpu_seconds(self.postmaster)
        if pg_cpu_before is not None and pg_cpu_after is not None:
            # The whole step's process, Python start included; the server is the bench's own.
            result["postgres_cpu_s"] = round(pg_cpu_after - pg_cpu_before, 2)
        result["wal_bytes"] = self.wal_bytes(wal_before)
        after = self.table_stats(db)
        written, queue = {}, {}
        for table, counts in after.items():
            delta = [a - b for a, b in zip(counts, before.get(table, (0, 0, 0)), strict=True)]
            if not any(delta) or table.startswith(FRAMEWORK_PREFIXES):
                continue
            bookkeeping = table.startswith(QUEUE_PREFIX) and table not in CHANGE_LOG_TABLES
            (queue if bookkeeping else written)[table] = delta
        result["tables"] = written
        result["queue_tables"] = queue
        result["rows_written"] = sum(sum(d) for d in written.values())
        result["change_rows"] = sum(sum(written.get(t, ())) for t in CHANGE_LOG_TABLES)
        result["bookkeeping_rows"] = sum(sum(d) for d in queue.values())
        print(
            f"[{size.name}] {label}: {result['wall_s']} s, {result['rows_written']} rows written, "
            f"{result['queries']} queries, peak {result['peak_mb']} MB",
            file=sys.stderr,
            flush=True,
        )
        return result

    def analyze(self, db: str) -> None:
        with psycopg.connect(self.dsn(db), autocommit=True) as conn:
            conn.execute("ANALYZE")

    def drop_backends(self, db: str) -> None:
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [db])

    # -- a size -------------------------------------------------------------------

    def run_size(self, size: Size) -> dict:
        db = f"bench_{size.name}"
        out: dict = {"flags": size.flags, "steps": {}}
        self.results["sizes"][size.name] = out
        steps = out["steps"]
        self.recreate(db)
        print(f"[{size.name}] manage.py generate_district {' '.join(size.flags)}", file=sys.stderr, flush=True)
        steps["generate"] = self.step(size, db, "generate", "generate", {"flags": size.flags})
        if "error" in steps["generate"]:
            return out
        for kind in REPORT_KINDS[:2]:
            steps[f"report_before:{kind}"] = self.step(size, db, "report", "report", {"kind": kind})
        if self.args.worker:
            # The same first push as a worker runs it (Run Now), on a copy of the district as generated.
            steps["full_push_worker"] = self.on_copy(size, db, "full_push_worker", "full_push_worker")
        for n in self.args.real_workers:
            # Issue 15: the same again on n real Celery workers against Redis, each on its own copy.
            steps[f"full_push_workers:{n}"] = self.on_copy(
                size,
                db,
                "full_push_workers",
                "full_push_workers",
                {"workers": n},
                CELERY_BROKER_URL=self.worker_redis_url(),
            )
        steps["dry_run"] = self.step(size, db, "dry_run", "full_push", {"dry_run": True})
        # The preview job of the same push, on the same district (issue 12: ≤ the dry run + 10%).
        steps["preview"] = self.step(size, db, "preview", "preview")
        steps["full_push"] = self.step(size, db, "full_push", "full_push")
        steps["unchanged"] = self.step(size, db, "unchanged", "full_push")
        # The same a while later: once autovacuum has analyzed what the first push wrote (right
        # after it, the planner's statistics still say the item tables are nearly empty).
        self.analyze(db)
        steps["unchanged_analyzed"] = self.step(size, db, "unchanged", "full_push")
        full = steps["full_push"]
        if "tables" in full:
            started = time.perf_counter()
            print(f"[{size.name}] raw PostgreSQL write speed ...", file=sys.stderr, flush=True)
            out["raw"] = raw.measure(self.dsn(db), {**full["tables"], **full["queue_tables"]}, cap=self.args.raw_cap)
            out["raw_s"] = round(time.perf_counter() - started, 1)
        steps["edit_master"] = self.step(size, db, "edit_master", "edit_master")
        edit = steps["edit_master"].get("found")
        if edit:
            steps["one_master"] = self.step(
                size, db, "one_master", "one_master", {"catalog": edit["catalog"], "master": edit["master"]}
            )
        steps["push_all_courses"] = self.step(size, db, "push_all_courses", "push_all_courses")
        for kind in REPORT_KINDS:
            steps[f"report:{kind}"] = self.step(size, db, "report", "report", {"kind": kind})
        steps["web"] = self.step(size, db, "web", "web", {"jobs": 10000}, CELERY_BROKER_URL=self.args.redis_url)
        # With the web step's 10,000 jobs in the queue, as a busy district's fortnight.
        steps["pages"] = self.step(size, db, "pages", "pages")
        steps["api"] = self.step(size, db, "api", "api")
        steps["home"] = self.step(size, db, "home", "home")
        self.memory_steps(size, db, steps)
        if not self.args.keep:
            self.drop(db)
        return out

    def on_copy(self, size: Size, db: str, label: str, name: str, args: dict | None = None, **env_extra) -> dict:
        """A step on a copy of the district as it is now (as generated), dropped afterwards."""
        copy = f"{db}_copy"
        self.drop(copy)
        self.admin(f'CREATE DATABASE "{copy}" TEMPLATE "{db}"')
        try:
            return self.step(size, copy, label, name, args, **env_extra)
        finally:
            self.drop(copy)

    def memory_steps(self, size: Size, db: str, steps: dict) -> None:
        """Peak memory of every path on its own (issue 15): each report's full CSV and XLSX
        download, the full push job's result report and change log, the preview's changes, a
        History, export_district, generate_district --out and import_district of that file (last:
        it replaces the pushed district with the generated one)."""
        for kind in REPORT_KINDS:
            steps[f"csv:{kind}"] = self.step(size, db, "report", "report_csv", {"kind": kind})
        for kind in REPORT_KINDS:
            steps[f"xlsx:{kind}"] = self.step(size, db, "download", "report_csv", {"kind": kind, "fmt": "xlsx"})
        for what in DOWNLOADS if self.args.downloads else ():
            for fmt in ("csv", "xlsx"):
                steps[f"download:{what}.{fmt}"] = self.step(
                    size, db, "download", "download", {"what": what, "fmt": fmt}
                )
        exported = self.out_dir / f"{size.name}-export.json"
        steps["export"] = self.step(size, db, "export", "export", {"out": str(exported)})
        exported.unlink(missing_ok=True)
        generated = self.out_dir / f"{size.name}-district.json"
        steps["generate_file"] = self.step(
            size, db, "generate", "generate_file", {"flags": size.flags, "out": str(generated)}
        )
        if generated.exists():
            steps["import"] = self.step(size, db, "import", "import", {"file": str(generated)})
            generated.unlink()

    def run_r18(self) -> None:
        size = Size("r18", ["--schools", "40", "--seed", "1"], {"*": 300})
        db = "bench_r18"
        self.recreate(db)
        gen = self.step(size, db, "generate", "generate", {"flags": size.flags})
        check = self.step(size, db, "r18", "r18") if "error" not in gen else gen
        self.results["r18"] = {"flags": size.flags, "generate": gen, "check": check}
        if not self.args.keep:
            self.drop(db)

    def run_gradebook(self) -> None:
        """The full push's preview with and without its grade impact on real gradebooks: each in its
        own process (time, queries, peak memory), the preview first."""
        size = GRADEBOOK
        db = "bench_gradebook"
        self.recreate(db)
        print(f"[{size.name}] manage.py generate_district {' '.join(size.flags)}", file=sys.stderr, flush=True)
        out: dict = {"flags": size.flags, "steps": {}}
        self.results["gradebook"] = out
        out["steps"]["generate"] = self.step(size, db, "generate", "generate", {"flags": size.flags})
        if "error" not in out["steps"]["generate"]:
            for label, impact in (("preview", False), ("preview_grade_impact", True)):
                out["steps"][label] = self.step(size, db, label, "gradebook", {"grade_impact": impact})
        if not self.args.keep:
            self.drop(db)

    def save(self) -> Path:
        path = self.out_dir / "last-run.json"
        path.write_text(json.dumps(self.results, indent=1, default=str))
        return path


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="only the small and medium sizes")
    parser.add_argument("--sizes", help="comma-separated sizes to run (default: small,medium,large)")
    parser.add_argument("--pg-port", default=os.environ.get("PG_PORT"), help="the PostgreSQL to use (127.0.0.1)")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL"), help="a broker for the web step")
    parser.add_argument("--out", default=str(ROOT / "docs" / "performance.md"), help="where to write the report")
    parser.add_argument("--raw-cap", type=int, default=200_000, help="rows per table for the raw-speed measure")
    parser.add_argument("--no-r18", action="store_true", help="skip the R18 check on a pushed 40-school district")
    parser.add_argument(
        "--no-gradebook", action="store_true", help="skip the grade impact on the medium district with real gradebooks"
    )
    parser.add_argument("--only-gradebook", action="store_true", help="run only the gradebook part")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument(
        "--no-worker", dest="worker", action="store_false", help="skip the full push as a worker runs it (Run Now)"
    )
    parser.add_argument(
        "--real-workers",
        default="1,2",
        type=lambda text: [int(n) for n in text.split(",") if n.strip()],
        help="the full push on this many real Celery workers, one run per number (default 1,2; '' for none)",
    )
    parser.add_argument(
        "--no-downloads",
        dest="downloads",
        action="store_false",
        help="skip the memory of the job, change-log and History downloads (the largest take minutes)",
    )
    parser.add_argument("--command", default="make bench", help="the command to name in the report")
    parser.add_argument("--render", metavar="JSON", help="only write the report again from a run's saved results")
    args = parser.parse_args(argv)
    if args.render:
        results = json.loads(Path(args.render).read_text())
        document.write(results, Path(args.out), command=results.get("command", args.command))
        return 0
    if not args.pg_port or not args.redis_url:
        parser.error("needs --pg-port (or PG_PORT) and --redis-url (or BENCH_REDIS_URL): bench/run.sh sets them")
    names = args.sizes.split(",") if args.sizes else (["small", "medium"] if args.quick else list(SIZES))
    bench = Bench(args)
    bench.results["command"] = args.command
    bench.results["machine"] = document.machine(bench.dsn("postgres"))
    started = time.perf_counter()
    if args.only_gradebook:
        names = []
    for name in names:
        bench.run_size(SIZES[name])
        bench.save()
    if not args.no_gradebook:
        bench.run_gradebook()
        bench.save()
    if not args.no_r18 and not args.only_gradebook:
        bench.run_r18()
    bench.results["total_s"] = round(time.perf_counter() - started, 1)
    bench.results["machine"]["load_end"] = list(os.getloadavg())
    path = bench.save()
    if args.only_gradebook:
        document.write_gradebook(bench.results, Path(args.out))
    else:
        document.write(bench.results, Path(args.out), command=args.command)
    print(f"results: {path}\nreport: {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
