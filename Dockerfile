# syntax=docker/dockerfile:1
# homedisk in a container: the release binary (with libjpeg-turbo; SQLite and libpq are built
# in) on a slim Debian, run as an unprivileged user, everything it keeps in the /data volume.
#
#   docker build -t homedisk .
#   docker run -d -p 127.0.0.1:8080:8080 -v homedisk-data:/data homedisk
#
# Put a reverse proxy with HTTPS in front (README, "HTTPS"); set HOMEDISK_TRUSTED_PROXIES to
# the proxy's address as the container sees it.

FROM rust:1.95-bookworm AS build
# cmake and nasm build libjpeg-turbo (the jpeg-turbo feature).
RUN apt-get update \
    && apt-get install -y --no-install-recommends cmake nasm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The caches keep crates and objects between builds; the binary is copied out of them.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --features jpeg-turbo \
    && install -m 755 target/release/homedisk /usr/local/bin/homedisk

FROM debian:bookworm-slim
# ca-certificates: TLS to S3 stores; curl: the health check.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 homedisk \
    && useradd --system --uid 10001 --gid homedisk --home-dir /data --no-create-home homedisk \
    && install -d -m 700 -o homedisk -g homedisk /data
COPY --from=build /usr/local/bin/homedisk /usr/local/bin/homedisk
USER homedisk:homedisk
WORKDIR /data
ENV HOMEDISK_BIND=0.0.0.0:8080 \
    HOMEDISK_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
# `docker stop` sends SIGTERM and homedisk lets in-flight requests finish: give it up to 30 s
# (`docker stop -t 30`; the default is 10).
ENTRYPOINT ["/usr/local/bin/homedisk"]
