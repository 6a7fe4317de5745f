#!/usr/bin/env bash
# Runs the three SDK suites (sdk/python, sdk/typescript, sdk/go) against a real server: the debug
# binary's `demo` (a private embedded PostgreSQL in a temp dir, tenant `demo` with the sample
# estate and an admin key on stdout) on a free loopback port, with webhooks to loopback allowed so
# the suites can receive signed deliveries, plus a platform-admin key. The server and its cluster
# are stopped whatever happens. Installs what the suites need when it is missing: a venv with the
# Python SDK, the TypeScript compiler (npm ci), Debian's golang-go (scripts/setup.sh).
# Exits non-zero when any suite fails. SDK_SUITES (default "python typescript go") picks suites.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

# The binary where cargo puts it (honours CARGO_TARGET_DIR and config), built if missing.
source scripts/binary.sh
binary=$(infracast_binary debug)

# Under /tmp so the `postgres` account can reach the cluster when this runs as root.
work=$(mktemp -d "${TMPDIR:-/tmp}/infracast-sdk-XXXXXX")
chmod 755 "$work"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"

server=""
stop_server() {
    local status=$?
    if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
        kill -TERM "$server"
        wait "$server" || true
    fi
    if [ -d "$work/data" ]; then
        "$binary" --data-dir "$work/data" db stop >/dev/null 2>&1 || true
    fi
    if [ "$status" != 0 ] && [ -f "$work/server.log" ]; then
        echo "sdk: last lines of the server log:" >&2
        tail -20 "$work/server.log" >&2
    fi
    rm -rf "$work"
    exit "$status"
}
trap stop_server EXIT

INFRACAST_WEBHOOK_ALLOW_PRIVATE=1 "$binary" --data-dir "$work/data" demo --bind "127.0.0.1:$port" \
    >"$work/key" 2>"$work/server.log" &
server=$!

# Ready when /healthz answers (the key is printed before the server starts listening).
deadline=$((SECONDS + 180))
until curl --silent --fail --max-time 2 "$base/healthz" >/dev/null; do
    if ! kill -0 "$server" 2>/dev/null; then
        echo "sdk: the server exited before it was ready" >&2
        exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
        echo "sdk: the server did not answer /healthz within 180 s" >&2
        exit 1
    fi
    sleep 0.2
done
demo_key=$(tail -n 1 "$work/key")
case "$demo_key" in
ic_live_*) ;;
*)
    echo "sdk: the demo did not print an API key" >&2
    exit 1
    ;;
esac
platform_key=$("$binary" --data-dir "$work/data" key create --platform --name sdk-tests 2>>"$work/server.log")

export INFRACAST_API_URL="$base" INFRACAST_DEMO_KEY="$demo_key" INFRACAST_PLATFORM_KEY="$platform_key"

failed=()
run_suite() {
    local name=$1
    shift
    local started=$SECONDS
    echo "sdk: $name suite" >&2
    if "$@"; then
        echo "sdk: $name suite passed in $((SECONDS - started)) s" >&2
    else
        echo "sdk: $name suite FAILED" >&2
        failed+=("$name")
    fi
}

python_suite() {
    local venv="$root/sdk/python/.venv"
    if [ ! -x "$venv/bin/python" ]; then
        python3 -m venv "$venv"
    fi
    # Installs the distribution (not the source tree) so its packaging is tested too.
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$root/sdk/python" &&
        (cd "$root/sdk/python" && "$venv/bin/python" -m unittest discover --start-directory tests --top-level-directory .)
}

typescript_suite() {
    (cd "$root/sdk/typescript" &&
        npm ci --no-audit --no-fund --silent &&
        npx tsc -p tsconfig.json &&
        npx tsc -p test/tsconfig.json &&
        node --test test/*.test.mjs)
}

go_suite() {
    if ! command -v go >/dev/null 2>&1; then
        "$root/scripts/setup.sh" --tests
    fi
    # Standard library only: no module proxy needed, none consulted.
    (cd "$root/sdk/go" && GOPROXY=off go vet ./... && GOPROXY=off go test -count=1 ./...)
}

for suite in ${SDK_SUITES:-python typescript go}; do
    run_suite "$suite" "${suite}_suite"
done

if [ "${#failed[@]}" -gt 0 ]; then
    echo "sdk: failed suites: ${failed[*]}" >&2
    exit 1
fi
echo "sdk: every suite passed" >&2
