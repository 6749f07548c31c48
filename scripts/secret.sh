#!/usr/bin/env bash
# Give this checkout its own random COOPFLEET_SECRET_KEY in .env (git-ignored) on first run and
# keep it on later runs: outside the test suite the settings refuse the published placeholder,
# and the secret signs access tokens and derives every MQTT password.
set -euo pipefail
cd "$(dirname "$0")/.."
if grep -qs '^COOPFLEET_SECRET_KEY=.' .env; then
  exit 0
fi
umask 077
secret=$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')
printf 'COOPFLEET_SECRET_KEY=%s\n' "$secret" >>.env
echo "secret: wrote a new random COOPFLEET_SECRET_KEY into .env (kept across runs)" >&2
