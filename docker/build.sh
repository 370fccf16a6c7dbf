#!/bin/sh
# The image's build recipe, shared by the Dockerfile and tests/docker (which runs it outside Docker):
# run in a source tree whose node_modules holds all dependencies, it builds the web UI, compiles
# the backend and assembles the runtime layout in $1 (/app in the image) with production
# dependencies only.
set -eu
dest=${1:?usage: docker/build.sh DEST}

node scripts/build-ui.mjs --force
mkdir -p frontend/dist
rm -rf backend/dist
# type errors are CI's business (npm run typecheck); like `npm start`, the image runs the code anyway
npx --no-install tsc -p tsconfig.build.json ||
  echo "docker/build.sh: warning: type errors above; the emitted JavaScript is used anyway" >&2
test -f backend/dist/main.js

mkdir -p "$dest/backend" "$dest/frontend" "$dest/docker"
cp package.json package-lock.json "$dest/"
cp -R backend/dist "$dest/backend/dist"
cp -R frontend/dist "$dest/frontend/dist"
cp -R migrations "$dest/migrations"
cp docker/entrypoint.sh docker/start.mjs docker/healthcheck.mjs "$dest/docker/"
chmod 755 "$dest/docker/entrypoint.sh"

cd "$dest"
npm ci --omit=dev --no-audit --no-fund --no-update-notifier
# the image runs Debian's ffmpeg (FFMPEG_PATH/FFPROBE_PATH): drop the npm-shipped copies (~140 MB)
rm -rf node_modules/@ffmpeg-installer node_modules/@ffprobe-installer
