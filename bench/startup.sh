#!/usr/bin/env bash
# Start-up and footprint of the relay, as the README's run command starts it.
#   bench/startup.sh [runs] ["JVM options" ...]
# For each JVM option set (default: the sets below): time from process start to the first 200 on /ingest, and RSS after
# 1,000 uploads of 50 KB. Prints a table; numbers vary with the machine, compare rows of one run.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
shift || true
JAR=target/pyroscope-relay.jar
[ -f "$JAR" ] || mvn -B -q package -DskipTests
command -v python3 >/dev/null || { echo "needs python3" >&2; exit 1; }

SINK_PORT=${SINK_PORT:-14040}
RELAY_PORT=${RELAY_PORT:-19999}
MGMT_PORT=${MGMT_PORT:-19095}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/routes"
cat > "$work/routes/relay.yaml" <<YAML
- route:
    id: receive
    from:
      uri: kamelet:pyroscope-receive
      parameters:
        listenAddress: 127.0.0.1
        listenPort: $RELAY_PORT
      steps:
        - to:
            uri: kamelet:pyroscope-write
            parameters:
              url: http://127.0.0.1:$SINK_PORT
YAML
python3 bench/sink.py "$SINK_PORT" &
head -c 51200 /dev/urandom > "$work/body"

measure() { # $@ = JVM options
  local start pid ms rss
  start=$(date +%s%N)
  (cd "$work" && exec java $(echo "$@" | sed "s|target/|$OLDPWD/target/|g") -Dcamel.management.port=$MGMT_PORT -Dpyroscope.relay.reload-enabled=false \
      -jar "$OLDPWD/$JAR" > "$work/relay.log" 2>&1) &
  pid=$!
  until curl -s -o /dev/null -w '%{http_code}' --data-binary @"$work/body" \
      "http://127.0.0.1:$RELAY_PORT/ingest?name=bench.app&from=1&until=2" 2>/dev/null | grep -q 200; do
    sleep 0.02
    kill -0 $pid 2>/dev/null || { cat "$work/relay.log" >&2; exit 1; }
  done
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  python3 - "$RELAY_PORT" "$work/body" <<'PY'
import http.client, sys
body = open(sys.argv[2], 'rb').read()
c = http.client.HTTPConnection('127.0.0.1', int(sys.argv[1]))
for i in range(1000):
    c.request('POST', '/ingest?name=bench.app&from=%d&until=%d' % (i, i + 1), body)
    r = c.getresponse(); r.read()
    assert r.status == 200, r.status
PY
  rss=$(awk '/VmRSS/ {print int($2/1024)}' /proc/$pid/status)
  kill $pid; wait $pid 2>/dev/null || true
  echo "$ms $rss"
}

printf '%-70s %14s %12s\n' "JVM options" "first 200 ms" "RSS MB"
CDS="-XX:SharedArchiveFile=target/pyroscope-relay.jsa"
SIDECAR="-XX:+UseSerialGC -XX:MaxRAM=512m -Xmn16m -Xss512k"
if [ $# -eq 0 ]; then
  set -- "" "$SIDECAR" "$CDS $SIDECAR" "$CDS $SIDECAR -XX:TieredStopAtLevel=1"
fi
for opts in "$@"; do
  starts=(); rsss=()
  for _ in $(seq "$RUNS"); do
    read -r ms rss < <(measure $opts)
    starts+=("$ms"); rsss+=("$rss")
  done
  med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
  printf '%-70s %14s %12s\n' "${opts:-(JVM defaults)}" "$(med "${starts[@]}")" "$(med "${rsss[@]}")"
done
