#!/usr/bin/env bash
# Throughput benchmark: pyroscope-relay against nginx as a 1-destination proxy and as a 2-destination
# wait-for-both fan-out (Lua capture_multi), with wrk, on loopback.
#
#   bench/run.sh            full run: 50 KB (16 connections) and 1 MB (64 connections), 3 repetitions, 10 s each
#   bench/run.sh --quick    about 2 min: 50 KB only, 1 repetition, 5 s each, shorter warm-up
#   BENCH_SIZES=1m bench/run.sh   the 1 MB rows only
#
# Pinning (2 cores): wrk and the sinks on CPU 0, the relay under test on CPU 1. Each setup is warmed up first:
# until two 5 s runs in a row improve by less than 5 % (the JVM compiles its hot paths on the one CPU it has;
# that takes about a minute), at most WARM_MAX seconds.
# Reports requests/s, p50/p99 latency, non-2xx count, CPU time per request and peak RSS of the relay under test,
# medians over the repetitions, and the relay/nginx ratios. Compare rows of one run only: the machine is shared.
set -euo pipefail
cd "$(dirname "$0")/.."
QUICK=0
[ "${1:-}" = "--quick" ] && QUICK=1
if [ $QUICK = 1 ]; then DURATION=5; REPS=1; SIZES="50k"; WARM_MAX=30; else DURATION=10; REPS=3; SIZES="50k 1m"; WARM_MAX=120; fi
SIZES=${BENCH_SIZES:-$SIZES} # e.g. BENCH_SIZES=1m bench/run.sh

. bench/common.sh
S1=$(free_port); S2=$(free_port); N1=$(free_port); N2=$(free_port); J1=$(free_port); J2=$(free_port); J3=$(free_port); MG=$(free_port)

sink_conf sink "$S1" "$S2"
cat > "$TMP/nginx-relay.conf" <<CONF
load_module /usr/lib/nginx/modules/ndk_http_module.so;
load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;
worker_processes 1;
pid $TMP/relay.pid;
error_log $TMP/logs/relay.err warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_max_body_size 20m;
  client_body_buffer_size 2m;
  proxy_http_version 1.1;
  proxy_set_header Connection "";
  upstream s1 { server 127.0.0.1:$S1; keepalive 128; }
  upstream s2 { server 127.0.0.1:$S2; keepalive 128; }
  server { listen 127.0.0.1:$N1; location / { proxy_pass http://s1; } }
  server {
    listen 127.0.0.1:$N2;
    location = /ingest {
      content_by_lua_block {
        ngx.req.read_body()
        local body = ngx.req.get_body_data()
        local opts = { method = ngx.HTTP_POST, body = body, args = ngx.var.args }
        local a, b = ngx.location.capture_multi({ { "/a/ingest", opts }, { "/b/ingest", opts } })
        if a.status == 200 and b.status == 200 then ngx.exit(200) else ngx.exit(502) end
      }
    }
    location /a/ { internal; proxy_pass http://s1/; }
    location /b/ { internal; proxy_pass http://s2/; }
  }
}
CONF
$CPU_LOAD nginx -p "$TMP" -c "$TMP/sink.conf"
$CPU_RELAY nginx -p "$TMP" -c "$TMP/nginx-relay.conf"

mkdir -p "$TMP/relay/routes"
receiver one "$J1" "http://127.0.0.1:$S1" > "$TMP/relay/routes/bench.yaml"
cat >> "$TMP/relay/routes/bench.yaml" <<YAML
- route:
    id: two
    from:
      uri: kamelet:pyroscope-receive
      parameters:
        listenAddress: 127.0.0.1
        listenPort: $J2
      steps:
        - multicast:
            parallelProcessing: true
            steps:
              - to:
                  uri: kamelet:pyroscope-write
                  parameters:
                    name: a
                    url: http://127.0.0.1:$S1
              - to:
                  uri: kamelet:pyroscope-write
                  parameters:
                    name: b
                    url: http://127.0.0.1:$S2
- route:
    id: relabeled
    from:
      uri: kamelet:pyroscope-receive
      parameters:
        listenAddress: 127.0.0.1
        listenPort: $J3
      steps:
        - to:
            uri: kamelet:pyroscope-relabel
            parameters:
              rules: "[{source_labels: [service_name], regex: 'noisy-.*', action: drop}, {regex: env, replacement: environment, action: labelmap}, {regex: env, action: labeldrop}, {source_labels: [service_name], target_label: __sample, modulus: 4, action: hashmod}, {source_labels: [service_name], target_label: service_lower, action: lowercase}]"
        - multicast:
            parallelProcessing: true
            steps:
              - to:
                  uri: kamelet:pyroscope-write
                  parameters:
                    name: c
                    url: http://127.0.0.1:$S1
              - to:
                  uri: kamelet:pyroscope-write
                  parameters:
                    name: d
                    url: http://127.0.0.1:$S2
YAML
start_relay "$J2" -Dcamel.management.port=$MG

nginx_pids() { local m; m=$(cat "$TMP/relay.pid"); echo "$m $(pgrep -P "$m" | tr '\n' ' ')"; }
cpu_ticks() { local t=0; for p in $1; do t=$((t + $(awk '{print $14 + $15}' /proc/$p/stat))); done; echo $t; }
peak_rss_mb() { local k=0; for p in $1; do k=$((k + $(awk '/VmHWM/ {print $2}' /proc/$p/status))); done; echo $((k / 1024)); }
CLK=$(getconf CLK_TCK)
QUERY="/ingest?name=bench.app%7Benv%3Dbench%7D&from=1&until=2"

# run_wrk PORT CONNS -> "rps p50ms p99ms non2xx requests"
run_wrk() {
  local out
  out=$(BODY_FILE="$BODY" $CPU_LOAD wrk -t2 -c"$2" -d"${3:-$DURATION}"s --latency -s bench/post.lua "http://127.0.0.1:$1$QUERY")
  local rps p50 p99 bad reqs
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  bad=$(awk '/Non-2xx/ {print $5}' <<<"$out"); bad=${bad:-0}
  local errs; errs=$(awk '/Socket errors/ {gsub(",",""); print $4+$6+$8+$10}' <<<"$out"); bad=$((bad + ${errs:-0}))
  reqs=$(awk '/requests in/ {print $1}' <<<"$out")
  echo "$rps $(to_ms "$p50") $(to_ms "$p99") $bad $reqs"
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# measure NAME PORT CONNS PIDS
declare -A RPS CPU P99
measure() {
  local name=$1 port=$2 conns=$3 pids=$4
  local prev=0 steady=0 waited=0 rps
  while [ $waited -lt "$WARM_MAX" ] && [ $steady -lt 2 ]; do # warm-up until stable
    rps=$(run_wrk "$port" "$conns" 5 | awk '{print int($1)}')
    waited=$((waited + 5))
    if [ "$rps" -le $((prev + prev / 20)) ]; then steady=$((steady + 1)); else steady=0; fi
    [ "$rps" -gt "$prev" ] && prev=$rps
  done
  local r=() a=() b=() c=() d=()
  for _ in $(seq $REPS); do
    local before after res
    before=$([ -n "$pids" ] && cpu_ticks "$pids" || echo 0)
    res=$(run_wrk "$port" "$conns")
    after=$([ -n "$pids" ] && cpu_ticks "$pids" || echo 0)
    read -r rps p50 p99 bad reqs <<<"$res"
    r+=("$rps"); a+=("$p50"); b+=("$p99"); c+=("$bad")
    d+=("$(awk -v t=$((after - before)) -v k="$CLK" -v n="$reqs" 'BEGIN { if (n > 0) printf "%.3f", t * 1000 / k / n; else print 0 }')")
  done
  local mr mp50 mp99 mbad mcpu rss
  mr=$(median "${r[@]}"); mp50=$(median "${a[@]}"); mp99=$(median "${b[@]}"); mbad=$(median "${c[@]}"); mcpu=$(median "${d[@]}")
  rss=$([ -n "$pids" ] && peak_rss_mb "$pids" || echo "-")
  RPS[$name]=$mr; CPU[$name]=$mcpu; P99[$name]=$mp99
  printf '| %-30s | %9.0f | %8.2f | %8.2f | %7s | %11s | %8s |\n' "$name" "$mr" "$mp50" "$mp99" "$mbad" \
    "$([ -n "$pids" ] && echo "$mcpu" || echo "-")" "$rss"
}

echo "pyroscope-relay benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, ${DURATION}s x $REPS runs, median"
for size in $SIZES; do
  BODY="$TMP/body-$size"
  case $size in 50k) head -c 51200 /dev/urandom > "$BODY"; CONNS=16 ;; 1m) head -c 1048576 /dev/urandom > "$BODY"; CONNS=64 ;; esac
  echo
  echo "### body $size, $CONNS connections"
  echo
  echo "| setup                          | req/s     | p50 ms   | p99 ms   | non-2xx | CPU ms/req  | peak RSS MB |"
  echo "| ---                            | ---:      | ---:     | ---:     | ---:    | ---:        | ---:        |"
  measure "direct to sink (the limit)" "$S1" "$CONNS" ""
  measure "nginx, 1 destination" "$N1" "$CONNS" "$(nginx_pids)"
  measure "pyroscope-relay, 1 destination" "$J1" "$CONNS" "$JAVA_PID"
  measure "nginx, 2 destinations" "$N2" "$CONNS" "$(nginx_pids)"
  measure "pyroscope-relay, 2 destinations" "$J2" "$CONNS" "$JAVA_PID"
  measure "relay, 2 dest. + 5 relabel rules" "$J3" "$CONNS" "$JAVA_PID"
  echo
  awk -v r1="${RPS[pyroscope-relay, 1 destination]}" -v n1="${RPS[nginx, 1 destination]}" \
      -v r2="${RPS[pyroscope-relay, 2 destinations]}" -v n2="${RPS[nginx, 2 destinations]}" \
      -v c2="${CPU[pyroscope-relay, 2 destinations]}" -v m2="${CPU[nginx, 2 destinations]}" \
      -v p1="${P99[pyroscope-relay, 1 destination]}" -v pd="${P99[direct to sink (the limit)]}" \
      -v c3="${CPU[relay, 2 dest. + 5 relabel rules]}" \
      'BEGIN { printf "ratios: relay/nginx req/s 1 destination %.2fx, 2 destinations %.2fx; CPU per request (2 destinations) %.2fx; p99 added over direct (1 destination) %.2f ms; CPU with 5 relabel rules / without %.2fx\n", r1/n1, r2/n2, (m2 > 0 ? c2/m2 : 0), p1 - pd, (c2 > 0 ? c3/c2 : 0) }'
done
relay_failures
