#!/usr/bin/env bash
# Installs what Infracast needs when it is missing. Always: the PostgreSQL server binaries
# (Debian: apt-get install postgresql), all the run command needs. With `--tests` (scripts/test.sh):
# poppler-utils (the PDF report tests extract text with pdftotext), moto_server (PyPI:
# moto[server]), and for the SDK suites Go (Debian: golang-go) and Node.js with npm. The SDK suites
# install their own Python and npm packages (scripts/test-sdks.sh). Safe to run again: it only
# installs what is not there.
set -euo pipefail

have_postgres_server() {
    for dir in /usr/lib/postgresql/*/bin; do
        [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ] && return 0
    done
    command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/postgres" ] && return 0
    return 1
}

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
        echo "setup: need root to run: $*" >&2; return 1; fi
}

if ! have_postgres_server; then
    echo "setup: installing PostgreSQL server binaries (apt-get install postgresql)" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi

# What only the tests need (`scripts/setup.sh --tests`, called by scripts/test.sh): the run command
# needs nothing more than PostgreSQL.
if [ "${1:-}" != "--tests" ]; then
    exit 0
fi

if ! command -v pdftotext >/dev/null 2>&1; then
    echo "setup: installing poppler-utils (apt-get install poppler-utils)" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null
fi

if ! command -v moto_server >/dev/null 2>&1 && ! python3 -c 'import moto.server' >/dev/null 2>&1; then
    echo "setup: installing moto[server] (pip)" >&2
    python3 -m pip install --quiet 'moto[server]>=5,<6'
fi

# The Go SDK builds with Debian's Go (1.19); the TypeScript SDK needs node (18+) and npm.
if ! command -v go >/dev/null 2>&1; then
    echo "setup: installing Go (apt-get install golang-go)" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go >/dev/null
fi

if ! command -v npm >/dev/null 2>&1; then
    echo "setup: installing Node.js and npm (apt-get install nodejs npm)" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
command -v chromium >/dev/null 2>&1 || { echo "setup: installing chromium (apt-get; the console's browser tests)" >&2; as_root apt-get update -qq; as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
