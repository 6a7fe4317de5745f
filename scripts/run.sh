#!/usr/bin/env bash
# Runs Infracast (the release binary) on the embedded PostgreSQL default, after installing what
# is missing. Every argument goes to the binary: `scripts/run.sh demo`, `scripts/run.sh serve`,
# `scripts/run.sh key create --platform`. One build serves them all; the first one takes about
# 10 minutes on a 2-core machine and shows cargo's progress on stderr (stdout stays the command's
# own output, so `KEY=$(scripts/run.sh key create --platform)` works).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/binary.sh
binary=$(infracast_binary release)
exec "$binary" "${@:-serve}"
