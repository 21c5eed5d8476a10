#!/usr/bin/env python3
"""Save PNGs of the main pages under docs/screenshots/ (desktop and phone width).

Runs the browser test tests/web/test_screenshots.py against the small district
fixture, with the same PostgreSQL the tests use (DATABASE_URL) and Debian's
Chromium (CHROMIUM_PATH, default /usr/bin/chromium):

    DATABASE_URL=postgres://postgres@127.0.0.1:55432/screens .venv/bin/python scripts/screenshots.py
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    out = ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SCREENSHOTS_DIR": str(out)}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/web/test_screenshots.py"]
    status = subprocess.call(command, cwd=ROOT, env=env)
    if status == 0:
        print(f"Screenshots saved in {out.relative_to(ROOT)}/", file=sys.stderr)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
