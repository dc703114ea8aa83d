#!/usr/bin/env bash
# Mail sanitiser benchmark: throughput on one core over a generated corpus (20 KB HTML newsletters,
# plain replies, messages with Office/PDF attachments), beside mail-parser's raw parse (the ceiling).
# Usage: bench/sanitize.sh [MESSAGES]
set -euo pipefail
cd "$(dirname "$0")/.."
echo "load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
exec cargo run --release -q -p mamori-sanitize --example bench -- "$@"
