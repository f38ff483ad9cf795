#!/usr/bin/env bash
# Abuse benchmark: the normal load (50 KB uploads, 16 connections, 1 destination) on its own, then the same load
# while 2,000 connections stall mid-body and a stream of 64 MB uploads runs beside it (2 at a time). Reports req/s,
# p50/p99 and non-2xx of the normal load, and the relay's peak RSS, with the abuse/baseline ratios of one run.
#
#   bench/abuse.sh          about 2 minutes (warm-up, then 20 s without and 20 s with abuse)
#
# The relay runs with the README's JVM flags on CPU 1; wrk, the sink, the stalling clients and curl on CPU 0.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-20}
. bench/common.sh
need curl || { apt-get install -y -qq curl >/dev/null; }
S1=$(free_port); J1=$(free_port); MG=$(free_port)

sink_conf sink "$S1"
$CPU_LOAD nginx -p "$TMP" -c "$TMP/sink.conf"

mkdir -p "$TMP/relay/routes"
receiver one "$J1" "http://127.0.0.1:$S1" > "$TMP/relay/routes/bench.yaml"
start_relay "$J1" -Dcamel.management.port=$MG -Dpyroscope.relay.body-spool-dir="$TMP/spool"

QUERY="/ingest?name=bench.app%7Benv%3Dbench%7D&from=1&until=2"
BODY="$TMP/body-50k"; head -c 51200 /dev/urandom > "$BODY"
BIG="$TMP/body-64m"; head -c $((64 * 1024 * 1024)) /dev/urandom > "$BIG"
rss_mb() { awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$JAVA_PID/status"; }
# load SECONDS -> "rps p50 p99 non2xx"
load() {
  local out
  out=$(BODY_FILE="$BODY" $CPU_LOAD wrk -t2 -c16 -d"$1"s --latency -s bench/post.lua "http://127.0.0.1:$J1$QUERY")
  local bad errs
  bad=$(awk '/Non-2xx/ {print $5}' <<<"$out"); errs=$(awk '/Socket errors/ {gsub(",",""); print $4+$6+$8+$10}' <<<"$out")
  echo "$(awk '/Requests\/sec/ {print $2}' <<<"$out") $(to_ms "$(awk '$1=="50%" {print $2}' <<<"$out")") \
$(to_ms "$(awk '$1=="99%" {print $2}' <<<"$out")") $(( ${bad:-0} + ${errs:-0} ))"
}

echo "pyroscope-relay abuse benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, ${DURATION}s each"
for _ in 1 2 3 4 5 6; do load 10 >/dev/null; done # warm-up: the JIT compiles the hot paths on one CPU
read -r b_rps b_p50 b_p99 b_bad <<<"$(load "$DURATION")"
b_rss=$(rss_mb)

# abuse: 2,000 stalled connections (reopened when cut off) and 64 MB uploads, 2 at a time, beside the normal load
$CPU_LOAD python3 bench/stall.py "$J1" 2000 $((DURATION + 5)) > "$TMP/stall.out" &
STALL=$!
big_uploads() {
  local end=$((SECONDS + DURATION + 2))
  while [ $SECONDS -lt $end ]; do
    $CPU_LOAD curl -s -o /dev/null -w '%{http_code}\n' --data-binary @"$BIG" -H 'Content-Type: application/octet-stream' \
      "http://127.0.0.1:$J1$QUERY" >> "$TMP/big.codes" || echo 000 >> "$TMP/big.codes"
  done
}
big_uploads & BIG1=$!
big_uploads & BIG2=$!
sleep 3 # let the stalled connections open
read -r a_rps a_p50 a_p99 a_bad <<<"$(load "$DURATION")"
wait $BIG1 $BIG2 $STALL || true
a_rss=$(rss_mb)

echo
echo "| normal load (50 KB, 16 connections, 1 destination) | req/s | p50 ms | p99 ms | non-2xx | relay peak RSS MB |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
printf '| alone | %.0f | %.2f | %.2f | %s | %s |\n' "$b_rps" "$b_p50" "$b_p99" "$b_bad" "$b_rss"
printf '| with 2,000 stalled connections and 64 MB uploads | %.0f | %.2f | %.2f | %s | %s |\n' "$a_rps" "$a_p50" "$a_p99" "$a_bad" "$a_rss"
echo
awk -v a="$a_rps" -v b="$b_rps" -v ap="$a_p99" -v bp="$b_p99" \
  'BEGIN { printf "ratios with abuse / alone: req/s %.2fx, p99 %.2fx\n", a / b, ap / bp }'
echo "64 MB uploads answered: $(sort "$TMP/big.codes" | uniq -c | awk '{printf "%s x %s, ", $1, $2}')stalled connections opened: $(cat "$TMP/stall.out")"
echo "relay OutOfMemoryError: $(grep -c OutOfMemoryError "$TMP/logs/relay.log" || true), forward failures: $(grep -c 'forward failed' "$TMP/logs/relay.log" || true), alive: $(kill -0 $JAVA_PID 2>/dev/null && echo yes || echo no)"
relay_failures
grep -E "WARN|ERROR" "$TMP/logs/relay.log" | grep -v "forward failed" | cut -c1-300 | sort | uniq -c | sort -rn | head -5 || true
