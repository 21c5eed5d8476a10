# Sourced by scripts/test and the benchmark: installs and runs a throwaway
# PostgreSQL and Redis on free loopback ports, in a temporary directory.

services_install() {
    local missing=()
    pg_bindir >/dev/null 2>&1 || missing+=(postgresql)
    command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    command -v npm >/dev/null 2>&1 || missing+=(npm)
    # curl and jq: the test that runs docs/api.md's workflow script as written.
    command -v curl >/dev/null 2>&1 || missing+=(curl)
    command -v jq >/dev/null 2>&1 || missing+=(jq)
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "Installing ${missing[*]} with apt-get" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "Missing system packages: ${missing[*]}. Install them (e.g. sudo apt-get install ${missing[*]}) and run again." >&2
        exit 1
    fi
}

pg_bindir() {
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$d" ] && [ -x "$d/initdb" ] && echo "$d"
}

free_port() {
    .venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

as_pg() {
    # PostgreSQL refuses to run as root.
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

services_start() {
    SERVICES_DIR=$(mktemp -d /tmp/grading-services.XXXXXX)
    chmod 755 "$SERVICES_DIR"
    mkdir -p "$SERVICES_DIR/pg"
    [ "$(id -u)" -eq 0 ] && chown postgres "$SERVICES_DIR/pg"
    local bin
    bin=$(pg_bindir)
    PG_PORT=$(free_port)
    REDIS_PORT=$(free_port)
    as_pg "$bin/initdb" -D "$SERVICES_DIR/pg/data" -U postgres -A trust --no-sync >/dev/null
    as_pg "$bin/pg_ctl" -D "$SERVICES_DIR/pg/data" -l "$SERVICES_DIR/pg/log" -w -s start \
        -o "-p $PG_PORT -k $SERVICES_DIR/pg -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 ${PG_EXTRA_OPTIONS:-}"
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
        --dir "$SERVICES_DIR" --pidfile "$SERVICES_DIR/redis.pid" --logfile "$SERVICES_DIR/redis.log"
    export PG_PORT REDIS_PORT SERVICES_DIR
    echo "PostgreSQL on 127.0.0.1:$PG_PORT, Redis on 127.0.0.1:$REDIS_PORT ($SERVICES_DIR)" >&2
}

services_stop() {
    [ -n "${SERVICES_DIR:-}" ] || return 0
    as_pg "$(pg_bindir)/pg_ctl" -D "$SERVICES_DIR/pg/data" -m immediate -s stop >/dev/null 2>&1 || true
    [ -f "$SERVICES_DIR/redis.pid" ] && kill "$(cat "$SERVICES_DIR/redis.pid")" 2>/dev/null || true
    rm -rf "$SERVICES_DIR"
}

test_tools_install() {
    # axe-core (npm) for the accessibility test: a test tool, kept in .test-tools/, never shipped.
    [ -f .test-tools/axe.min.js ] && return 0
    local tmp
    tmp=$(mktemp -d)
    echo "Installing axe-core for the accessibility test" >&2
    npm install --no-save --no-audit --no-fund --silent --prefix "$tmp" axe-core@4.14.1 >/dev/null
    mkdir -p .test-tools
    cp "$tmp/node_modules/axe-core/axe.min.js" .test-tools/axe.min.js
    rm -rf "$tmp"
}
