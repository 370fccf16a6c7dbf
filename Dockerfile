# syntax=docker/dockerfile:1
# Aniworld appliance image. Build: docker build -t aniworld .
# Volumes: /config (settings, logs, backups, the embedded database when no DATABASE_URL) and
# /anime (the library). See README "Docker / Unraid / NAS".

# --- build: all dependencies, the web UI, the compiled backend, then /app with production deps --
FROM node:22-bookworm-slim AS build
ENV SCARF_ANALYTICS=false
# npm 11 honours package.json "allowScripts" (which install scripts may run)
RUN npm install -g npm@11 --no-audit --no-fund --no-update-notifier
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --no-update-notifier
COPY . .
# docker/build.sh is the same recipe tests/docker runs without Docker
RUN sh docker/build.sh /app

# --- runtime -------------------------------------------------------------------------------------
FROM node:22-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg tini tzdata ca-certificates \
 && rm -rf /var/lib/apt/lists/*

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    DATA_DIR=/config \
    ANIME_DIR=/anime \
    FFMPEG_PATH=/usr/bin/ffmpeg \
    FFPROBE_PATH=/usr/bin/ffprobe \
    PUID=99 \
    PGID=100 \
    UMASK=022 \
    TZ=Etc/UTC \
    ROLE=all

WORKDIR /app
COPY --from=build /app /app
RUN mkdir -p /config /anime

VOLUME ["/config", "/anime"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=10s --start-period=90s --retries=3 \
  CMD ["node", "/app/docker/healthcheck.mjs"]

# tini is PID 1 (reaps zombies, forwards signals); the entrypoint drops to PUID/PGID
ENTRYPOINT ["/usr/bin/tini", "--", "/app/docker/entrypoint.sh"]
CMD ["node", "/app/docker/start.mjs"]
