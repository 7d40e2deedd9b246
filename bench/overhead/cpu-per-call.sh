#!/usr/bin/env bash
# JVM CPU per call by thread group (bench/overhead/README.md): runs wrk against a gateway for one point
# (concurrency, duration) and reads every thread's CPU time from `jcmd <pid> Thread.print` (cpu=...ms)
# before and after. Prints req/s and, per thread group, CPU µs per answered call; the whole JVM's CPU per call
# comes from /proc/<pid>/stat over the same interval.
#
#   PID=<jvm pid> bench/overhead/cpu-per-call.sh [concurrency=64] [duration=30s]
#
# URL (default http://127.0.0.1:8080/v1/chat/completions), KEY (default the bench key of
# ../shared/bench/gateway-overhead/tollgate-bench.yaml) and LUA (default that harness's chat.lua) may be set.
#
# SETTLE_DIR=<the stack's --data-dir> also counts the work metering does after wrk ends: metering may fall
# behind under load, and its backlog is part of the calls' cost. The script then waits until metering-stream's
# day total of requests for KEY_ID (default k-bench) equals the gateway's served count (admin /metrics), before the point (so an earlier point's
# backlog is not counted as this one's) and after it, takes the
# thread and process CPU at that moment, and reports the backlog at wrk's end and the time to count it. The
# per-group table is then up to that moment, per served call; the whole-JVM line subtracts the JVM's idle CPU
# (measured for 5 s before wrk) over the settle time. ADMIN_URL (http://127.0.0.1:8090) and METERING_URL
# (http://127.0.0.1:8082) name the listeners; the tokens are read from SETTLE_DIR.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
: "${PID:?set PID to the JVM to measure (the tollgate up process)}"
c=${1:-64}
duration=${2:-30s}
url=${URL:-http://127.0.0.1:8080/v1/chat/completions}
key=${KEY:-sk-bench-000000000000000000000000}
lua=${LUA:-$root/../shared/bench/gateway-overhead/chat.lua}
[ -r "$lua" ] || { echo "no wrk script at $lua (set LUA)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is not installed (../shared/bench/gateway-overhead/setup.sh installs it)" >&2; exit 2; }
. "$root/bin/find-jdk.sh"
tollgate_find_jdk >/dev/null 2>&1 || true
jcmd=${JAVA_HOME:+$JAVA_HOME/bin/}jcmd
[ -d "/proc/$PID" ] || { echo "no process $PID" >&2; exit 2; }

out=$(mktemp -d /tmp/cpu-per-call.XXXXXX)
ticks=$(getconf CLK_TCK)
# "name<TAB>cpu ms" of every platform thread; names normalised so a pool's threads form one group
threads() {
  "$jcmd" "$PID" Thread.print 2>/dev/null | awk '
    /^"/ && / cpu=/ {
      name = $0; sub(/^"/, "", name); sub(/" .*/, "", name)
      cpu = $0; sub(/.* cpu=/, "", cpu); sub(/ms.*/, "", cpu)
      printf "%s\t%s\n", name, cpu
    }' | sed -E 's/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/<id>/g; s/[0-9]+([^\t]*\t)/N\1/g; :a; s/[0-9]+([^\t]*\t)/N\1/; ta'
}
proc_ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }

settle=${SETTLE_DIR:-}
admin=${ADMIN_URL:-http://127.0.0.1:8090}
metering=${METERING_URL:-http://127.0.0.1:8082}
key_id=${KEY_ID:-k-bench}
served() {
  curl -sf -H "Authorization: Bearer $(cat "$settle/admin-token")" "$admin/metrics" \
    | awk -v k="key=\"$key_id\"" '/^tollgate_gateway_served_total/ && index($0, k) {n += $NF} END {printf "%d\n", n}'
}
metered() {
  curl -sf -H "Authorization: Bearer $(cat "$settle/operator-token")" "$metering/v1/keys/$key_id/daily" \
    | sed -E 's/.*"requests":([0-9]+).*/\1/'
}
caught_up() {
  for _ in $(seq 1 600); do
    s1=$(served); m1=$(metered)
    [ "$s1" = "$m1" ] && return 0
    sleep 0.5
  done
  echo "metering did not catch up within 300 s: served $s1, metered $m1" >&2
  exit 1
}
if [ -n "$settle" ]; then
  caught_up # a backlog of an earlier point would be counted as this one's
  i0=$(proc_ticks); sleep 5; idle_per_s=$(( ($(proc_ticks) - i0) / 5 ))
  served0=$(served)
fi
threads > "$out/before"
t0=$(proc_ticks)
wrk -t"$([ "$c" -lt 2 ] && echo 1 || echo 2)" -c"$c" -d"$duration" --latency -s "$lua" \
    -H "Authorization: Bearer $key" "$url" > "$out/wrk.txt"
t1=$(proc_ticks)
threads > "$out/after"
if [ -n "$settle" ]; then
  ended=$(date +%s%N)
  backlog=$(( $(served) - $(metered) ))
  caught_up
  settle_ms=$(( ($(date +%s%N) - ended) / 1000000 ))
  t2=$(proc_ticks)
  threads > "$out/after"
fi

requests=$(awk '/requests in/{print $1}' "$out/wrk.txt")
non2xx=$(awk '/Non-2xx/{print $NF}' "$out/wrk.txt")
rps=$(awk '/^Requests\/sec:/{print $2}' "$out/wrk.txt")
p50=$(awk '$1=="50%"{print $2}' "$out/wrk.txt")
echo "# c=$c duration=$duration requests=$requests non-2xx=${non2xx:-0} req/s=$rps p50=$p50 ($(date -u +%FT%TZ), $(nproc) cores; script checkout $(git -C "$root" rev-parse --short HEAD), not necessarily the code measured)"
awk -v r="$requests" -v t="$(( (t1 - t0) ))" -v hz="$ticks" 'BEGIN{printf "whole JVM (/proc stat)          %8.1f µs/call\n", t * 1e6 / hz / r}'
if [ -n "$settle" ]; then
  requests=$(( s1 - served0 ))
  echo "# settled: metering counted all $requests calls served in the point $settle_ms ms after wrk ended (behind by $backlog calls then); idle JVM $idle_per_s ticks/s"
  awk -v r="$requests" -v t="$(( t2 - t0 ))" -v idle="$idle_per_s" -v ms="$settle_ms" -v hz="$ticks" \
    'BEGIN{printf "whole JVM until metered         %8.1f µs/call (idle CPU over the settle time subtracted)\n", (t - idle * ms / 1000) * 1e6 / hz / r}'
  echo "# thread groups below: up to the moment metering had counted every call"
fi
# per group: after - before, summed over the group's threads (a thread that ended in between is lost; one
# that started counts from 0); largest first
awk -F'\t' -v r="$requests" '
  FNR == NR { before[$1] += $2; next }
  { after[$1] += $2 }
  END {
    for (g in after) {
      d = after[g] - (g in before ? before[g] : 0)
      if (d > 0) { total += d; printf "%9.1f µs/call  %s\n", d * 1000 / r, g }
    }
    printf "%9.1f µs/call  %s\n", total * 1000 / r, "(all platform threads jcmd lists)"
  }' "$out/before" "$out/after" | sort -rn
echo "# raw: $out"
