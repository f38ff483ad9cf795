#!/usr/bin/env bash
# Durable-buffer benchmark: 50 KB uploads (16 connections) through an unbuffered writer and through a writer with
# bufferPath, to a live nginx sink, in one run; then the drain rate after an outage (uploads stored while the
# destination is down, then the time to deliver them once it is back). Ratios are against the unbuffered writer.
#
#   bench/buffer.sh        about 3 minutes
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-15}
. bench/common.sh
S1=$(free_port); DOWN=$(free_port); J1=$(free_port); J2=$(free_port); J3=$(free_port); MG=$(free_port)

sink_conf sink "$S1"
$CPU_LOAD nginx -p "$TMP" -c "$TMP/sink.conf"

mkdir -p "$TMP/relay/routes"
{ receiver plain "$J1" "http://127.0.0.1:$S1"
  receiver buffered "$J2" "http://127.0.0.1:$S1" "$TMP/buffer-live"
  receiver outage "$J3" "http://127.0.0.1:$DOWN" "$TMP/buffer-outage"; } > "$TMP/relay/routes/bench.yaml"
start_relay "$J1" -Dcamel.management.port=$MG

QUERY="/ingest?name=bench.app%7Benv%3Dbench%7D&from=1&until=2"
BODY="$TMP/body-50k"; head -c 51200 /dev/urandom > "$BODY"
load() { # load PORT SECONDS -> "rps p99ms non2xx"
  local out bad errs
  out=$(BODY_FILE="$BODY" $CPU_LOAD wrk -t2 -c16 -d"$2"s --latency -s bench/post.lua "http://127.0.0.1:$1$QUERY")
  bad=$(awk '/Non-2xx/ {print $5}' <<<"$out"); errs=$(awk '/Socket errors/ {gsub(",",""); print $4+$6+$8+$10}' <<<"$out")
  echo "$(awk '/Requests\/sec/ {print $2}' <<<"$out") $(to_ms "$(awk '$1=="99%" {print $2}' <<<"$out")") $(( ${bad:-0} + ${errs:-0} ))"
}
metric() { curl -s "http://127.0.0.1:$MG/observe/metrics" | awk -v m="$1" '$1 == m {print $2}'; }

echo "pyroscope-relay durable-buffer benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, ${DURATION}s each"
for _ in 1 2 3 4 5 6; do load "$J1" 10 >/dev/null; load "$J2" 5 >/dev/null; done # warm-up
read -r p_rps p_p99 p_bad <<<"$(load "$J1" "$DURATION")"
read -r b_rps b_p99 b_bad <<<"$(load "$J2" "$DURATION")"
read -r p2_rps p2_p99 p2_bad <<<"$(load "$J1" "$DURATION")" # again, to see the machine's drift

# outage: uploads are stored while nothing listens on the destination's port, then it comes back
read -r o_rps o_p99 o_bad <<<"$(load "$J3" 5)"
stored=$(metric 'pyroscope_relay_write_buffer_profiles{writer="outage",}')
stored=${stored:-$(metric 'pyroscope_relay_write_buffer_profiles{writer="outage"}')}
sink_conf back "$DOWN"
back=$(date +%s.%N)
$CPU_LOAD nginx -p "$TMP" -c "$TMP/back.conf"
left=${stored%.*}; start=""; first=$left
for _ in $(seq 1800); do
  left=$(metric 'pyroscope_relay_write_buffer_profiles{writer="outage"}'); left=${left%.*}
  # the rate counts from the first delivery: before it, the buffer waits for its next probe (the backoff)
  if [ -z "$start" ] && [ "${left:-0}" -lt "${stored%.*}" ]; then start=$(date +%s.%N); first=$left; fi
  [ "${left:-1}" = "0" ] && break
  sleep 0.1
done
waited=$(awk -v b="$back" -v s="${start:-$back}" 'BEGIN { printf "%.1f", s - b }')
drain=$(awk -v s="${start:-$back}" -v e="$(date +%s.%N)" -v n="$first" 'BEGIN { printf "%.0f", n / (e - s) }')

echo
echo "| 50 KB, 16 connections, 1 destination | req/s | p99 ms | non-2xx |"
echo "| --- | ---: | ---: | ---: |"
printf '| unbuffered writer | %.0f | %.2f | %s |\n' "$p_rps" "$p_p99" "$p_bad"
printf '| writer with bufferPath (200 once accepted or synced) | %.0f | %.2f | %s |\n' "$b_rps" "$b_p99" "$b_bad"
printf '| unbuffered writer, again | %.0f | %.2f | %s |\n' "$p2_rps" "$p2_p99" "$p2_bad"
printf '| writer with bufferPath, destination down (stored only) | %.0f | %.2f | %s |\n' "$o_rps" "$o_p99" "$o_bad"
echo
awk -v b="$b_rps" -v p1="$p_rps" -v p2="$p2_rps" -v d="$drain" -v n="${stored%.*}" -v left="$left" 'BEGIN {
  p = (p1 + p2) / 2
  printf "ratios against the unbuffered writer (mean of its two runs): buffered req/s %.2fx; drain after the outage %.2fx (%d profiles at %d/s, %s left)\n", b / p, d / p, n, d, left }'
echo "the first stored profile went out $waited s after the destination came back (the next probe of the backoff)"
relay_failures
