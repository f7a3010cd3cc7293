#!/usr/bin/env bash
# Runs every fuzz target of fuzz/ for a bounded time (default 10 s each; first argument to
# change it), starting from the seed corpus in fuzz/corpus/. A crash fails the script and leaves
# the input in fuzz/artifacts/<target>/. `--build-only` builds the targets and stops.
#
# cargo-fuzz needs the sanitizer flags of a nightly compiler; RUSTC_BOOTSTRAP=1 lets the stable
# toolchain accept them (its AddressSanitizer runtime ships with the standard library).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked --version 0.13.2
export RUSTC_BOOTSTRAP=1
cd fuzz
cargo fuzz build -O
if [ "$seconds" = "--build-only" ]; then
    exit 0
fi
for target in $(cargo fuzz list); do
    mkdir -p "corpus/$target"
    # A scratch copy of the corpus, so a bounded run does not grow the checked-in seeds.
    scratch=$(mktemp -d)
    cp -r "corpus/$target/." "$scratch/"
    echo "fuzz: $target for ${seconds}s"
    cargo fuzz run -O "$target" "$scratch" -- -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 2>&1 |
        grep -E '^(Done|stat::number_of_executed_units|==[0-9]+==|thread .* panicked|SUMMARY)' || true
    rm -rf "$scratch"
    if [ -n "$(ls -A "artifacts/$target" 2>/dev/null)" ]; then
        echo "fuzz: $target found a failing input: fuzz/artifacts/$target/" >&2
        exit 1
    fi
done
