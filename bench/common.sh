# Shared by bench/run.sh and bench/profile.sh (sourced from the project root): tools, pinning, a scratch folder that
# is cleaned up with everything started in it, free ports.
need() { command -v "$1" >/dev/null 2>&1; }
if ! need wrk || ! need nginx || [ ! -f /usr/lib/nginx/modules/ngx_http_lua_module.so ] || ! need taskset; then
  echo "installing wrk, nginx and its Lua module from Debian ..." >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light libnginx-mod-http-lua util-linux >/dev/null
fi
[ -f target/pyroscope-relay.jar ] || mvn -B -q package -DskipTests

CPU_LOAD="taskset -c 0"
CPU_RELAY="taskset -c 1"
[ "$(nproc)" -ge 2 ] || { CPU_LOAD=""; CPU_RELAY=""; echo "one CPU: no pinning" >&2; }
TMP=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do kill "$p" 2>/dev/null || true; done
  for c in "$TMP"/*.conf; do [ -f "$c" ] && nginx -p "$TMP" -c "$c" -s stop 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
mkdir -p "$TMP/logs"
# the README's run command
JVM_OPTS=${JVM_OPTS:-"-XX:SharedArchiveFile=$PWD/target/pyroscope-relay.jsa -XX:+UseSerialGC -XX:MaxRAM=512m -Xmn16m -Xss512k -XX:+ExitOnOutOfMemoryError"}

to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub("us","",v); print v/1000 } else if (v ~ /ms$/) { sub("ms","",v); print v } else if (v ~ /s$/) { sub("s","",v); print v*1000 } else print v }'; }

# start_relay PORT [JAVA_OPTION...]: runs target/pyroscope-relay.jar in $TMP/relay (routes/ written by the caller) on
# CPU 1 with the README's JVM options, sets JAVA_PID, and waits until PORT answers
start_relay() {
  local port=$1; shift
  (cd "$TMP/relay" && exec $CPU_RELAY java $JVM_OPTS -Dpyroscope.relay.reload-enabled=false "$@" \
     -jar "$OLDPWD/target/pyroscope-relay.jar" > "$TMP/logs/relay.log" 2>&1) &
  JAVA_PID=$!
  PIDS+=("$JAVA_PID")
  for _ in $(seq 300); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
}

# the first failures the relay logged
relay_failures() {
  echo "relay forward failures logged: $(grep -c "forward failed" "$TMP/logs/relay.log" || true)"
  grep "forward failed" "$TMP/logs/relay.log" | head -5 || true
}

# sink_conf NAME PORT...: an nginx config in $TMP/NAME.conf that answers 200 on each port (the destinations)
sink_conf() {
  local name=$1; shift
  {
    echo "worker_processes 1; pid $TMP/$name.pid; error_log $TMP/logs/$name.err warn;"
    echo "events { worker_connections 4096; }"
    echo "http { access_log off; client_max_body_size 100m; client_body_buffer_size 2m;"
    echo "  client_body_temp_path $TMP/$name-bodies;"
    for port in "$@"; do echo "  server { listen 127.0.0.1:$port; location / { return 200; } }"; done
    echo "}"
  } > "$TMP/$name.conf"
}

# receiver ID PORT URL [bufferPath]: route YAML for one receiver on PORT with one writer (named ID) to URL
receiver() { # receiver ID PORT URL [bufferPath]
  cat <<YAML
- route:
    id: $1
    from:
      uri: kamelet:pyroscope-receive
      parameters: {listenAddress: 127.0.0.1, listenPort: $2}
      steps:
        - to:
            uri: kamelet:pyroscope-write
            parameters:
              name: $1
              url: $3
${4:+              bufferPath: $4}
YAML
}
