#!/usr/bin/env bash
# The whole test suite: installs what is missing, runs every test against a private PostgreSQL
# cluster under /tmp (started on first use, stopped at the end) and a moto_server per
# discovery test, then fuzzes the HTTP API with schemathesis (scripts/fuzz-api.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --tests
source scripts/binary.sh

# A private cluster for this run, under /tmp so the `postgres` account can reach it when run as root.
export INFRACAST_TEST_PG_DIR="${TMPDIR:-/tmp}/infracast-test-pg-$$"
stop_test_cluster() {
    if [ -d "$INFRACAST_TEST_PG_DIR/pg" ]; then
        "$(infracast_binary debug)" db stop --data-dir "$INFRACAST_TEST_PG_DIR" >/dev/null 2>&1 || true
    fi
    rm -rf "$INFRACAST_TEST_PG_DIR"
}
stop_test_cluster
trap stop_test_cluster EXIT
unset DATABASE_URL

if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --no-fail-fast
else
    cargo test --no-fail-fast
fi
# Done with it: its hundreds of test databases would keep autovacuum cycling through them while
# the Citus suite runs on the same two cores (the later suites start their own servers).
stop_test_cluster

scripts/test-citus.sh  # the store on a local Citus cluster: coordinator + 2 workers (builds Citus when missing)
scripts/test-readme.sh # every request example of README.md against a live server
scripts/test-sdks.sh # the Python, TypeScript and Go SDK suites against a live demo server
scripts/test-console.sh  # the web console in headless Chromium (installs chromium and npm packages when missing)

# Then fuzz the API against its own OpenAPI document with schemathesis, using the debug binary the
# test run has just built (a private embedded cluster of its own, stopped at the end).
scripts/fuzz-api.sh
