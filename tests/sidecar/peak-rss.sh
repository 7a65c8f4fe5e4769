#!/usr/bin/env bash
# Peak memory of a real `serve` process while N clients each read one large value that masking
# must inspect (detectors on): prints the RSS before and the peak (VmHWM) after, and how many
# clients got their value or an error. Usage: tests/sidecar/peak-rss.sh [clients] [MiB] [extra limits JSON]
# e.g. tests/sidecar/peak-rss.sh 8 60 '"maxBufferedBytes": 268435456'
# Uses the PostgreSQL in PG* when set, else a throwaway one.
set -euo pipefail
clients=${1:-4}
mib=${2:-60}
limits=${3:-}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/chunkgate-rss.XXXXXX)
own_pg=
sidecar=
cleanup() {
  [ -n "$sidecar" ] && kill "$sidecar" 2>/dev/null && wait "$sidecar" 2>/dev/null || true
  [ -n "$own_pg" ] && "$root/tests/postgres/throwaway.sh" stop "$CHUNKGATE_PG_DIR" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
if [ -z "${PGHOST:-}" ]; then eval "$("$root/tests/postgres/throwaway.sh" start)"; own_pg=1; fi

dotnet build "$root/operator/ChunkGate.Sidecar" -c Release -v q -nologo >/dev/null
dll=$(find "$root/operator/ChunkGate.Sidecar/bin/Release" -name ChunkGate.Sidecar.dll | head -1)

role=rss_$$
psql -qAt -c "CREATE ROLE $role LOGIN PASSWORD 'rss-pass'" >/dev/null
echo "$role" > "$work/username"; echo "rss-pass" > "$work/password"
head -c 32 /dev/urandom > "$work/key"
port=$(shuf -i 20000-60000 -n 1)
cat > "$work/sidecar.json" <<JSON
{ "listen": "127.0.0.1:$port",
  "upstream": { "host": "$PGHOST", "port": $PGPORT, "database": "$PGDATABASE", "sslMode": "disable" },
  "credential": { "usernameFile": "$work/username", "passwordFile": "$work/password" },
  "action": "read", "expiresAt": "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)",
  "masking": { "detectors": ["ssn", "card", "email"], "hashKeyFile": "$work/key" },
  "limits": { $limits } }
JSON
dotnet "$dll" serve --config "$work/sidecar.json" >"$work/sidecar.log" 2>&1 &
sidecar=$!
for _ in $(seq 100); do grep -q "listening on" "$work/sidecar.log" && break; sleep 0.2; done
grep -q "listening on" "$work/sidecar.log" || { cat "$work/sidecar.log" >&2; exit 1; }

url="host=127.0.0.1 port=$port dbname=$PGDATABASE user=x sslmode=disable"
psql "$url" -qAt -c "SELECT 1" >/dev/null
before=$(awk '/VmRSS/ {print $2}' "/proc/$sidecar/status")
for i in $(seq "$clients"); do
  (psql "$url" -qAt -c "SELECT repeat('x', $mib*1024*1024)" >/dev/null 2>"$work/err.$i" \
     && echo ok > "$work/result.$i" || echo failed > "$work/result.$i") &
done
wait $(jobs -p | grep -v "^$sidecar\$") 2>/dev/null || true
ok=$(grep -l ok "$work"/result.* 2>/dev/null | wc -l)
peak=$(awk '/VmHWM/ {print $2}' "/proc/$sidecar/status")
# A new full-size read after the burst: the process still serves.
after=$(psql "$url" -qAt -c "SELECT repeat('x', $mib*1024*1024)" 2>/dev/null | wc -c)
errors=$(cat "$work"/err.* 2>/dev/null | grep -o 'FATAL: .*\|ERROR: .*' | sort | uniq -c | head -3 || true)
echo "clients=$clients value=${mib}MiB limits={${limits}} rss_before=$((before / 1024))MB peak_rss=$((peak / 1024))MB ok=$ok/$clients after_one_read_bytes=$after"
[ -n "$errors" ] && echo "$errors"
