#!/usr/bin/env bash
# Where the relay's CPU goes at steady state: async-profiler (from Maven Central) on the relay under wrk load,
# plus the user/system CPU split and syscalls per request, next to nginx doing the same job.
#
#   bench/profile.sh [1|2]     destinations (default 2); about 3 minutes
#   PROFILE_BODY_KB=1024 PROFILE_CONNECTIONS=64 bench/profile.sh 1     the 1 MB rows of run.sh
#
# Same pinning as run.sh: wrk and the sinks on CPU 0, the relay (or nginx) on CPU 1. Prints a summary; the collapsed
# stacks (open with any flame graph tool) stay in bench/profile-out/.
set -euo pipefail
cd "$(dirname "$0")/.."
DESTS=${1:-2}
OUT=bench/profile-out; mkdir -p "$OUT"
. bench/common.sh
AP=$OUT/async-profiler
if [ ! -f "$AP/linux-x64/libasyncProfiler.so" ]; then
  mvn -B -q dependency:copy -Dartifact=tools.profiler:async-profiler:4.1 -DoutputDirectory="$OUT" >/dev/null
  mkdir -p "$AP" && (cd "$AP" && unzip -q -o ../async-profiler-4.1.jar)
fi
S1=$(free_port); S2=$(free_port); N=$(free_port); J=$(free_port); MG=$(free_port)
mkdir -p "$TMP/relay/routes"
sink_conf sink "$S1" "$S2"
if [ "$DESTS" = 1 ]; then
  NGINX_LOC="location / { proxy_pass http://s1; }"
  STEPS="- to: { uri: kamelet:pyroscope-write, parameters: { name: a, url: \"http://127.0.0.1:$S1\" } }"
else
  NGINX_LOC='location = /ingest { content_by_lua_block {
        ngx.req.read_body()
        local opts = { method = ngx.HTTP_POST, body = ngx.req.get_body_data(), args = ngx.var.args }
        local a, b = ngx.location.capture_multi({ { "/a/ingest", opts }, { "/b/ingest", opts } })
        if a.status == 200 and b.status == 200 then ngx.exit(200) else ngx.exit(502) end } }
    location /a/ { internal; proxy_pass http://s1/; }
    location /b/ { internal; proxy_pass http://s2/; }'
  STEPS="- multicast:
            parallelProcessing: true
            steps:
              - to: { uri: kamelet:pyroscope-write, parameters: { name: a, url: \"http://127.0.0.1:$S1\" } }
              - to: { uri: kamelet:pyroscope-write, parameters: { name: b, url: \"http://127.0.0.1:$S2\" } }"
fi
cat > "$TMP/relay.conf" <<CONF
load_module /usr/lib/nginx/modules/ndk_http_module.so;
load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;
worker_processes 1; pid $TMP/relay.pid; error_log $TMP/logs/relay.err warn;
events { worker_connections 4096; }
http { access_log off; client_max_body_size 20m; client_body_buffer_size 2m;
  proxy_http_version 1.1; proxy_set_header Connection "";
  upstream s1 { server 127.0.0.1:$S1; keepalive 128; }
  upstream s2 { server 127.0.0.1:$S2; keepalive 128; }
  server { listen 127.0.0.1:$N; $NGINX_LOC } }
CONF
cat > "$TMP/relay/routes/bench.yaml" <<YAML
- route:
    id: profiled
    from:
      uri: kamelet:pyroscope-receive
      parameters: { listenAddress: 127.0.0.1, listenPort: $J }
      steps:
        $STEPS
YAML
$CPU_LOAD nginx -p "$TMP" -c "$TMP/sink.conf"
$CPU_RELAY nginx -p "$TMP" -c "$TMP/relay.conf"
PROF="-agentpath:$PWD/$AP/linux-x64/libasyncProfiler.so=start,event=cpu,interval=1ms,loop=20s,collapsed,file=$PWD/$OUT/relay-$DESTS-%n{5}.collapsed"
(cd "$TMP/relay" && exec $CPU_RELAY java $JVM_OPTS $PROF -Dcamel.management.port=$MG -Dpyroscope.relay.reload-enabled=false \
   -jar "$OLDPWD/target/pyroscope-relay.jar" > "$TMP/logs/relay.log" 2>&1) &
JAVA_PID=$!; PIDS+=("$JAVA_PID")
for _ in $(seq 300); do curl -s -o /dev/null "http://127.0.0.1:$J/" && break; sleep 0.1; done
BODY_KB=${PROFILE_BODY_KB:-50}; CONNS=${PROFILE_CONNECTIONS:-16}
head -c $((BODY_KB * 1024)) /dev/urandom > "$TMP/body"
Q="/ingest?name=bench.app%7Benv%3Dbench%7D&from=1&until=2"
load() { BODY_FILE="$TMP/body" $CPU_LOAD wrk -t2 -c"$CONNS" -d"$2"s -s bench/post.lua "http://127.0.0.1:$1$Q"; }
split() { # PID PORT -> "rps user_ms sys_ms writes" per request
  local b a out n
  b=$(awk '{print $14, $15}' /proc/$1/stat; awk '/syscw/ {print $2}' /proc/$1/io)
  out=$(load "$2" 10); n=$(awk '/requests in/ {print $1}' <<<"$out")
  a=$(awk '{print $14, $15}' /proc/$1/stat; awk '/syscw/ {print $2}' /proc/$1/io)
  echo $b $a | awk -v n="$n" -v k="$(getconf CLK_TCK)" -v r="$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
    '{ printf "%8.0f req/s  user %.3f ms  system %.3f ms  write syscalls %.1f  per request\n", r, ($4-$1)*1000/k/n, ($5-$2)*1000/k/n, ($6-$3)/n }'
}
echo "warming the relay up (100 s, the profiler records in 20 s windows) ..." >&2
load "$J" 100 >/dev/null
echo "$DESTS destination(s), $BODY_KB KB, $CONNS connections, one CPU each:"
echo "  relay: $(split "$JAVA_PID" "$J")"
NGINX_WORKER=$(pgrep -P "$(cat "$TMP/relay.pid")")
load "$N" 10 >/dev/null
echo "  nginx: $(split "$NGINX_WORKER" "$N")"
LAST=$(ls -t "$OUT"/relay-"$DESTS"-*.collapsed | sed -n 2p) # the last complete window under load
echo
echo "relay CPU by where the sample's leaf is ($LAST):"
python3 - "$LAST" <<'PY'
import collections, sys
total = 0; by = collections.Counter()
for line in open(sys.argv[1]):
    stack, n = line.rsplit(' ', 1); n = int(n); total += n
    frames = stack.split(';'); leaf = frames[-1]
    if leaf.endswith('_[k]'):
        java = [f for f in frames if '/' in f and not f.endswith('_[k]')]
        if any('SocketChannelImpl' in f or 'SocketDispatcher' in f for f in java):
            k = 'kernel, socket reads and writes'  # SocketDispatcher.writev goes through FileDispatcherImpl
        else:
            k = 'kernel, syscall from ' + (java[-1].split('.')[0].rsplit('/', 1)[-1] if java else '-')
    elif 'org/apache/camel' in leaf: k = 'Camel'
    elif 'io/vertx' in leaf: k = 'Vert.x'
    elif 'io/netty' in leaf: k = 'Netty'
    elif 'dev/pyroscoperelay' in leaf: k = 'pyroscope-relay'
    elif '/' in leaf: k = 'JDK ' + '/'.join(leaf.split('/')[:2])
    elif 'arraycopy' in leaf or 'memmove' in leaf or 'memset' in leaf or 'memcpy' in leaf: k = 'memory copies'
    elif any(s in leaf for s in ('GC', 'Serial', 'DefNew', 'oop', 'Weak', 'Space', 'Card', 'Generation')): k = 'JVM garbage collector'
    elif any(s in leaf for s in ('Compile', 'C2', 'Phase', 'Node', 'Parse', 'Matcher')): k = 'JVM JIT compiler'
    else: k = 'other native'
    by[k] += n
for k, n in by.most_common(14):
    print(f'  {100 * n / total:5.1f} %  {k}')
PY
