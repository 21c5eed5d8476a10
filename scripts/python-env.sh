# Sourced by scripts/run and scripts/test: finds Python 3.12+ and keeps .venv
# installed to match pyproject.toml.

find_python() {
    local candidates=(python3.13 python3.12 python3)
    local c
    for c in "$HOME"/.pyenv/versions/3.1[2-9]*/bin/python3 /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9]; do
        [ -x "$c" ] && candidates+=("$c")
    done
    for c in "${candidates[@]}"; do
        if "$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then
            command -v "$c" 2>/dev/null || echo "$c"
            return 0
        fi
    done
    echo "Python 3.12 or newer is needed and none was found (tried python3.13, python3.12, python3, ~/.pyenv)." >&2
    return 1
}

ensure_venv() {
    # $1: "dev" to install the test tools too.
    if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
        local py
        py=$(find_python) || exit 1
        echo "Creating .venv with $py" >&2
        rm -rf .venv
        "$py" -m venv .venv
    fi
    local want stamp=.venv/.installed
    want="$(sha256sum pyproject.toml | cut -d' ' -f1)-${1:-run}"
    local have
    have="$(cat "$stamp" 2>/dev/null || true)"
    # An install with the test tools also serves the application.
    if [ "$have" != "$want" ] && [ "$have" != "${want%-run}-dev" ]; then
        echo "Installing dependencies into .venv" >&2
        .venv/bin/python -m pip install --quiet --upgrade 'pip>=25.1'
        if [ "${1:-}" = dev ]; then
            .venv/bin/python -m pip install --quiet -e . --group dev
        else
            .venv/bin/python -m pip install --quiet -e .
        fi
        echo "$want" > "$stamp"
    fi
}
