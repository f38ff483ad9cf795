#!/usr/bin/env bash
# Scale-out benchmark: receive tier -> Kafka -> write tier -> sink, next to a single relay to the same sink, one run.
# A real Kafka 4.1 broker (one node, KRaft) from Maven Central (src/test/kafka-broker/pom.xml) in a child JVM.
#
#   bench/kafka.sh     about 3 minutes: 50 KB /ingest uploads, 16 connections, 10 s per row after a warm-up
#
# Pinning: wrk, the sink and the broker on CPU 0; the relays under test on CPU 1 (both tiers share it, as a single
# relay has one). CPU per request is each relay's user+system time divided by the requests of the row. The
# end-to-end time is from the first upload of a row to the moment the sink has received as many uploads as were
# acknowledged (so it includes the write tier catching up).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
DURATION=${BENCH_DURATION:-10}; CONNS=${BENCH_CONNECTIONS:-16}
S1=$(free_port); DIRECT=$(free_port); RECV=$(free_port); KP=$(free_port); KC=$(free_port)
# the sink counts requests in its access log
cat > "$TMP/sink.conf" <<CONF
worker_processes 1; pid $TMP/sink.pid; error_log $TMP/logs/sink.err warn;
events { worker_connections 4096; }
http { client_max_body_size 100m; client_body_buffer_size 2m; client_body_temp_path $TMP/sink-bodies;
  log_format n '\$request_uri'; access_log $TMP/logs/sink.log n;
  server { listen 127.0.0.1:$S1; location / { return 200; } } }
CONF
$CPU_LOAD nginx -p "$TMP" -c "$TMP/sink.conf"

# the broker
mvn -B -q -f src/test/kafka-broker/pom.xml dependency:build-classpath -Dmdep.outputFile="$TMP/broker.cp" >/dev/null
mkdir -p "$TMP/kafka"
cat > "$TMP/kafka/server.properties" <<CONF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KC
listeners=PLAINTEXT://127.0.0.1:$KP,CONTROLLER://127.0.0.1:$KC
advertised.listeners=PLAINTEXT://127.0.0.1:$KP
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$TMP/kafka/data
num.partitions=4
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
message.max.bytes=67108864
CONF
(cd "$TMP/kafka" && java -cp "$(cat "$TMP/broker.cp")" kafka.tools.StorageTool format -t MkU3OEVBNTcwNTJENDM2Qg \
  -c server.properties >/dev/null 2>&1)
(cd "$TMP/kafka" && exec $CPU_LOAD java -Xmx512m -cp "$(cat "$TMP/broker.cp")" kafka.Kafka server.properties \
  > "$TMP/logs/broker.log" 2>&1) &
PIDS+=($!)
for _ in $(seq 300); do (echo > /dev/tcp/127.0.0.1/$KP) 2>/dev/null && break; sleep 0.2; done

# relay_in DIR ROUTES: starts target/pyroscope-relay.jar in $TMP/DIR on CPU 1; its pid in LAST_PID
relay_in() {
  mkdir -p "$TMP/$1/routes"; printf '%s\n' "$2" > "$TMP/$1/routes/relay.yaml"
  (cd "$TMP/$1" && exec $CPU_RELAY java $JVM_OPTS -Dpyroscope.relay.reload-enabled=false -Dcamel.management.port="$(free_port)" \
     -jar "$OLDPWD/target/pyroscope-relay.jar" > "$TMP/logs/$1.log" 2>&1) &
  LAST_PID=$!; PIDS+=("$LAST_PID")
}
wait_port() { # wait_port PORT LOG
  for _ in $(seq 600); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return; sleep 0.1; done
  echo "nothing listens on $1 after 60 s; $2:" >&2; tail -30 "$TMP/logs/$2" >&2; exit 1
}
relay_in direct "$(receiver direct "$DIRECT" "http://127.0.0.1:$S1")"; DIRECT_PID=$LAST_PID
relay_in receive "- route:
    id: receive-tier
    from:
      uri: kamelet:pyroscope-receive
      parameters: {listenAddress: 127.0.0.1, listenPort: $RECV}
      steps:
        - to: {uri: kamelet:pyroscope-kafka-sink, parameters: {bootstrapServers: \"127.0.0.1:$KP\"}}"
RECV_PID=$LAST_PID
relay_in write "- route:
    id: write-tier
    from:
      uri: kamelet:pyroscope-kafka-source
      parameters: {bootstrapServers: \"127.0.0.1:$KP\", consumersCount: 4}
      steps:
        - to: {uri: kamelet:pyroscope-write, parameters: {name: a, url: \"http://127.0.0.1:$S1\"}}"
WRITE_PID=$LAST_PID
wait_port "$DIRECT" direct.log; wait_port "$RECV" receive.log
head -c 51200 /dev/urandom > "$TMP/body"

cpu() { awk '{print $14 + $15}' /proc/"$1"/stat; }
sink_count() { wc -l < "$TMP/logs/sink.log"; }
# row PORT -> "rps p50 p99 non2xx requests seconds_until_all_delivered"
row() {
  local out n start s0
  s0=$(sink_count); start=$(date +%s.%N)
  out=$(BODY_FILE="$TMP/body" $CPU_LOAD wrk -t2 -c"$CONNS" -d"$DURATION"s --latency -s bench/post.lua \
        "http://127.0.0.1:$1/ingest?name=bench.app")
  n=$(awk '/requests in/ {print $1}' <<<"$out")
  local ok=$((n - $(awk '/Non-2xx/ {print $5}' <<<"$out" | grep . || echo 0)))
  for _ in $(seq 600); do [ $(( $(sink_count) - s0 )) -ge "$ok" ] && break; sleep 0.1; done
  echo "$(awk '/Requests\/sec/ {print $2}' <<<"$out") $(to_ms "$(awk '$1=="50%" {print $2}' <<<"$out")") \
$(to_ms "$(awk '$1=="99%" {print $2}' <<<"$out")") $((n - ok)) $n $(awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN { printf "%.1f", a - b }')"
}
echo "warming up both setups (about 60 s) ..." >&2
for _ in 1 2 3; do row "$DIRECT" >/dev/null; row "$RECV" >/dev/null; done
[ -n "${BENCH_TRACE:-}" ] && { for _ in $(seq 10); do sink_count; sleep 1; done; } >&2

echo "pyroscope-relay scale-out benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, 50 KB, $CONNS connections, ${DURATION}s"
echo
printf '| %-40s | %9s | %8s | %8s | %7s | %18s | %13s |\n' setup req/s "p50 ms" "p99 ms" non-2xx "CPU ms/req" "all at sink s"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
b=$(cpu "$DIRECT_PID"); read -r rps p50 p99 bad n secs <<<"$(row "$DIRECT")"; a=$(cpu "$DIRECT_PID")
D_CPU=$(awk -v a="$a" -v b="$b" -v n="$n" -v k="$(getconf CLK_TCK)" 'BEGIN { printf "%.3f", (a-b)*1000/k/n }')
D_RPS=$rps
printf '| %-40s | %9s | %8s | %8s | %7s | %18s | %13s |\n' "one relay (direct)" "$rps" "$p50" "$p99" "$bad" "$D_CPU" "$secs"
rb=$(cpu "$RECV_PID"); wb=$(cpu "$WRITE_PID"); read -r rps p50 p99 bad n secs <<<"$(row "$RECV")"
ra=$(cpu "$RECV_PID"); wa=$(cpu "$WRITE_PID")
R_CPU=$(awk -v a="$ra" -v b="$rb" -v n="$n" -v k="$(getconf CLK_TCK)" 'BEGIN { printf "%.3f", (a-b)*1000/k/n }')
W_CPU=$(awk -v a="$wa" -v b="$wb" -v n="$n" -v k="$(getconf CLK_TCK)" 'BEGIN { printf "%.3f", (a-b)*1000/k/n }')
printf '| %-40s | %9s | %8s | %8s | %7s | %18s | %13s |\n' "receive tier -> Kafka -> write tier" "$rps" "$p50" "$p99" "$bad" \
  "$R_CPU + $W_CPU" "$secs"
echo
awk -v r="$rps" -v d="$D_RPS" -v rc="$R_CPU" -v wc="$W_CPU" -v dc="$D_CPU" 'BEGIN {
  printf "ratios: req/s two tiers / one relay %.2fx; CPU per request receive tier %.2fx, write tier %.2fx, both %.2fx of one relay\n",
    r / d, rc / dc, wc / dc, (rc + wc) / dc }'
echo
echo "write tier log (last lines):"; grep -v "^\s*at " "$TMP/logs/write.log" | tail -8
