#!/usr/bin/env bash
# make bench / make bench-quick: the push at district scale against a throwaway PostgreSQL and
# Redis started like the tests' ones (scripts/services.sh), removed afterwards.
# Arguments go to `python -m bench` (e.g. --quick, --sizes small, --keep).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/python-env.sh
source scripts/services.sh

ensure_venv run
if ! pg_bindir >/dev/null 2>&1 || ! command -v redis-server >/dev/null 2>&1; then
    services_install
fi
services_start
trap services_stop EXIT

export PG_PORT
export BENCH_REDIS_URL="redis://127.0.0.1:${REDIS_PORT}/0"
unset CELERY_BROKER_URL PRODUCTION DATABASE_URL
command="make bench"
for arg in "$@"; do [ "$arg" = --quick ] && command="make bench-quick"; done
.venv/bin/python -m bench --command "$command" "$@"
