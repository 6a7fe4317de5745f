# Sourced by the other scripts: `infracast_binary debug|release` prints the path of the infracast
# binary where cargo puts it (honouring CARGO_TARGET_DIR and cargo's config, as `cargo metadata`
# reports it), building it first when it is missing. The build is never hidden: cargo's progress
# goes to stderr, so stdout stays the path alone.
infracast_binary() {
    local profile=${1:-debug}
    local target_dir binary
    target_dir=$(cargo metadata --format-version 1 --no-deps |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
    binary="$target_dir/$profile/infracast"
    if [ ! -x "$binary" ]; then
        if [ "$profile" = release ]; then
            echo "infracast: building the release binary ($binary); the first build takes about 10 minutes on 2 cores" >&2
            cargo build --release --bin infracast >&2
        else
            echo "infracast: building the debug binary ($binary); the first build takes about 6 minutes on 2 cores" >&2
            cargo build --bin infracast >&2
        fi
    fi
    printf '%s\n' "$binary"
}
