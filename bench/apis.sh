#!/usr/bin/env bash
# Every API of a receiver with the same profile bytes, one relay, one destination, one run: /ingest (the baseline),
# the push API as Connect over HTTP/1.1, OTLP/HTTP protobuf, and the push API over gRPC (h2c). wrk drives the HTTP/1.1
# rows; bench/ApiLoad.java (grpc-java, from the test classpath) the gRPC row.
#
#   bench/apis.sh            about 3 minutes: 50 KB profiles, 16 connections (calls in flight), 10 s per row
#   BENCH_BODY_KB=1024 BENCH_CONNECTIONS=64 bench/apis.sh
#
# Pinning as run.sh: load and sink on CPU 0, the relay on CPU 1. CPU per request is the relay's user+system time
# over the row divided by its requests. Ratios are against /ingest of the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
KB=${BENCH_BODY_KB:-50}; CONNS=${BENCH_CONNECTIONS:-16}; DURATION=${BENCH_DURATION:-10}
S1=$(free_port); J=$(free_port)
sink_conf sink "$S1"
$CPU_LOAD nginx -p "$TMP" -c "$TMP/sink.conf"
mvn -B -q -o dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$TMP/cp.txt" >/dev/null 2>&1 ||
  mvn -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$TMP/cp.txt" >/dev/null
CP="$PWD/target/classes:$(cat "$TMP/cp.txt")"
mkdir -p "$TMP/load" && javac -d "$TMP/load" -cp "$CP" bench/ApiLoad.java
java -cp "$TMP/load:$CP" ApiLoad bodies "$TMP" $((KB * 1024))
head -c $((KB * 1024)) /dev/urandom > "$TMP/ingest.bin"

mkdir -p "$TMP/relay/routes"
cat > "$TMP/relay/routes/relay.yaml" <<YAML
- route:
    id: bench
    from:
      uri: kamelet:pyroscope-receive
      parameters: {listenAddress: 127.0.0.1, listenPort: $J, h2c: true}
      steps:
        - to:
            uri: kamelet:pyroscope-write
            parameters: {name: a, url: "http://127.0.0.1:$S1"}
YAML
start_relay "$J"

cpu() { awk '{print $14 + $15}' /proc/"$JAVA_PID"/stat; }
# wrk_row NAME PATH BODY CONTENT_TYPE SECONDS -> "rps p50 p99 non2xx cpu_ms_per_req"
wrk_row() {
  local before after out n
  before=$(cpu)
  out=$(CONTENT_TYPE="$4" BODY_FILE="$3" $CPU_LOAD wrk -t2 -c"$CONNS" -d"$5"s --latency -s bench/post.lua \
        "http://127.0.0.1:$J$2")
  after=$(cpu)
  n=$(awk '/requests in/ {print $1}' <<<"$out")
  echo "$(awk '/Requests\/sec/ {print $2}' <<<"$out") $(to_ms "$(awk '$1=="50%" {print $2}' <<<"$out")") \
$(to_ms "$(awk '$1=="99%" {print $2}' <<<"$out")") $(awk '/Non-2xx/ {print $5}' <<<"$out" | grep . || echo 0) \
$(awk -v a="$after" -v b="$before" -v n="$n" -v k="$(getconf CLK_TCK)" 'BEGIN { printf "%.3f", (a-b)*1000/k/n }')"
}
grpc_row() {
  local before after out n
  before=$(cpu)
  out=$($CPU_LOAD java -cp "$TMP/load:$CP" ApiLoad grpc "$J" "$CONNS" "$1" "$TMP")
  after=$(cpu)
  n=$(awk '{print $2}' <<<"$out")
  echo "$(awk '{print $6, $8, $10, $4}' <<<"$out") \
$(awk -v a="$after" -v b="$before" -v n="$n" -v k="$(getconf CLK_TCK)" 'BEGIN { printf "%.3f", (a-b)*1000/k/n }')"
}

echo "warming the relay up on every API (about 80 s) ..." >&2
for _ in 1 2; do
  wrk_row warm "/ingest?name=bench.app" "$TMP/ingest.bin" application/octet-stream 10 >/dev/null
  wrk_row warm /push.v1.PusherService/Push "$TMP/push.bin" application/proto 10 >/dev/null
  wrk_row warm /v1development/profiles "$TMP/otlp.bin" application/x-protobuf 10 >/dev/null
  grpc_row 10 >/dev/null
done

echo "pyroscope-relay API benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, ${KB} KB profiles, $CONNS connections, ${DURATION}s each"
echo
printf '| %-34s | %9s | %8s | %8s | %7s | %11s | %9s |\n' API req/s "p50 ms" "p99 ms" non-2xx "CPU ms/req" "CPU ratio"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
BASE=""
row() {
  read -r rps p50 p99 bad cpu_ms <<<"$2"
  [ -z "$BASE" ] && BASE=$cpu_ms
  printf '| %-34s | %9s | %8s | %8s | %7s | %11s | %8.2fx |\n' "$1" "$rps" "$p50" "$p99" "$bad" "$cpu_ms" \
    "$(awk -v a="$cpu_ms" -v b="$BASE" 'BEGIN { print a / b }')"
}
row "/ingest (baseline)" "$(wrk_row r "/ingest?name=bench.app" "$TMP/ingest.bin" application/octet-stream "$DURATION")"
row "push, Connect over HTTP/1.1" "$(wrk_row r /push.v1.PusherService/Push "$TMP/push.bin" application/proto "$DURATION")"
row "OTLP/HTTP protobuf" "$(wrk_row r /v1development/profiles "$TMP/otlp.bin" application/x-protobuf "$DURATION")"
row "push, gRPC over h2c" "$(grpc_row "$DURATION")"
echo
relay_failures
