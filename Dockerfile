# em-metrics container image: docs/container.md (build, run, volume, health check, verification).
#   buildah bud --format docker --build-arg EM_METRICS_VERSION=v1.2.3 -t em-metrics:v1.2.3 .
#   docker build --build-arg EM_METRICS_VERSION=v1.2.3 -t em-metrics:v1.2.3 .

# --- build: the repository's own `make build`, without the tests and benchmark harnesses ---
FROM debian:12-slim AS build
ARG JOBS=2
WORKDIR /src
# The Makefile alone first: its package list (`make deps`) is a layer that survives source edits.
COPY Makefile ./
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends make \
 && make deps \
 && rm -rf /var/lib/apt/lists/*
COPY . .
# `make build` configures only when build/ has no cache yet, so configuring first turns the tests
# and benches off (they would double the build time and need GoogleTest's packages at run time).
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DEMM_BUILD_TESTS=OFF -DEMM_BUILD_BENCH=OFF \
 && make build JOBS="$JOBS" \
 && strip build/em-metrics \
 && build/em-metrics --version

# --- runtime: the binary and the shared libraries it loads, nothing else ---
FROM debian:12-slim
# libsqlite3-0, libssl3 (libcrypto), zlib1g, libboost-json1.81.0, libstdc++6, libpq5 (PostgreSQL's
# client, for DATABASE_URL): the binary's NEEDED entries. libcurl4: libcurl.so.4 is dlopen'ed on
# the first outbound call (OTLP push, GitHub API), so ldd does not show it. Protobuf is linked statically (CMakeLists.txt). tzdata: teams' time
# zones; ca-certificates: HTTPS to GitHub and collectors. `apt-get clean`: a base without
# Docker's apt hook (debian:12-slim has it, an mmdebstrap base does not) would keep 80 MB of .deb
# files.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libsqlite3-0 libssl3 zlib1g libboost-json1.81.0 libstdc++6 libcurl4 libpq5 tzdata \
      ca-certificates \
 && apt-get clean && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 em-metrics \
 && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home \
      --shell /usr/sbin/nologin em-metrics \
 && mkdir /data && chown 10001:10001 /data
COPY --from=build /src/build/em-metrics /usr/local/bin/em-metrics
# Build arguments after the package layer: a new version or date does not reinstall the packages.
ARG EM_METRICS_VERSION=-
ARG VCS_REF=
ARG BUILD_DATE=
# Fail the build, not the first request, when a library is missing (libcurl included). This RUN
# also sees the arguments, which puts their values in the layer cache key: buildah 1.28 (Debian 12)
# reuses cached ARG/LABEL/ENV steps when only a --build-arg value changed (found here).
RUN ! ldd /usr/local/bin/em-metrics | grep 'not found' \
 && ldconfig -p | grep -q 'libcurl.so.4 ' \
 && em-metrics --version
LABEL org.opencontainers.image.title="em-metrics" \
      org.opencontainers.image.description="DORA and team-health metrics service: delivery events in SQLite, Prometheus and OTLP metrics" \
      org.opencontainers.image.version="$EM_METRICS_VERSION" \
      org.opencontainers.image.revision="$VCS_REF" \
      org.opencontainers.image.created="$BUILD_DATE" \
      org.opencontainers.image.base.name="docker.io/library/debian:12-slim"
ENV SQLITE_DB=/data/em-metrics.db \
    HOST=0.0.0.0 \
    PORT=3000 \
    EM_METRICS_VERSION=$EM_METRICS_VERSION
USER 10001:10001
VOLUME /data
EXPOSE 3000
# No curl in the image: bash (Debian's base) speaks HTTP/1.0 over /dev/tcp and the check passes on
# a `200` status line only. It probes 127.0.0.1, so it needs HOST to be 0.0.0.0 or 127.0.0.1.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${PORT} && printf 'GET /health HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q '^HTTP/1\\.[01] 200 '"]
ENTRYPOINT ["em-metrics"]
CMD ["serve"]
