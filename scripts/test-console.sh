#!/usr/bin/env bash
# The web console's tests: checks that the committed bundle (console/dist/) is what its sources
# build to, then runs the end-to-end tests in real headless Chromium (console/test/) against the
# debug binary's `infracast demo` (the sample estate in tenant `demo`, a private embedded
# PostgreSQL under /tmp, a free loopback port). Installs Chromium (apt) and the Node packages
# (npm ci) when missing. Screenshots and downloads go to target/console-artifacts/.
# The server and its cluster are stopped on exit, whatever happened.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if ! command -v chromium >/dev/null 2>&1; then
    scripts/setup.sh --tests
fi
chromium_binary=$(command -v chromium)

# Node packages, exactly as locked.
if [ ! -d console/node_modules ] || [ console/package-lock.json -nt console/node_modules ]; then
    echo "console: installing Node packages (npm ci)" >&2
    (cd console && npm ci --no-audit --no-fund)
fi

# The committed bundle must be what the sources build to (the binary embeds console/dist/).
fresh=$(mktemp -d "${TMPDIR:-/tmp}/infracast-console-dist-XXXXXX")
(cd console && node build.mjs "$fresh")
if ! diff -r "$fresh" console/dist >/dev/null; then
    echo "console: console/dist/ differs from a fresh build of console/src:" >&2
    diff -r "$fresh" console/dist | head -20 >&2 || true
    echo "console: run 'cd console && npm run build' and commit console/dist/" >&2
    rm -rf "$fresh"
    exit 1
fi
rm -rf "$fresh"

# The debug binary, where cargo puts it; rebuilt when stale, since it embeds console/dist.
source scripts/binary.sh
binary=$(infracast_binary debug)
target_dir=$(dirname "$(dirname "$binary")")
echo "console: building $binary" >&2
cargo build --bin infracast >&2

# Under /tmp so the `postgres` account can reach the cluster when this runs as root.
work=$(mktemp -d "${TMPDIR:-/tmp}/infracast-console-XXXXXX")
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
    if [ -d "$work/data/pg" ]; then
        "$binary" db stop --data-dir "$work/data" >/dev/null 2>&1 || true
    fi
    if [ "$status" -ne 0 ] && [ -f "$work/server.log" ]; then
        echo "console: server log tail:" >&2
        tail -20 "$work/server.log" >&2
    fi
    rm -rf "$work"
    exit "$status"
}
trap stop_server EXIT

"$binary" --data-dir "$work/data" demo --bind "127.0.0.1:$port" >"$work/key" 2>"$work/server.log" &
server=$!

ready=""
for _ in $(seq 1 600); do
    if ! kill -0 "$server" 2>/dev/null; then
        echo "console: the service exited before it was ready" >&2
        exit 1
    fi
    if curl --silent --fail --max-time 2 "$base/healthz" >/dev/null; then
        ready=yes
        break
    fi
    sleep 0.2
done
if [ -z "$ready" ]; then
    echo "console: the service did not answer /healthz within 120 s" >&2
    exit 1
fi
key=$(tail -n 1 "$work/key")
case "$key" in
    ic_live_*) ;;
    *) echo "console: the demo did not print an API key" >&2; exit 1 ;;
esac

# A platform admin's key too, for the tenant picker.
platform_key=$("$binary" --data-dir "$work/data" key create --platform --name console-test 2>>"$work/server.log")

artifacts="$target_dir/console-artifacts"
echo "console: browser tests against $base (artifacts in $artifacts)" >&2
(
    cd console
    CONSOLE_URL="$base" CONSOLE_API_KEY="$key" CONSOLE_PLATFORM_KEY="$platform_key" CONSOLE_ARTIFACTS="$artifacts" CHROMIUM="$chromium_binary" \
        node --test --test-concurrency=1 --test-reporter=spec test/*.test.mjs
)
echo "console: bundle $(wc -c <console/dist/app.js) bytes of JavaScript ($(gzip -9c console/dist/app.js | wc -c) gzipped), $(wc -c <console/dist/app.css) of CSS ($(gzip -9c console/dist/app.css | wc -c) gzipped)" >&2
