#!/usr/bin/env bash
# Relay benchmark: messages through `mamori-relay` with durable spooling (fsync), accepted and
# delivered end to end to a local sink. Target: at least 200 messages/s through the relay.
# Usage: bench/relay.sh [ARGS passed to the example]
set -euo pipefail
cd "$(dirname "$0")/.."
echo "load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
exec cargo run --release -q -p mamori-relay --example bench_relay -- "$@"
