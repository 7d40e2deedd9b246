# One image per Tollgate service, built from this repository:
#   docker build --build-arg MODULE=gateway -t tollgate-gateway .
# MODULE is gateway, metering-stream or budget-alerts; docker-compose.yml builds all three.
FROM maven:3.9-eclipse-temurin-21 AS build
ARG MODULE
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests -pl ${MODULE} -am install \
 && mvn -B -q -pl ${MODULE} dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=/app/lib \
 && cp ${MODULE}/target/tollgate-${MODULE}-*.jar /app/lib/

FROM eclipse-temurin:21-jre
ARG MAIN_CLASS
ENV MAIN_CLASS=${MAIN_CLASS}
COPY --from=build /app/lib /app/lib
WORKDIR /app
# curl: the health checks send each service's token (docker-compose.yml)
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 tollgate && mkdir -p /var/lib/tollgate && chown tollgate /var/lib/tollgate
USER tollgate
ENTRYPOINT ["sh", "-c", "exec java ${JAVA_OPTS:-} -cp '/app/lib/*' ${MAIN_CLASS} \"$@\"", "--"]
