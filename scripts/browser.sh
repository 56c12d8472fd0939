#!/usr/bin/env bash
# Install Debian's headless Chromium (and its driver) for the explorer's browser tests; a no-op
# when it is already there. Playwright drives /usr/bin/chromium directly: never run
# `playwright install`, which downloads a browser build of its own.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo -n"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-liberation >/dev/null
echo "browser: $(/usr/bin/chromium --version)"
