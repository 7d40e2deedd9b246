#!/usr/bin/env bash
# Time from `tollgate up` to ready, and steady-state CPU and RSS of the whole stack (one JVM).
#   cli/src/bench/up-bench.sh [runs] [agents] [seconds]     (SKIP_STEADY=1: ready times only)
# Needs cli/target/tollgate.jar (mvn -o -q -pl cli package -DskipTests). Uses ports 19092.. so it
# does not collide with a stack on the default ports. Writes logs under /tmp/tollgate-up-bench.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
. "$here/bin/find-jdk.sh"; tollgate_find_jdk >/dev/null
runs="${1:-3}"; agents="${2:-20}"; seconds="${3:-30}"
work=/tmp/tollgate-up-bench; rm -rf "$work"; mkdir -p "$work"
ports=(--kafka-port 19092 --registry-port 18181 --provider-port 18180 --gateway-port 18088 --admin-port 18090 --metering-port 18082 --budget-port 18083)
hz=$(getconf CLK_TCK)

start_stack() { # $1 log, rest: options; prints pid
  local log="$1"; shift
  "$JAVA_HOME/bin/java" -Xmx1g -jar "$here/cli/target/tollgate.jar" up --config "$here/tollgate.yaml" \
      --data-dir "$work/data" "${ports[@]}" "$@" >"$log" 2>&1 &
  echo $!
}

wait_ready() { # $1 log $2 pid; prints ms from launch (caller's clock) to the ready line
  local log="$1" pid="$2" t0="$3"
  until grep -q "Ready .* ms after the JVM started" "$log"; do
    kill -0 "$pid" 2>/dev/null || { echo "stack died, see $log" >&2; exit 1; }
    sleep 0.05
  done
  echo $(( $(date +%s%3N) - t0 ))
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# SIGTERM runs the same shutdown hook as Ctrl-C (background jobs of a script ignore SIGINT)
stop() { kill -TERM "$1"; while kill -0 "$1" 2>/dev/null; do sleep 0.2; done; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
for fresh in --fresh ""; do
  for i in $(seq 1 "$runs"); do
    t0=$(date +%s%3N)
    pid=$(start_stack "$work/ready-$i${fresh}.log" --no-fleet $fresh)
    ms=$(wait_ready "$work/ready-$i${fresh}.log" "$pid" "$t0")
    jvm=$(grep -o "Ready [0-9]* ms" "$work/ready-$i${fresh}.log" | grep -o "[0-9]*")
    echo "ready ${fresh:-reused-data} run $i: ${ms} ms from launch (JVM-reported ${jvm} ms)"
    stop "$pid"
  done
done

measure() { # $1 label, rest: options
  local label="$1"; shift
  local log="$work/steady-$label.log"
  t0=$(date +%s%3N)
  pid=$(start_stack "$log" --fresh "$@")
  wait_ready "$log" "$pid" "$t0" >/dev/null
  sleep "$seconds"                              # warm-up
  c0=$(cpu_ticks "$pid"); w0=$(date +%s%3N)
  sleep "$seconds"
  c1=$(cpu_ticks "$pid"); w1=$(date +%s%3N)
  rss=$(awk '/VmRSS/{print $2}' "/proc/$pid/status")
  cores=$(awk -v c=$((c1 - c0)) -v hz="$hz" -v ms=$((w1 - w0)) 'BEGIN{printf "%.3f", c / hz / (ms / 1000)}')
  echo "steady $label: CPU ${cores} cores (of $(nproc)) over ${seconds} s after ${seconds} s warm-up, RSS $((rss / 1024)) MiB"
  stop "$pid"
  grep -A16 "^Summary" "$log" | sed 's/^/    /' || true
}
[ "${SKIP_STEADY:-0}" = 1 ] && exit 0
measure idle --no-fleet
measure "agents-$agents" --agents "$agents" --rate 10
