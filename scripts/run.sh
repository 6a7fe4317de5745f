#!/usr/bin/env bash
# Runs Infracast (the release binary) on the embedded PostgreSQL default, after installing what
# is missing. Every argument goes to the binary: `scripts/run.sh demo`, `scripts/run.sh serve`,
# `scripts/run.sh key create --platform`. One build serves them all; the first one takes about
# 10 minutes on a 2-core machine and shows cargo's progress on stderr (stdout stays the command's
# own output, so `KEY=$(scripts/run.sh key create --platform)` works).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
case "${1:-serve}" in serve|demo) echo "run: the console is at http://${INFRACAST_BIND:-127.0.0.1:8080}/ once the server listens (sign in with an API key; demo prints one)" >&2 ;; esac
source scripts/binary.sh
binary=$(infracast_binary release)
exec "$binary" "${@:-serve}"
