#!/usr/bin/env bash
# Three-tier verifier benchmark: synthetic municipal networks (3 tiers, realistic address objects
# and services). With no arguments: 10,000 rules on 10 devices and 100,000 rules on 50 devices.
# Usage: bench/netcheck.sh [RULES DEVICES [SEED]]
set -euo pipefail
cd "$(dirname "$0")/.."
echo "load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
cargo build --release -q -p mamori-netcheck --example synth_bench
bin=target/release/examples/synth_bench
if [ $# -gt 0 ]; then exec "$bin" "$@"; fi
"$bin" 10000 10
"$bin" 100000 50
