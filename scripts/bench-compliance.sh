#!/usr/bin/env bash
# Compliance read latency on a large generated estate: generates `INSTANCES` instances
# (`infracast generate`), discovers them into tenant `big` with the CLI (the discovery's
# evaluation stores the compliance result), serves the API on a loopback port with no workers, and
# times `REQUESTS` sequential requests to `/compliance/summary`, `/frameworks` and
# `/controls?framework=…` (curl's total time, one request at a time), printing p50 and p99 in ms.
# Everything runs under a private data directory (its embedded PostgreSQL is stopped and removed
# on exit). Usage: scripts/bench-compliance.sh [BINARY] (default: the release binary, built under
# CARGO_TARGET_DIR when missing); INSTANCES (default 100000), REQUESTS (default 200).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/binary.sh
binary=${1:-$(infracast_binary release)}
instances=${INSTANCES:-100000}
requests=${REQUESTS:-200}
work=$(mktemp -d "${TMPDIR:-/tmp}/infracast-bench-compliance-XXXXXX")
chmod 755 "$work"
data="$work/data"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    "$binary" db stop --data-dir "$data" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

"$binary" generate --instances "$instances" --seed 1 --output "$work/estate.json"
"$binary" tenant create big --plan enterprise --data-dir "$data" >/dev/null
key=$("$binary" key create --tenant big --data-dir "$data")
started=$(date +%s.%N)
"$binary" discover --tenant big --provider fixture --file "$work/estate.json" --data-dir "$data" >"$work/discover.log"
echo "discovery + evaluation: $(python3 -c "print(round($(date +%s.%N) - $started, 1))") s" >&2

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$binary" serve --bind "127.0.0.1:$port" --workers 0 --data-dir "$data" >"$work/serve.log" 2>&1 &
server_pid=$!
base="http://127.0.0.1:$port/api/v1/tenants/big"
deadline=$((SECONDS + 60))
until curl -fsS -o /dev/null "http://127.0.0.1:$port/livez" 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || { echo "server did not start" >&2; cat "$work/serve.log" >&2; exit 1; }
    kill -0 "$server_pid"
    sleep 0.2
done

for path in /compliance/summary /compliance/frameworks "/compliance/controls?framework=cis-aws-foundations" "/compliance/controls?framework=nist-800-53"; do
    # One untimed request first: it must answer 200 and says which evaluation it is.
    status=$(curl -s -o "$work/answer.json" -w '%{http_code}' -H "Authorization: Bearer $key" "$base$path")
    [ "$status" = 200 ] || { echo "$path answered $status: $(head -c 300 "$work/answer.json")" >&2; exit 1; }
    for _ in $(seq "$requests"); do
        curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $key" "$base$path"
    done >"$work/times"
    python3 - "$path" "$work/times" "$(stat -c %s "$work/answer.json")" <<'PY'
import sys
path, times, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
values = sorted(float(line) * 1000 for line in open(times) if line.strip())
def percentile(share):
    return values[min(len(values) - 1, int(round(share * (len(values) - 1))))]
print(f"{path:55} n={len(values)} p50={percentile(0.50):.1f} ms p99={percentile(0.99):.1f} ms body={size} B")
PY
done
