#!/usr/bin/env bash
# A local Citus cluster for tests and benchmarks: a coordinator and two workers, each an ordinary
# PostgreSQL cluster with `shared_preload_libraries = 'citus'`, listening on 127.0.0.1 only, trust
# authentication (loopback, throwaway data), fsync off.
#
#   scripts/citus-cluster.sh start DIR PORT   # coordinator on PORT, workers on PORT+1 and PORT+2
#   scripts/citus-cluster.sh stop DIR         # stops all three and removes DIR
#   scripts/citus-cluster.sh start-plain DIR PORT  # one plain PostgreSQL, the same settings, no Citus
#                                                  # (the baseline of scripts/bench-citus.sh)
#   scripts/citus-cluster.sh prepare DIR PORT      # Citus in database `postgres` of all three and
#                                                  # the workers added (for `migrate --distribute`)
#
# `start` prints the coordinator's URL. Each database that should be distributed needs
# `CREATE EXTENSION citus` on all three and the workers added on the coordinator (the tests'
# helper does it per test database when INFRACAST_TEST_CITUS_WORKERS is set). When run as root
# the clusters run as `postgres` (initdb refuses root). Citus must be installed
# (../shared/vendor/citus/build-citus.sh; scripts/test-citus.sh runs it).
set -euo pipefail

bin_dir=""
for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$dir/initdb" ] && bin_dir="$dir" && break
done
[ -n "$bin_dir" ] || { echo "citus-cluster: no PostgreSQL server binaries" >&2; exit 1; }

run() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

command="${1:-}"
dir="${2:-}"
[ -n "$dir" ] || { echo "usage: $0 start DIR PORT | stop DIR" >&2; exit 2; }

case "$command" in
start | start-plain)
    port="${3:?port}"
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    nodes="0 1 2"
    preload="shared_preload_libraries = 'citus'"
    if [ "$command" = start-plain ]; then
        nodes="0"
        preload="# plain PostgreSQL: no Citus"
    fi
    for node in $nodes; do
        data="$dir/node$node"
        node_port=$((port + node))
        if [ ! -f "$data/PG_VERSION" ]; then
            run "$bin_dir/initdb" -D "$data" -U postgres -A trust --no-sync >/dev/null
            cat >>"$data/postgresql.conf" <<CONF
$preload
listen_addresses = '127.0.0.1'
port = $node_port
unix_socket_directories = ''
fsync = off
synchronous_commit = off
full_page_writes = off
# Citus runs a maintenance daemon per database, and the tests create one database each (never
# dropped while the suite runs). Each daemon keeps connections open to every node (measured: three
# on the coordinator and two on each worker per database), so 120 test databases need about 360
# connection slots besides the tests' own pools; 300 ran out a hundred tests in.
max_connections = 1000
max_worker_processes = 400
CONF
            if [ "$command" = start ]; then
                cat >>"$data/postgresql.conf" <<CONF
# Few shards per table: the tests create a database each, and distribution time grows with them.
citus.shard_count = ${INFRACAST_CITUS_SHARD_COUNT:-4}
citus.max_client_connections = 250
CONF
            fi
        fi
        run "$bin_dir/pg_ctl" -D "$data" -l "$data/log" -w -t 60 start >/dev/null
        # The role tenant work runs as (migration ..._row_level_security.sql), able to log in:
        # Citus reaches the workers as it. Made here once, so parallel test databases do not all
        # alter the same cluster-wide role at the same moment.
        run "$bin_dir/psql" -q -h 127.0.0.1 -p "$node_port" -U postgres -d postgres -c \
            "DO \$\$ BEGIN CREATE ROLE infracast_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$" >/dev/null
    done
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
prepare)
    port="${3:?port}"
    for node in 0 1 2; do
        run "$bin_dir/psql" -q -h 127.0.0.1 -p $((port + node)) -U postgres -d postgres \
            -c "CREATE EXTENSION IF NOT EXISTS citus" >/dev/null
    done
    run "$bin_dir/psql" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres \
        -c "SELECT citus_set_coordinator_host('127.0.0.1', $port)" \
        -c "SELECT citus_add_node('127.0.0.1', $((port + 1)))" \
        -c "SELECT citus_add_node('127.0.0.1', $((port + 2)))" >/dev/null
    ;;
stop)
    for node in 0 1 2; do
        data="$dir/node$node"
        [ -f "$data/postmaster.pid" ] && run "$bin_dir/pg_ctl" -D "$data" -m fast -w stop >/dev/null || true
    done
    rm -rf "$dir"
    ;;
*)
    echo "usage: $0 start|start-plain DIR PORT | stop DIR" >&2
    exit 2
    ;;
esac
