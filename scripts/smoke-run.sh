#!/usr/bin/env bash
# Start `make run` on a fresh SQLite database, wait for the login page and the worker, stop it.
set -euo pipefail
cd "$(dirname "$0")/.."
var=$(mktemp -d)
log="$var/run.log"
FANGKONG_VAR_DIR="$var" setsid make run >"$log" 2>&1 &
leader=$!
stop() { kill -TERM -- "-$leader" 2>/dev/null || true; wait "$leader" 2>/dev/null || true; rm -rf "$var"; }
trap stop EXIT
for _ in $(seq 1 120); do
  if curl -fs -o /dev/null http://127.0.0.1:8000/accounts/login/; then
    grep -q "Demo logins" "$log" || { echo "smoke: no demo logins printed"; cat "$log"; exit 1; }
    pgrep -f "db_worker" >/dev/null || { echo "smoke: worker not running"; cat "$log"; exit 1; }
    pgrep -f "reminders loop" >/dev/null || { echo "smoke: reminder loop not running"; cat "$log"; exit 1; }
    echo "smoke: make run serves the login page, printed the demo logins, runs the worker and the reminder loop"
    exit 0
  fi
  sleep 1
done
echo "smoke: make run did not serve http://127.0.0.1:8000/ within 120 s"
cat "$log"
exit 1
