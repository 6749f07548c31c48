#!/usr/bin/env bash
# The console's browser tests and benchmark drive Debian's Chromium with Playwright (never a
# browser download). Installs the 'chromium' package when it is missing (root on Debian).
set -euo pipefail
BROWSER=${COOPFLEET_CHROMIUM:-/usr/bin/chromium}
[ -x "$BROWSER" ] && exit 0
if [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ] && command -v apt-get >/dev/null; then
  echo "browser: installing chromium with apt" >&2
  wait=(-o DPkg::Lock::Timeout=300)
  apt-get "${wait[@]}" update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get "${wait[@]}" install -y -qq chromium >/dev/null
fi
[ -x "$BROWSER" ] || { echo "browser: install Debian's 'chromium' package (or set COOPFLEET_CHROMIUM)" >&2; exit 1; }
