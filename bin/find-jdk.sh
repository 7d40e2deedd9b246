#!/usr/bin/env bash
# Sourced by ./tollgate and .ci/run: exports JAVA_HOME pointing at a JDK >= 21.
# Keeps JAVA_HOME (or the java on PATH) when it is new enough; otherwise picks the newest
# JDK >= 21 in the usual install locations. Prints which one it chose on stderr.

tollgate_java_major() { # $1 = path to a java binary
  "$1" -XshowSettings:properties -version 2>&1 \
    | awk -F'= ' '/java.specification.version/ {print $2; exit}' | cut -d. -f1
}

tollgate_find_jdk() {
  local min=21 candidate major best="" best_major=0
  local candidates=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  # only consulted when the two above are too old or missing
  for dir in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* \
             "$HOME"/.jdks/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -x "$dir/bin/java" ] && [ -x "$dir/bin/javac" ] && candidates+=("$dir")
  done
  for candidate in "${candidates[@]:0:2}"; do
    [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
    major=$(tollgate_java_major "$candidate/bin/java")
    if [ -n "$major" ] && [ "$major" -ge "$min" ]; then best="$candidate"; best_major=$major; break; fi
  done
  if [ -z "$best" ]; then
    for candidate in "${candidates[@]}"; do
      major=$(tollgate_java_major "$candidate/bin/java")
      if [ -n "$major" ] && [ "$major" -ge "$min" ] && [ "$major" -gt "$best_major" ]; then
        best="$candidate"; best_major=$major
      fi
    done
  fi
  if [ -z "$best" ]; then
    echo "tollgate: no JDK >= $min found (JAVA_HOME='${JAVA_HOME:-}', java on PATH: $(command -v java || echo none))." >&2
    echo "tollgate: install JDK 21 or newer and set JAVA_HOME to it." >&2
    return 1
  fi
  export JAVA_HOME="$best"
  export PATH="$JAVA_HOME/bin:$PATH"
  echo "tollgate: using JDK $best_major at $JAVA_HOME" >&2
}
