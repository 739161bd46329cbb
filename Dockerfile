# syntax=docker/dockerfile:1
# iap-studio image: docker build -t iap-studio . ; docker run -p 8080:8080 -v iap-data:/data iap-studio
# Bookworm everywhere: the binary must link against the runtime image's glibc.

# ---- 1. frontend (Vite needs Node >= 20.19)
FROM node:20-bookworm AS frontend
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

# ---- 2. server binary, with frontend/dist embedded
FROM rust:1.95-bookworm AS build
WORKDIR /src
ENV IAP_SKIP_FRONTEND_BUILD=1 \
    CARGO_INCREMENTAL=0
COPY . .
COPY --from=frontend /src/frontend/dist ./frontend/dist
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked \
 && install -m 0755 target/release/iap-studio /usr/local/bin/iap-studio

# ---- 3. runtime
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 iap \
 && useradd --system --uid 10001 --gid iap --home-dir /data --shell /usr/sbin/nologin iap \
 && mkdir -p /data \
 && chown iap:iap /data
COPY --from=build /usr/local/bin/iap-studio /usr/local/bin/iap-studio
ENV IAP_BIND=0.0.0.0:8080 \
    DATABASE_URL=sqlite:///data/iap-studio.db?mode=rwc \
    IAP_PUBLIC_URL=http://localhost:8080 \
    IAP_LOG=info
WORKDIR /data
VOLUME ["/data"]
USER iap:iap
EXPOSE 8080
# curl is there for health checks (docker-compose.yml probes /readyz)
ENTRYPOINT ["iap-studio"]
CMD ["serve"]
