#!/usr/bin/env bash
# One Tollgate build through the shared overhead harness plus JVM CPU per call (bench/overhead/README.md):
# starts the nginx fake upstream and `<jar> up --fresh --no-fleet` on the harness's tollgate-bench.yaml,
# runs 20 s at c=64 unmeasured (JIT), then ../shared/bench/gateway-overhead/run.sh with Tollgate as target,
# then cpu-per-call.sh at c=64 (30 s) and c=1 (20 s), and stops both.
#
#   bench/overhead/side-by-side.sh <tollgate.jar> <label> <out-dir> [targets]
#
# targets: all (default: direct, Portkey and Tollgate), tollgate (Tollgate only), none (CPU per call only).
# JOPTS overrides the JVM options (default: what ./tollgate up passes, -Xmx1g -XX:+UseZGC).
# To compare two commits, build each one's jar in its own clone (`mvn -B -q -DskipTests -pl cli -am package`
# leaves cli/target/tollgate.jar beside its lib/) and run this for each, alternating.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
jar=${1:?tollgate.jar to run}; label=${2:?label}; out=${3:?output directory}; targets=${4:-all}
harness=$root/../shared/bench/gateway-overhead
[ -x "$harness/run.sh" ] || { echo "no harness at $harness" >&2; exit 2; }
mkdir -p "$out"
. "$root/bin/find-jdk.sh"
tollgate_find_jdk >/dev/null 2>&1
data=$(mktemp -d /tmp/side-by-side.XXXXXX)
(cd "$harness" && ./upstream.sh start) > /dev/null
# shellcheck disable=SC2086
"$JAVA_HOME/bin/java" ${JOPTS:--Xmx1g -XX:+UseZGC} -jar "$jar" up --fresh --no-fleet --provider-port=18090 \
    --config="$harness/tollgate-bench.yaml" --data-dir "$data" > "$out/stack-$label.log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do grep -q "Ready" "$out/stack-$label.log" && break; sleep 1; done
grep -q "Ready" "$out/stack-$label.log" || { echo "stack not ready; see $out/stack-$label.log" >&2; kill -TERM $pid; exit 1; }
PID=$pid "$here/cpu-per-call.sh" 64 20s > "$out/warm-$label.txt" 2>&1
case "$targets" in
  all) skip=() ;;
  tollgate) skip=(SKIP_DIRECT=1 SKIP_PORTKEY=1) ;;
  none) skip=(none) ;;
  *) echo "targets must be all, tollgate or none; got '$targets'" >&2; kill -TERM $pid; exit 2 ;;
esac
if [ "${skip[0]:-}" != none ]; then
  (cd "$harness" && env "${skip[@]}" TARGET_URL=http://127.0.0.1:8080/v1/chat/completions TARGET_NAME=tollgate \
      TARGET_HEADERS='Authorization: Bearer sk-bench-000000000000000000000000' ./run.sh) > "$out/harness-$label.txt" 2>&1
fi
PID=$pid "$here/cpu-per-call.sh" 64 30s > "$out/cpu64-$label.txt" 2>&1
PID=$pid "$here/cpu-per-call.sh" 1 20s > "$out/cpu1-$label.txt" 2>&1
kill -TERM $pid
wait $pid 2>/dev/null
(cd "$harness" && ./upstream.sh stop) > /dev/null
rm -rf "$data"
echo "$label: $out/{harness,cpu64,cpu1}-$label.txt"
