#!/usr/bin/env bash
# Make sure the services coopfleet needs are reachable, without Docker: PostgreSQL with PostGIS,
# the database, and the project's own Mosquitto (deploy/mosquitto/mosquitto.conf, port 1884).
# Reuses running servers, installs what is missing with apt when run as root on Debian, starts
# what is stopped. Idempotent and quiet when all is well. `scripts/services.sh stop` stops our
# Mosquitto. Needs the project's virtualenv (`make install`) for the broker step.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-.venv/bin/python}
DB_URL=${COOPFLEET_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/coopfleet}
# A setting from the environment, else from .env (a second checkout keeps its own ports there).
setting() {
  local from_env=${!1:-}
  [ -n "$from_env" ] && { echo "$from_env"; return; }
  local line
  line=$(grep -s "^$1=" .env | tail -n 1 || true)
  echo "${line#*=}"
}
APT_UPDATED=

say() { echo "services: $*" >&2; }
fail() { say "$*"; exit 1; }
can_apt() { [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ] && command -v apt-get >/dev/null; }
apt_install() {
  can_apt || return 1
  # wait for another apt or dpkg run (an unattended upgrade, a second script) instead of failing
  local wait=(-o DPkg::Lock::Timeout=300)
  if [ -z "$APT_UPDATED" ]; then apt-get "${wait[@]}" update -qq >/dev/null; APT_UPDATED=1; fi
  say "installing $* with apt"
  DEBIAN_FRONTEND=noninteractive apt-get "${wait[@]}" install -y -qq "$@" >/dev/null
}

# `--without-broker`: everything but the project's own Mosquitto (the test suite starts private
# brokers of its own, so a clone elsewhere on the machine never meets this checkout's ports).
WITH_BROKER=1
if [ "${1:-}" = --without-broker ]; then
  WITH_BROKER=
  shift
fi
if [ "${1:-}" = stop ]; then
  "$PY" -m devtools.broker stop --dir var/mosquitto
  exit 0
fi

# Every command after this one reads the settings, which refuse the published placeholder secret.
bash scripts/secret.sh
MQTT_PORT=$(setting COOPFLEET_MQTT_PORT)
MQTT_PORT=${MQTT_PORT:-1884}
MQTT_DEVICE_PORT=$(setting COOPFLEET_MQTT_DEVICE_PORT)
MQTT_DEVICE_PORT=${MQTT_DEVICE_PORT:-1885}

# Host, port, user and database name from the SQLAlchemy URL.
read -r PGHOST PGPORT PGUSER PGDATABASE < <(python3 - "$DB_URL" <<'PYEOF'
import sys
from urllib.parse import urlsplit
u = urlsplit(sys.argv[1])
print(u.hostname or "127.0.0.1", u.port or 5432, u.username or "postgres", u.path.lstrip("/") or "coopfleet")
PYEOF
)
export PGHOST PGPORT PGUSER

# --- PostgreSQL ---------------------------------------------------------------------------
if ! command -v pg_isready >/dev/null; then
  apt_install postgresql || fail "PostgreSQL is not installed: install the 'postgresql' package (15 or newer)"
fi
if ! pg_isready -q -h "$PGHOST" -p "$PGPORT"; then
  if command -v pg_lsclusters >/dev/null && [ "$(id -u)" = 0 ]; then
    pg_lsclusters -h | while read -r version cluster _; do
      pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" start >/dev/null 2>&1 || true
    done
  fi
  for _ in $(seq 1 30); do pg_isready -q -h "$PGHOST" -p "$PGPORT" && break; sleep 1; done
  pg_isready -q -h "$PGHOST" -p "$PGPORT" \
    || fail "PostgreSQL does not answer on $PGHOST:$PGPORT; start it (pg_ctlcluster <version> main start)"
fi

# --- PostGIS ------------------------------------------------------------------------------
has_postgis() {
  [ "$(psql -X -tAc "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'" postgres)" = 1 ]
}
if ! has_postgis; then
  major=$(( $(psql -X -tAc "SHOW server_version_num" postgres) / 10000 ))
  apt_install "postgresql-$major-postgis-3" \
    || fail "PostGIS is missing: install the 'postgresql-$major-postgis-3' package"
  has_postgis || fail "PostGIS is still not available to PostgreSQL $major"
fi

# --- the database -------------------------------------------------------------------------
if [ "$(psql -X -tAc "SELECT 1 FROM pg_database WHERE datname = '$PGDATABASE'" postgres)" != 1 ]; then
  psql -X -q -c "CREATE DATABASE \"$PGDATABASE\"" postgres
  say "created database $PGDATABASE"
fi

# --- Mosquitto ----------------------------------------------------------------------------
if ! command -v mosquitto >/dev/null && [ ! -x /usr/sbin/mosquitto ]; then
  apt_install mosquitto || fail "Mosquitto is not installed: install the 'mosquitto' package (2.0 or newer)"
fi
if ! command -v mosquitto_pub >/dev/null; then
  apt_install mosquitto-clients || say "note: mosquitto-clients (mosquitto_pub/sub) is not installed"
fi
# --- Fonts for PDF reports (Vietnamese text) ------------------------------------------------
if [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
  apt_install fonts-dejavu-core || say "note: install 'fonts-dejavu-core' for PDF reports"
fi
[ -n "$WITH_BROKER" ] || exit 0
[ -x "$PY" ] || fail "the virtualenv is missing: run 'make install' first"
"$PY" -m devtools.broker ensure --dir var/mosquitto --port "$MQTT_PORT" \
  --device-port "$MQTT_DEVICE_PORT"
