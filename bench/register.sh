#!/usr/bin/env bash
# Asset register benchmark (issue: foundation). Generates a 100,000-asset register and prints:
#   xlsx import time and peak memory, CSV import time, export time, and the query time of
#   `assets list` filtered by zone and confidentiality.
# Usage: bench/register.sh [ASSETS]   (default 100000). Needs /usr/bin/time (Debian package `time`).
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100000}"
cargo build --release -q -p mamori
bin="$PWD/target/release/mamori"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export LANG=C

measure() { # label, command… → prints "label: X.XX s, peak RSS Y MiB"
  local label="$1"; shift
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null
  read -r secs kib < "$work/time"
  printf '%-34s %8.2f s   peak RSS %6.0f MiB\n' "$label" "$secs" "$(echo "$kib/1024" | bc -l)"
}

echo "mamori register benchmark: $n assets ($(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
measure "generate (seed-demo)" "$bin" seed-demo --db "$work/source.db" --assets "$n"
measure "export xlsx" "$bin" assets export "$work/register.xlsx" --db "$work/source.db"
measure "export csv (UTF-8 BOM)" "$bin" assets export "$work/register.csv" --db "$work/source.db"
printf '%-34s %8.1f MiB / %.1f MiB\n' "file size xlsx / csv" \
  "$(echo "$(stat -c %s "$work/register.xlsx")/1048576" | bc -l)" "$(echo "$(stat -c %s "$work/register.csv")/1048576" | bc -l)"

# Import into an organisation that has the same departments and staff but no assets yet.
"$bin" seed-demo --db "$work/xlsx.db" --assets 0 >/dev/null
"$bin" seed-demo --db "$work/csv.db" --assets 0 >/dev/null
measure "import xlsx (100% new rows)" "$bin" assets import "$work/register.xlsx" --db "$work/xlsx.db"
measure "import csv (100% new rows)" "$bin" assets import "$work/register.csv" --db "$work/csv.db"
measure "re-import xlsx (all unchanged)" "$bin" assets import "$work/register.xlsx" --db "$work/xlsx.db"

# Query time as measured around the database queries inside the command (excludes start-up and
# printing): the default listing (first 100 rows and the total count, what a person sees), then
# every matching row (--all, what a program piping the list gets).
for filter in "--zone lgwan --min-confidentiality 2" "--zone mynumber --min-confidentiality 3A" "--zone internet --min-confidentiality 1"; do
  for mode in "" "--all"; do
    q=$("$bin" assets list --db "$work/xlsx.db" $filter $mode --timing 2>&1 >/dev/null | sed -n 's/^query: //p')
    printf '%-46s %-6s %s\n' "list $filter" "${mode:-page}" "$q"
  done
done
