#!/usr/bin/env bash
# Runs Infracast on the embedded PostgreSQL default, after installing what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
case "${1:-serve}" in serve|demo) echo "run: the console is at http://${INFRACAST_BIND:-127.0.0.1:8080}/ once the server listens (sign in with an API key; demo prints one)" >&2 ;; esac
exec cargo run --release -- "${@:-serve}"
