# pyroscope-relay image: the Maven build, then a JRE with the relay, its AppCDS archive made by that JRE, and a
# non-root user. Build and push: docker build -t registry.example.com/pyroscope-relay:0.1.0 . && docker push ...
# (no container engine runs on this project's machines: ContainerContractIT runs the jar the way this file does.)
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml application.properties ./
COPY routes routes
COPY src src
RUN mvn -B -q package -DskipTests -DskipCds

FROM eclipse-temurin:17-jre
# the training start records the classes a start loads; the archive must come from the JRE that maps it
COPY --from=build /src/target/pyroscope-relay.jar /app/pyroscope-relay.jar
COPY --from=build /src/src/cds /app/cds
RUN cd /app/cds && java -XX:ArchiveClassesAtExit=/app/pyroscope-relay.jsa -Xlog:cds=off -Xlog:cds+dynamic=off \
        -Dcamel.main.duration-max-seconds=2 -Dcamel.management.port=0 -Dpyroscope.relay.reload-enabled=false \
        -Dlog4j2.level=WARN -jar /app/pyroscope-relay.jar \
    && rm -rf /app/cds \
    && useradd --system --uid 10001 --no-create-home --home-dir /nonexistent relay
# routes/ (a ConfigMap) and application.properties are read from here; the relay writes nothing here
WORKDIR /app
USER 10001:10001
EXPOSE 9999 9095
# The README's JVM settings for a container: the heap sized from the container's memory limit (MaxRAMPercentage,
# instead of the README's MaxRAM=512m), temporary files (the body spool) in /tmp (an emptyDir), no perf data file.
ENTRYPOINT ["java", "-XX:SharedArchiveFile=/app/pyroscope-relay.jsa", "-XX:+UseSerialGC", "-XX:MaxRAMPercentage=40", "-Xmn16m", "-Xss512k", "-XX:+ExitOnOutOfMemoryError", "-XX:-UsePerfData", "-Djava.io.tmpdir=/tmp", "-jar", "/app/pyroscope-relay.jar"]
