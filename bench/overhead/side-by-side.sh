#!/usr/bin/env bash
# One Tollgate build through the shared overhead harness plus JVM CPU per call (bench/overhead/README.md):
# starts the nginx fake upstream and `<jar> up --fresh --no-fleet` on the harness's tollgate-bench.yaml,
# runs 20 s at c=64 unmeasured (JIT), then ../shared/bench/gateway-overhead/run.sh with Tollgate as target,
# then cpu-per-call.sh at c=64 (30 s) and c=1 (20 s), each counted until metering has caught up (SETTLE_DIR), and stops both.
#
#   bench/overhead/side-by-side.sh <tollgate.jar> <label> <out-dir> [targets]
#
# targets: all (default: direct, Portkey and Tollgate), direct (direct and Tollgate: overhead without Portkey),
# tollgate (Tollgate only), none (CPU per call only). CONCURRENCIES etc. pass through to run.sh.
# JOPTS overrides the JVM options (default: what ./tollgate up passes, -Xmx1g -XX:+UseZGC); HARNESS the harness
# directory (default ../shared/bench/gateway-overhead beside the checkout, which a git worktree may not have).
# Each output file starts with the load averages when its point began: the machine may be shared.
# To compare two commits, build each one's jar in its own clone (`mvn -B -q -DskipTests -pl cli -am package`
# leaves cli/target/tollgate.jar beside its lib/) and run this for each, alternating.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
jar=${1:?tollgate.jar to run}; label=${2:?label}; out=${3:?output directory}; targets=${4:-all}
harness=${HARNESS:-$root/../shared/bench/gateway-overhead}
export LUA=${LUA:-$harness/chat.lua}
load() { echo "# load average $(cut -d" " -f1-3 /proc/loadavg) at $(date -u +%T)"; }
[ -x "$harness/run.sh" ] || { echo "no harness at $harness" >&2; exit 2; }
mkdir -p "$out"
. "$root/bin/find-jdk.sh"
tollgate_find_jdk >/dev/null 2>&1
# another stack on the ports would be measured instead of this one: wait for it to go rather than collide
busy() { ss -ltn | awk '{print $4}' | grep -Eq '[:.](8080|18090|9092)$'; }
if busy; then echo "port 8080, 18090 or 9092 is in use (another stack?): try again later" >&2; exit 3; fi
data=$(mktemp -d /tmp/side-by-side.XXXXXX)
# an nginx upstream already running is someone else's: use it and leave it running
own_upstream=0
curl -s -o /dev/null --max-time 2 http://127.0.0.1:18080/ || { (cd "$harness" && ./upstream.sh start) > /dev/null; own_upstream=1; }
# shellcheck disable=SC2086
"$JAVA_HOME/bin/java" ${JOPTS:--Xmx1g -XX:+UseZGC} -jar "$jar" up --fresh --no-fleet --provider-port=18090 \
    --config="$harness/tollgate-bench.yaml" --data-dir "$data" > "$out/stack-$label.log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do grep -q "Ready" "$out/stack-$label.log" && break; sleep 1; done
grep -q "Ready" "$out/stack-$label.log" || { echo "stack not ready; see $out/stack-$label.log" >&2; kill -TERM $pid; exit 1; }
PID=$pid "$here/cpu-per-call.sh" 64 20s > "$out/warm-$label.txt" 2>&1
case "$targets" in
  all) skip=() ;;
  direct) skip=(SKIP_PORTKEY=1) ;;
  tollgate) skip=(SKIP_DIRECT=1 SKIP_PORTKEY=1) ;;
  none) skip=(none) ;;
  *) echo "targets must be all, direct, tollgate or none; got '$targets'" >&2; kill -TERM $pid; exit 2 ;;
esac
if [ "${skip[0]:-}" != none ]; then
  load > "$out/harness-$label.txt"
  (cd "$harness" && env "${skip[@]}" TARGET_URL=http://127.0.0.1:8080/v1/chat/completions TARGET_NAME=tollgate \
      TARGET_HEADERS='Authorization: Bearer sk-bench-000000000000000000000000' ./run.sh) >> "$out/harness-$label.txt" 2>&1
fi
{ load; PID=$pid SETTLE_DIR="$data" "$here/cpu-per-call.sh" 64 30s; } > "$out/cpu64-$label.txt" 2>&1
{ load; PID=$pid SETTLE_DIR="$data" "$here/cpu-per-call.sh" 1 20s; } > "$out/cpu1-$label.txt" 2>&1
kill -TERM $pid
wait $pid 2>/dev/null
[ "$own_upstream" = 0 ] || (cd "$harness" && ./upstream.sh stop) > /dev/null
rm -rf "$data"
echo "$label: $out/{harness,cpu64,cpu1}-$label.txt"
