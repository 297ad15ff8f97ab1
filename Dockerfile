# fleetsim's image: the shaded jar on an official JRE 17. Build the jar first, then the image:
#   ./mvnw -B -DskipTests package
#   docker build -t fleetsim:0.1.0-SNAPSHOT .
#   docker tag fleetsim:0.1.0-SNAPSHOT REGISTRY/fleetsim:0.1.0-SNAPSHOT && docker push REGISTRY/fleetsim:0.1.0-SNAPSHOT
# (then set images[0].newName in deploy/kubernetes/kustomization.yaml to REGISTRY/fleetsim).
FROM eclipse-temurin:17-jre

ARG VERSION=0.1.0-SNAPSHOT
LABEL org.opencontainers.image.title="fleetsim" \
      org.opencontainers.image.description="Fleets of virtual AWS IoT Jobs devices, a local IoT Jobs stack, load tests" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"

# No root at run time: a fixed uid that Pod securityContext can name (runAsNonRoot).
RUN useradd --system --uid 10001 --home-dir /work --create-home fleetsim
COPY simulator/target/fleetsim.jar /app/fleetsim.jar
WORKDIR /work
USER 10001

# Heap sized from the container's memory limit; the rest is for direct buffers, threads and the JIT.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=70", "-jar", "/app/fleetsim.jar"]
CMD ["--help"]
