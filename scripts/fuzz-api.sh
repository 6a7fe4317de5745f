#!/usr/bin/env bash
# Fuzzes the HTTP API with schemathesis against the OpenAPI document it serves: starts the debug
# binary's `demo` (a private embedded PostgreSQL in a temp dir, tenant `demo` on the enterprise
# plan with the sample estate, an admin key on stdout), waits for /healthz, runs every check
# (`--checks all`) with that key, stops the service and verifies no postgres is left behind.
# Exits non-zero on any failure. Knobs: FUZZ_MAX_EXAMPLES (default 10), FUZZ_SEED, FUZZ_PORT,
# FUZZ_PHASES (default examples,coverage,fuzzing,stateful). The coverage phase sends ~10,000
# requests whatever FUZZ_MAX_EXAMPLES says; paced under the enterprise limit (1000/min) the whole
# run takes ~11 minutes; FUZZ_PHASES=examples,fuzzing,stateful takes ~1 minute.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v st >/dev/null 2>&1; then
    echo "fuzz: installing schemathesis" >&2
    python3 -m pip install --quiet "schemathesis>=4,<5"
fi

# The debug binary where cargo puts it (CARGO_TARGET_DIR honoured), built visibly if missing.
source scripts/binary.sh
binary=$(infracast_binary debug)

# Under /tmp so the `postgres` account can reach the cluster when this runs as root.
work=$(mktemp -d "${TMPDIR:-/tmp}/infracast-fuzz-XXXXXX")
chmod 755 "$work"
port=${FUZZ_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
base="http://127.0.0.1:$port"

server=""
stop_server() {
    local status=$?
    if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
        kill -TERM "$server"
        wait "$server" || true
    fi
    if pgrep -f -- "$work/" >/dev/null 2>&1; then
        echo "fuzz: processes of $work are still running after the service stopped:" >&2
        pgrep -a -f -- "$work/" >&2 || true
        status=1
    fi
    rm -rf "$work"
    exit "$status"
}
trap stop_server EXIT

"$binary" --data-dir "$work/data" demo --bind "127.0.0.1:$port" >"$work/key" 2>"$work/server.log" &
server=$!

# Ready when /healthz answers (the key is printed before the server starts listening).
ready=""
for _ in $(seq 1 600); do
    if ! kill -0 "$server" 2>/dev/null; then
        echo "fuzz: the service exited before it was ready:" >&2
        cat "$work/server.log" >&2
        exit 1
    fi
    if curl --silent --fail --max-time 2 "$base/healthz" >/dev/null; then
        ready=yes
        break
    fi
    sleep 0.2
done
if [ -z "$ready" ]; then
    echo "fuzz: the service did not answer /healthz within 120 s" >&2
    tail -20 "$work/server.log" >&2
    exit 1
fi
if ! tail -n 1 "$work/key" | grep -q '^ic_live_'; then
    echo "fuzz: the demo did not print an API key" >&2
    exit 1
fi
# A platform admin's key: it reaches the tenant routes too, and fuzzing the demo tenant's
# `DELETE …/api-keys/{key_id}` cannot revoke it.
key=$("$binary" --data-dir "$work/data" key create --platform --name fuzz 2>>"$work/server.log")

seed_args=()
if [ -n "${FUZZ_SEED:-}" ]; then
    seed_args=(--seed "$FUZZ_SEED")
fi

# Two runs, every check in both: the generated phases against the demo tenant, then the stateful
# phase without that pin (it follows links from what it creates, tenants included).
sed '/^# BEGIN tenant data/,/^# END tenant data/d' scripts/schemathesis.toml >"$work/stateful.toml"
phases=${FUZZ_PHASES:-examples,coverage,fuzzing,stateful}
generated_phases=$(echo "$phases" | tr ',' '\n' | grep -v '^stateful$' | paste -sd, - || true)

fuzz() {
    local config=$1 run_phases=$2
    SCHEMATHESIS_HOOKS=fuzz_hooks PYTHONPATH="$PWD/scripts${PYTHONPATH:+:$PYTHONPATH}" \
        st --config-file "$config" run "$base/api/v1/openapi.json" \
        --checks all \
        --header "Authorization: Bearer $key" \
        --max-examples "${FUZZ_MAX_EXAMPLES:-10}" \
        --phases "$run_phases" \
        --request-timeout 5 \
        --workers 1 \
        --rate-limit auto \
        --report junit --report-dir "$work/report" \
        "${seed_args[@]}"
}

status=0
if [ -n "$generated_phases" ]; then
    fuzz scripts/schemathesis.toml "$generated_phases" || status=$?
fi
if [[ ",$phases," == *",stateful,"* ]]; then
    fuzz "$work/stateful.toml" stateful || status=$?
fi

if [ "$status" -ne 0 ]; then
    echo "fuzz: schemathesis found failures (exit $status); service log tail:" >&2
    tail -20 "$work/server.log" >&2
fi
exit "$status"
