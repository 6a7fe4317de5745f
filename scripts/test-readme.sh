#!/usr/bin/env bash
# Runs every `sh` block of README.md that sends a request (`curl` to 127.0.0.1:8080) against a live
# server, in order, in one shell: the debug binary's `serve` on a private data dir and a free port
# (the blocks' 127.0.0.1:8080 and `scripts/run.sh` are pointed at it). A request answered with an
# HTTP error fails the run (curl --fail-with-body), as does any failing command. Stops the server
# and its embedded cluster at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/binary.sh
binary=$(infracast_binary debug)

work=$(mktemp -d "${TMPDIR:-/tmp}/infracast-readme-XXXXXX")
chmod 755 "$work"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
server=""
cleanup() {
    local status=$?
    if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
        kill -TERM "$server"
        wait "$server" || true
    fi
    "$binary" --data-dir "$work/data" db stop >/dev/null 2>&1 || true
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT

"$binary" --data-dir "$work/data" serve --bind "127.0.0.1:$port" 2>"$work/server.log" &
server=$!
for _ in $(seq 1 300); do
    curl --silent --fail --max-time 2 "http://127.0.0.1:$port/healthz" >/dev/null && break
    kill -0 "$server" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
    sleep 0.2
done

# The README's request blocks, joined into one script.
python3 - "$port" "$binary" "$work/data" >"$work/examples.sh" <<'PY'
import re, sys, shlex
port, binary, data = sys.argv[1:]
text = open("README.md").read()
blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
chosen = [b for b in blocks if "curl" in b and "127.0.0.1:8080" in b]
if not chosen:
    sys.exit("README.md has no request examples")
print("set -euo pipefail")
print('curl() { command curl --fail-with-body --max-time 30 "$@"; }')
for block in chosen:
    block = block.replace("127.0.0.1:8080", f"127.0.0.1:{port}")
    block = block.replace("scripts/run.sh", f"{shlex.quote(binary)} --data-dir {shlex.quote(data)}")
    print(block)
print(f"echo 'readme: {len(chosen)} example blocks ran' >&2")
PY
blocks=$(grep -c '^' "$work/examples.sh")
echo "readme: running the README's request examples ($blocks lines) against 127.0.0.1:$port" >&2
if ! (cd "$work" && timeout 300 bash examples.sh >"$work/examples.out" 2>&1); then
    echo "readme: an example failed; its output:" >&2
    cat "$work/examples.out" >&2
    exit 1
fi
tail -n 1 "$work/examples.out" >&2
