#!/usr/bin/env bash
# Citus against plain PostgreSQL on the same machine, for one big tenant: generates `INSTANCES`
# instances (`infracast generate`), then for each database in turn
#   * plain: one PostgreSQL cluster (scripts/citus-cluster.sh start-plain);
#   * citus: a coordinator and two workers (scripts/citus-cluster.sh start), the schema distributed
#     by `infracast migrate --distribute`;
# both with the same settings (loopback, fsync off), it creates tenant `big`, discovers the estate
# into it with the CLI (`discover --provider fixture`: the graph commit, then the evaluation that
# writes its findings and compliance result), prints the wall time of each, serves the API on a
# loopback port with no workers and times `REQUESTS` sequential requests (curl's total time, one
# at a time) of the first node page (`/nodes?per_page=50`) and of a filtered list
# (`/nodes?types=aws.ec2.instance&region=…&per_page=50`), printing p50 and p99 in ms. On Citus it
# also prints where the tenant's nodes live (`citus_shards`). When the discovery cannot run on
# Citus, the script says so with the database's error and loads the nodes and edges the plain run
# committed with COPY instead (so the lists are still measured; run `plain` first). Everything is
# stopped and removed on exit. Usage: scripts/bench-citus.sh [BINARY] (default: the release binary, built under
# CARGO_TARGET_DIR when missing); INSTANCES (default 100000), REQUESTS (default 200), MODES
# (default "plain citus"), INFRACAST_BENCH_PORT (default 26000: the clusters use it and the two
# ports after it).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/binary.sh
binary=${1:-$(infracast_binary release)}
instances=${INSTANCES:-100000}
requests=${REQUESTS:-200}
modes=${MODES:-plain citus}
port=${INFRACAST_BENCH_PORT:-26000}
work=$(mktemp -d "${TMPDIR:-/tmp}/infracast-bench-citus-XXXXXX")
chmod 755 "$work"
server_pid=""
cluster=""
stop_server() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    server_pid=""
}
stop_cluster() {
    if [ -n "$cluster" ]; then scripts/citus-cluster.sh stop "$cluster" || true; fi
    cluster=""
}
cleanup() {
    stop_server
    stop_cluster
    rm -rf "$work"
}
trap cleanup EXIT

seconds_since() { python3 -c "import sys; print(round($(date +%s.%N) - float(sys.argv[1]), 1))" "$1"; }

"$binary" generate --instances "$instances" --seed 1 --output "$work/estate.json"
region=$(python3 -c '
import json, sys
from collections import Counter
estate = json.load(open(sys.argv[1]))
nodes = estate.get("nodes", estate) if isinstance(estate, dict) else estate
regions = Counter(node.get("region") for node in nodes if isinstance(node, dict) and node.get("region"))
print(regions.most_common(1)[0][0] if regions else "us-east-1")' "$work/estate.json")

for mode in $modes; do
    cluster="$work/cluster-$mode"
    case "$mode" in
    plain) DATABASE_URL=$(scripts/citus-cluster.sh start-plain "$cluster" "$port") ;;
    citus)
        DATABASE_URL=$(scripts/citus-cluster.sh start "$cluster" "$port")
        scripts/citus-cluster.sh prepare "$cluster" "$port"
        ;;
    *) echo "bench-citus: unknown mode $mode (plain or citus)" >&2; exit 2 ;;
    esac
    export DATABASE_URL
    if [ "$mode" = citus ]; then
        "$binary" migrate --distribute >/dev/null
    else
        "$binary" migrate >/dev/null
    fi
    "$binary" tenant create big --plan enterprise >/dev/null
    key=$("$binary" key create --tenant big)

    psql_bin=$(ls -d /usr/lib/postgresql/*/bin/psql | sort -V | tail -1)
    started=$(date +%s.%N)
    if "$binary" discover --tenant big --provider fixture --file "$work/estate.json" >"$work/discover-$mode.log" 2>&1; then
        echo "$mode: discovery + evaluation of $instances instances: $(seconds_since "$started") s"
        grep -iE "nodes|findings|evaluat|committed" "$work/discover-$mode.log" | tail -5 | sed "s/^/$mode:   /" || true
    elif [ "$mode" = citus ] && [ -f "$work/nodes.copy" ]; then
        # The discovery path could not run distributed: say why, then load the graph the plain run
        # committed (the same rows) with COPY, so the node lists are still measured on Citus.
        echo "$mode: discovery FAILED after $(seconds_since "$started") s: $(grep -m1 -iE 'error' "$work/discover-$mode.log" | head -c 400)"
        started=$(date +%s.%N)
        "$psql_bin" -XAtq "$DATABASE_URL" -c "\\copy nodes FROM '$work/nodes.copy'" -c "\\copy edges FROM '$work/edges.copy'"
        echo "$mode: COPY of the plain run's nodes and edges instead: $(seconds_since "$started") s"
    else
        echo "$mode: discover failed" >&2
        tail -20 "$work/discover-$mode.log" >&2
        exit 1
    fi
    if [ "$mode" = plain ]; then
        "$psql_bin" -XAtq "$DATABASE_URL" \
            -c "\\copy (SELECT * FROM nodes WHERE tenant_id = 'big') TO '$work/nodes.copy'" \
            -c "\\copy (SELECT * FROM edges WHERE tenant_id = 'big') TO '$work/edges.copy'"
    fi
    nodes=$("$psql_bin" -XAtq "$DATABASE_URL" -c "SELECT count(*) FROM nodes WHERE tenant_id = 'big'")
    echo "$mode: tenant big holds $nodes nodes"
    if [ "$mode" = citus ]; then
        "$psql_bin" -XAtq "$DATABASE_URL" -c "
            SELECT 'citus: tenant big''s nodes are in shard ' || shardid || ' on ' || nodename || ':' || nodeport
                   || ' (' || pg_size_pretty(shard_size) || ')'
            FROM citus_shards
            WHERE table_name = 'nodes'::regclass
              AND shardid = get_shard_id_for_distribution_column('nodes', 'big')"
    fi

    api_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "$binary" serve --bind "127.0.0.1:$api_port" --workers 0 >"$work/serve-$mode.log" 2>&1 &
    server_pid=$!
    base="http://127.0.0.1:$api_port/api/v1/tenants/big"
    deadline=$((SECONDS + 60))
    until curl -fsS -o /dev/null "http://127.0.0.1:$api_port/livez" 2>/dev/null; do
        [ "$SECONDS" -lt "$deadline" ] || { echo "server did not start" >&2; cat "$work/serve-$mode.log" >&2; exit 1; }
        kill -0 "$server_pid"
        sleep 0.2
    done
    for path in "/nodes?per_page=50" "/nodes?types=aws.ec2.instance&region=$region&per_page=50"; do
        # One untimed request first: it must answer 200 with a full page.
        status=$(curl -s -o "$work/answer.json" -w '%{http_code}' -H "Authorization: Bearer $key" "$base$path")
        [ "$status" = 200 ] || { echo "$mode $path answered $status: $(head -c 300 "$work/answer.json")" >&2; exit 1; }
        for _ in $(seq "$requests"); do
            curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $key" "$base$path"
        done >"$work/times"
        python3 - "$mode" "$path" "$work/times" "$work/answer.json" <<'PY'
import json, sys
mode, path, times, answer = sys.argv[1:5]
rows = len(json.load(open(answer))["data"])
assert rows == 50, f"{path}: {rows} rows, expected a full page of 50"
values = sorted(float(line) * 1000 for line in open(times) if line.strip())
def percentile(share):
    return values[min(len(values) - 1, int(round(share * (len(values) - 1))))]
print(f"{mode}: {path:60} n={len(values)} p50={percentile(0.50):.1f} ms p99={percentile(0.99):.1f} ms")
PY
    done
    stop_server
    stop_cluster
done
