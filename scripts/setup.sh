#!/usr/bin/env bash
# Installs what Infracast needs to run and test, when it is missing:
# PostgreSQL server binaries and poppler-utils (Debian: apt-get; the PDF report tests extract text with
# pdftotext) and moto_server (PyPI: moto[server]).
# Safe to run again: it only installs what is not there.
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

if ! command -v pdftotext >/dev/null 2>&1; then
    echo "setup: installing poppler-utils (apt-get install poppler-utils)" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null
fi

if ! command -v moto_server >/dev/null 2>&1 && ! python3 -c 'import moto.server' >/dev/null 2>&1; then
    echo "setup: installing moto[server] (pip)" >&2
    python3 -m pip install --quiet 'moto[server]>=5,<6'
fi
command -v chromium >/dev/null 2>&1 || { echo "setup: installing chromium (apt-get; the console's browser tests)" >&2; as_root apt-get update -qq; as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
