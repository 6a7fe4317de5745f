#!/usr/bin/env bash
# Runs Infracast on the embedded PostgreSQL default, after installing what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec cargo run --release -- "${@:-serve}"
