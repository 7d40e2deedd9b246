#!/usr/bin/env bash
# JVM CPU per upstream call: the gateway's Provider (Jetty HttpClient) against the JDK HttpClient, from the
# repository root after `mvn -B -q -o -pl gateway -am install -DskipTests`, with the shared harness's fake
# upstream answering (../shared/bench/gateway-overhead/upstream.sh start). Knobs: UPSTREAM, CONCURRENCY (64),
# DURATION_S (15), ROUNDS (2), CLIENTS (jdk,jetty: which clients to run).
set -euo pipefail
cd "$(dirname "$0")/../.."
. bin/find-jdk.sh && tollgate_find_jdk 2>/dev/null
mvn -B -q -o -pl gateway dependency:build-classpath -Dmdep.outputFile=target/upstream-client-cp.txt
exec java -cp "gateway/target/classes:$(cat gateway/target/upstream-client-cp.txt)" \
  bench/upstream-client/UpstreamClientCpu.java
