#!/usr/bin/env bash
# Regulation import benchmark: parse a generated 500-article regulation (target under 100 ms).
# Usage: bench/provisions.sh [ARTICLES]
set -euo pipefail
cd "$(dirname "$0")/.."
echo "load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
exec cargo run --release -q -p mamori-provisions --example bench_import -- "$@"
