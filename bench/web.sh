#!/usr/bin/env bash
# Web load benchmark (issue #3). Seeds a demo city with ASSETS assets (default 100,000), starts
# `mamori serve` (release build) and runs wrk with 50 concurrent connections against
#   (a) the filtered asset list page /assets (signed-in session cookie), and
#   (b) the API list endpoint /api/v1/assets (personal API token),
# both as the CISO (who sees every asset, the most work per request). Prints requests/s, p50/p99
# latency and the server's peak RSS (VmHWM from /proc). Targets on a 2-core machine: API list
# p99 < 50 ms and >= 1,000 requests/s, server RSS < 200 MB.
# Usage: bench/web.sh [ASSETS] [SECONDS]   (defaults 100000, 15). Needs wrk and curl (Debian).
# MAMORI_BIN=/path/to/mamori measures another build instead (e.g. an older one, for a before/after
# comparison; without API tokens only the page is measured).
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100000}"
secs="${2:-15}"
conns=50
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }
if [ -z "${MAMORI_BIN:-}" ]; then cargo build --release -q -p mamori; fi
bin="${MAMORI_BIN:-$PWD/target/release/mamori}"
work="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
export LANG=C
db="$work/bench.db"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
password="bench-password-$$-$RANDOM"

echo "mamori web benchmark: $n assets, $conns connections, ${secs}s per run ($(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
"$bin" seed-demo --db "$db" --assets "$n" >/dev/null
ciso="$("$bin" org roles --json --db "$db" | python3 -c 'import json,sys; print(next(a["staff"] for a in json.load(sys.stdin) if a["role"]=="ciso"))')"
printf '%s\n' "$password" | "$bin" user add bench --staff "$ciso" --password-stdin --db "$db" >/dev/null
token="$("$bin" user token bench --name bench --db "$db" 2>/dev/null || true)"

"$bin" serve --db "$db" --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 600); do
  curl -fsS -o /dev/null "$base/login" 2>/dev/null && break
  sleep 0.1
done

# Sign in as a browser does: the sign-in form's token, then the session cookie.
curl -fsS -c "$work/jar" -o "$work/login.html" "$base/login"
csrf="$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' "$work/login.html" | head -1)"
curl -sS -b "$work/jar" -c "$work/jar" -o /dev/null \
  --data-urlencode "csrf=$csrf" --data-urlencode "login=bench" --data-urlencode "password=$password" "$base/login"
session="$(awk '$6=="mamori_session"{print $7}' "$work/jar")"
[ -n "$session" ] || { echo "sign-in failed" >&2; cat "$work/server.log" >&2; exit 1; }
# The CISO must use MFA (Policy::requires_mfa): register an authenticator as a person would, with
# the key the enrolment page shows and a TOTP code computed here (RFC 6238, SHA-1, 30 s, 6 digits).
curl -fsS -b "$work/jar" -o "$work/mfa.html" "$base/account/mfa"
key="$(sed -n 's/.*id="mfa-key"[^>]*>\([A-Z2-7 ]*\)<.*/\1/p' "$work/mfa.html" | tr -d ' ' | head -1)"
csrf="$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' "$work/mfa.html" | head -1)"
if [ -n "$key" ]; then
  code="$(python3 - "$key" <<'PY'
import base64, hashlib, hmac, struct, sys, time
key = sys.argv[1]
secret = base64.b32decode(key + "=" * (-len(key) % 8))
mac = hmac.new(secret, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
o = mac[-1] & 0x0F
print("%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1000000))
PY
)"
  curl -sS -b "$work/jar" -c "$work/jar" -o /dev/null \
    --data-urlencode "csrf=$csrf" --data-urlencode "code=$code" "$base/account/mfa"
  session="$(awk '$6=="mamori_session"{print $7}' "$work/jar")"
fi

page="/assets?zone=lgwan&c=2&sort=name&page=3"
api="/api/v1/assets?zone=lgwan&c=2&sort=name&page=3&per_page=50"
# First requests load the register and compute the CISO's view of it (not part of the figures).
paths=("$page"); [ -n "$token" ] && paths+=("$api")
for p in "${paths[@]}"; do
  status="$(/usr/bin/time -f '%e' -o "$work/first" curl -sS -o /dev/null -w '%{http_code}' -H "Cookie: mamori_session=$session" -H "Authorization: Bearer $token" "$base$p")"
  [ "$status" = 200 ] || { echo "$p answered HTTP $status (sign-in or MFA enrolment failed?)" >&2; exit 1; }
  printf '%-44s %s s\n' "first request (cold snapshot) ${p%%\?*}" "$(cat "$work/first")"
done
if [ -n "$token" ]; then
  total="$(curl -fsS -H "Authorization: Bearer $token" "$base$api" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')"
  echo "filter zone=lgwan c=2 sort=name matches $total assets"
fi

run() { # label, path, header
  local label="$1" path="$2" header="$3"
  wrk -t2 -c"$conns" -d"${secs}s" --latency -H "$header" "$base$path" >"$work/wrk.txt"
  local rps p50 p99 errors
  rps="$(awk '/^Requests\/sec/{print $2}' "$work/wrk.txt")"
  p50="$(awk '$1=="50%"{print $2}' "$work/wrk.txt")"
  p99="$(awk '$1=="99%"{print $2}' "$work/wrk.txt")"
  errors="$(awk '/Non-2xx/{print $5}' "$work/wrk.txt")"
  timeouts="$(sed -n 's/.*timeout \([0-9]*\).*/\1/p' "$work/wrk.txt")"
  printf '%-34s %9s req/s   p50 %8s   p99 %8s   non-2xx %s   timeouts (>2 s) %s\n' \
    "$label" "$rps" "$p50" "$p99" "${errors:-0}" "${timeouts:-0}"
}
run "(a) asset list page (session)" "$page" "Cookie: mamori_session=$session"
if [ -n "$token" ]; then
  run "(b) API list (token)" "$api" "Authorization: Bearer $token"
else
  echo "(b) API list: this build has no API tokens"
fi
# Filtered lists are cached per person and filter, so the runs above mostly read the cache. The
# cost of a filter seen for the first time: 50 different searches, one after another.
for i in $(seq 10 59); do
  curl -fsS -o /dev/null -w '%{time_total}\n' -H "Cookie: mamori_session=$session" "$base/assets?q=$i&sort=review"
done | sort -n | awk '{t[NR]=$1; s+=$1} END {printf "%-34s mean %.1f ms   max %.1f ms\n", "(c) page, 50 new searches", 1000*s/NR, 1000*t[NR]}'
printf '%-34s %s MiB\n' "server peak RSS (VmHWM)" "$(awk '/VmHWM/{printf "%.0f", $2/1024}' "/proc/$server/status")"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
