#!/usr/bin/env bash
# Risk register benchmark: recompute 100,000 asset × threat pairs after a classification change
# (target under 1 s). Usage: bench/risk.sh [PAIRS]
set -euo pipefail
cd "$(dirname "$0")/.."
echo "load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
exec cargo run --release -q -p mamori-core --example bench_risk -- "$@"
