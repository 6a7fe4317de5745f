#!/usr/bin/env bash
# The whole test suite: installs what is missing, runs every test against a private PostgreSQL
# cluster under target/test-pg (started on first use, stopped at the end) and a moto_server per
# discovery test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

stop_test_cluster() {
    if [ -d target/test-pg/pg ]; then
        cargo run --quiet -- db stop --data-dir target/test-pg >/dev/null 2>&1 || true
        rm -rf target/test-pg
    fi
}
stop_test_cluster
trap stop_test_cluster EXIT
unset DATABASE_URL

if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --no-fail-fast
else
    cargo test --no-fail-fast
fi
