#!/usr/bin/env bash
# make run: the kiosk's demo, tochka-kiosk --demo (a central server in the
# same process, demo cards with histories, vouchers and cards "printed" to
# files), in a window. Arguments go to tochka-kiosk (--lang en, --idle 60s).
#
# On a machine without a display it runs the same kiosk under Xvfb (with
# the end-to-end test's own settings: the arguments do not apply) and
# drives it as a wedge scanner and a finger would: a scan of a demo card, a
# redemption, the return to attract. The driving is the end-to-end test's
# (cmd/tochka-kiosk/e2e_test.go: xdotool on the buttons the kiosk's status
# endpoint places, the voucher's barcodes read back with zbarimg), which
# leaves a screenshot of each screen in a folder this script names.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
export PATH="/usr/local/go/bin:$PATH" # where scripts/setup.sh puts Go
mkdir -p bin
echo "building the kiosk (a few minutes the first time) ..."
go build -o bin/tochka-kiosk ./cmd/tochka-kiosk

if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  exec bin/tochka-kiosk --demo "$@"
fi

shots=$(mktemp -d "${TMPDIR:-/tmp}/tochka-kiosk-screens-XXXXXX")
echo "no display here (DISPLAY and WAYLAND_DISPLAY are unset): running the kiosk under Xvfb, driven by xdotool, screenshots in $shots"
if [ $# -gt 0 ]; then echo "(the arguments $* are for a window: the headless run drives the demo as its test does)"; fi
log="$shots/run.log"
if TOCHKA_KIOSK="$repo/bin/tochka-kiosk" TOCHKA_SHOTS="$shots" \
  go test -count=1 -run '^TestDemoEndToEnd$' -v ./cmd/tochka-kiosk >"$log" 2>&1; then
  sed -n 's/^ *e2e_test\.go:[0-9]*: /  /p' "$log"
  echo "the screens, as the kiosk drew them: $shots/*.png"
else
  cat "$log" >&2
  echo "kiosk-demo: the headless run failed (above); its screenshots so far are in $shots" >&2
  exit 1
fi
