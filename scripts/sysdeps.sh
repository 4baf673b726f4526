#!/usr/bin/env bash
# Install the Debian packages the project needs when they are missing: gettext (translations),
# Chromium and a Chinese font (browser tests render pages as a user's phone would). Needs root,
# as on the project's machines and in CI.
set -euo pipefail
need=()
command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list :lang=zh 2>/dev/null | grep -q . || need+=(fonts-wqy-microhei)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "missing system packages: ${need[*]} (install them with apt-get as root)" >&2
  exit 1
fi
echo "installing ${need[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
