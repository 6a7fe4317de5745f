#!/usr/bin/env bash
# The API tests that exercise every store module, against a local Citus cluster (a coordinator and
# two workers on 127.0.0.1, scripts/citus-cluster.sh) with every test database distributed as
# `infracast migrate --distribute` does. Installs Citus when missing (as root on Debian:
# ../shared/vendor/citus/build-citus.sh, 3-4 minutes on 2 cores, a no-op when installed).
#
# Which tests: every module that exercises a store module (nodes, edges, jobs and the claim,
# schedules, reconcile and the discovery pipeline, findings and the bulk merge, evaluations,
# compliance, reports, webhooks and deliveries, audit, tenants and their deletion, row-level
# security, lists and paging, rate limits, isolation, and `citus`: distribution checked in Citus's
# own catalog). INFRACAST_CITUS_FILTER replaces the whole filter.
set -euo pipefail
cd "$(dirname "$0")/.."

citus_build="${INFRACAST_CITUS_BUILD:-../shared/vendor/citus/build-citus.sh}"
pkglibdir="$(ls -d /usr/lib/postgresql/*/lib 2>/dev/null | sort -V | tail -1)"
if [ ! -f "$pkglibdir/citus.so" ]; then
    [ -x "$citus_build" ] || { echo "test-citus: Citus is not installed and $citus_build is missing" >&2; exit 1; }
    nice -n 10 "$citus_build"
fi

cluster_dir="${TMPDIR:-/tmp}/infracast-citus-$$"
port="${INFRACAST_CITUS_PORT:-$((20000 + $$ % 20000))}"
stop_cluster() { scripts/citus-cluster.sh stop "$cluster_dir" || true; }
trap stop_cluster EXIT
DATABASE_URL="$(scripts/citus-cluster.sh start "$cluster_dir" "$port")"
export DATABASE_URL
export INFRACAST_TEST_CITUS_WORKERS="127.0.0.1:$((port + 1)),127.0.0.1:$((port + 2))"
unset INFRACAST_TEST_PG_DIR

modules='nodes|edges|reconcile|rate_limits|isolation|citus|audit|bulk_findings|compliance|errors|evaluation|findings|jobs|job_limits|limits|lists|paging|pipeline|reports|rls|tenant_boundary|tenants|webhooks'
filter="${INFRACAST_CITUS_FILTER:-test(/^($modules)::/)}"
if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --no-fail-fast --test api -E "$filter" "$@"
else
    echo "test-citus: needs cargo-nextest (cargo install cargo-nextest)" >&2
    exit 1
fi
