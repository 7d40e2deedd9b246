#!/usr/bin/env bash
# Stop-the-world pauses of the garbage collector from a JVM's safepoint log (bench/overhead/README.md):
# the log of -Xlog:safepoint:file=<log>:uptime (what side-by-side.sh's JOPTS can add), any collector.
# Prints per collector operation and for all of them: count, p50 / p99 / max of the time from the request
# to stop until the threads run again ("Total"), and their sum per second of the window. Safepoints that are
# not the collector's (jcmd's thread dumps, deadlock checks, class unloading bookkeeping) are left out.
#
#   bench/overhead/pauses.sh <safepoint log> [from seconds of uptime=60] [to seconds=end]
set -euo pipefail
log=${1:?safepoint log of -Xlog:safepoint:file=...:uptime}
from=${2:-60}; to=${3:-1e12}
awk -v from="$from" -v to="$to" '
  /Safepoint "/ {
    t = $1; gsub(/[\[\]s]/, "", t); t += 0
    if (t < from || t > to) next
    op = $0; sub(/^[^"]*"/, "", op); sub(/".*/, "", op)
    if (op ~ /^(PrintThreads|FindDeadlocks|ThreadDump|CleanClassLoaderDataMetaspaces|HandshakeAllThreads|ICBufferFull|Cleanup|None)$/) next
    ns = $0; sub(/.*Total: /, "", ns); sub(/ ns.*/, "", ns)
    n[op]++; v[op, n[op]] = ns / 1e6; all[++total] = ns / 1e6; sum += ns / 1e6
    if (t > last) last = t; if (first == 0 || t < first) first = t
  }
  function pct(arr, k, p,   i, j, tmp, idx) {   # p-th percentile of arr[1..k] (sorted copy)
    for (i = 1; i <= k; i++) tmp[i] = arr[i]
    for (i = 2; i <= k; i++) { x = tmp[i]; j = i - 1; while (j > 0 && tmp[j] > x) { tmp[j + 1] = tmp[j]; j-- } tmp[j + 1] = x }
    idx = int(p * k + 0.999999); if (idx < 1) idx = 1; if (idx > k) idx = k
    return tmp[idx]
  }
  END {
    if (total == 0) { print "no collector safepoints in the window"; exit }
    span = last - first; if (span <= 0) span = 1
    printf "%-28s %6s %9s %9s %9s %12s\n", "operation", "count", "p50 ms", "p99 ms", "max ms", "ms per s"
    for (op in n) {
      k = n[op]; delete a; for (i = 1; i <= k; i++) a[i] = v[op, i]
      s = 0; for (i = 1; i <= k; i++) s += a[i]
      printf "%-28s %6d %9.3f %9.3f %9.3f %12.3f\n", op, k, pct(a, k, 0.5), pct(a, k, 0.99), pct(a, k, 1), s / span
    }
    printf "%-28s %6d %9.3f %9.3f %9.3f %12.3f  (%.0f s window)\n", "all collector pauses", total, pct(all, total, 0.5), pct(all, total, 0.99), pct(all, total, 1), sum / span, span
  }' "$log"
