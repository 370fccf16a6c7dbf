#!/bin/sh
# The image's build recipe, shared by the Dockerfile and tests/docker (which runs it outside Docker):
# run in a source tree whose node_modules holds all dependencies, it builds the web UI, compiles
# the backend and assembles the runtime layout in $1 (/app in the image) with production
# dependencies only.
set -eu
dest=${1:?usage: docker/build.sh DEST}

# the web UI (vite) and the server compiled to JavaScript with ReDoc's bundle beside it
# (type errors are CI's business: npm run typecheck; like `npm start`, the image runs the code anyway)
node scripts/build.mjs --force
mkdir -p frontend/dist
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
