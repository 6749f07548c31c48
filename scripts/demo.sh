#!/usr/bin/env bash
# The demo's last step (after `make seed`): give every vehicle its MQTT account, open the day
# (drivers on shift, orders waiting to be planned; see devtools/demo_day.py), start the ingest
# workers, the job worker (plans, offer sweeps) and the simulated fleet (3,000 vehicles, a fix
# every 5 s while moving) in the background, print where to look and how to sign in, then
# serve the API until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
HOST=${COOPFLEET_API_HOST:-127.0.0.1}
PORT=${COOPFLEET_API_PORT:-8000}

cat <<TXT

coopfleet demo is starting on http://${HOST}:${PORT}
  Console (live map, orders, plans, alerts, reports):  http://${HOST}:${PORT}/console/
  API docs (OpenAPI):  http://${HOST}:${PORT}/api/v1/docs
  Health:              http://${HOST}:${PORT}/healthz
  Metrics:             http://${HOST}:${PORT}/metrics (bearer COOPFLEET_METRICS_TOKEN or a platform admin's token)
  Live positions:      GET /api/v1/positions/latest (GeoJSON, signed in)
  MQTT broker:         ${COOPFLEET_MQTT_HOST:-127.0.0.1}, devices on port ${COOPFLEET_MQTT_DEVICE_PORT:-1885}, services on ${COOPFLEET_MQTT_PORT:-1884}

Demo logins (password demo1234):
  admin@bienhoa.demo        admin of HTX Vận tải Biên Hòa (3,000 members, drivers, vehicles)
  dispatcher@bienhoa.demo   dispatcher
  director@bienhoa.demo     director
  accountant@bienhoa.demo   accountant (the members' ledger, month close)
  <any driver's phone>      driver, also in the driver's app at /app/ (e.g. the first driver listed by GET /api/v1/drivers)
  <any member's phone>      member, in the members' portal at /portal/ (GET /api/v1/members lists them)
  admin@longthanh.demo      admin of a second, smaller cooperative (tenancy)
  platform@coopfleet.demo   platform admin (manages cooperatives)

Try:
  TOKEN=\$(curl -s -d 'username=dispatcher@bienhoa.demo&password=demo1234' \\
          http://${HOST}:${PORT}/api/v1/auth/token | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  curl -s -H "Authorization: Bearer \$TOKEN" 'http://${HOST}:${PORT}/api/v1/vehicles?limit=3'

Press Ctrl-C to stop.
TXT
mkdir -p var/log
bash scripts/secret.sh  # already done by `make services`; kept for running this script alone
"$BIN/coopfleet" mqtt-passwords --file var/mosquitto/passwd --reload-pid var/mosquitto/mosquitto.pid
"$BIN/coopfleet" demo-day --orders "${COOPFLEET_DEMO_ORDERS:-300}"
"$BIN/coopfleet" ingest --workers 2 --log-level warning >var/log/ingest.log 2>&1 &
INGEST=$!
"$BIN/coopfleet" derive --log-level warning >var/log/derive.log 2>&1 &
DERIVE=$!
"$BIN/coopfleet" worker --log-level warning >var/log/worker.log 2>&1 &  # plans, sweeps, retention
WORKER=$!
"$BIN/coopfleet" gateway --log-level info >var/log/gateway.log 2>&1 &  # trackers and phones
GATEWAY=$!
"$BIN/coopfleet" notify --log-level warning >var/log/notify.log 2>&1 &  # push, e-mail, SMS, webhooks
NOTIFY=$!
"$BIN/coopfleet" simulate --interval "${COOPFLEET_DEMO_INTERVAL:-5}" --bad-share 0.001 \
  >var/log/simulate.log 2>&1 &
SIMULATE=$!
trap 'kill $SIMULATE $INGEST $DERIVE $WORKER $GATEWAY $NOTIFY 2>/dev/null; wait' EXIT INT TERM
echo "ingest (pid $INGEST), derive (pid $DERIVE), the job worker (pid $WORKER), the device gateway"
echo "(pid $GATEWAY: Traccar Client on port ${COOPFLEET_GATEWAY_HTTP_PORT:-5055}, docs/gateway.md) and the simulated"
echo "fleet (pid $SIMULATE) log to var/log/"
"$BIN/coopfleet" api --host "$HOST" --port "$PORT"
