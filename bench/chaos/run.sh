#!/usr/bin/env bash
# The chaos benchmark (bench/chaos/README.md): steady load through the broker, two metering-stream instances,
# budget-alerts and two gateways, each a JVM of its own, while the broker, a gateway and a metering instance are
# SIGKILLed in turn. Arguments go to io.tollgate.cli.bench.ChaosBench, e.g. --rate 30 --phase 45 --out /tmp/chaos.md
# TOLLGATE_MVN_FLAGS (e.g. -o) goes to every Maven call.
set -euo pipefail
cd "$(dirname "$0")/../.."
. bin/find-jdk.sh
tollgate_find_jdk
# shellcheck disable=SC2086
mvn -B -q ${TOLLGATE_MVN_FLAGS:-} install -DskipTests
# shellcheck disable=SC2086
mvn -B -q ${TOLLGATE_MVN_FLAGS:-} -pl cli test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/chaos.cp -Dmdep.includeScope=test
CP="cli/target/test-classes:cli/target/classes:$(cat cli/target/chaos.cp)"
echo "commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' (with local changes)'), $(nproc) cores, \
$(java -version 2>&1 | head -1)"
exec java -Xmx512m -XX:+UseSerialGC -Dorg.slf4j.simpleLogger.log.org.apache.kafka=error -cp "$CP" io.tollgate.cli.bench.ChaosBench "$@"
