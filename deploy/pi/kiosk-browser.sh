#!/usr/bin/env bash
# Chromium in kiosk mode on the kiosk's local touch UI (run by tuoyu-kiosk-browser.service inside cage).
set -euo pipefail
URL="${1:-http://127.0.0.1:8080/}"
BROWSER="$(command -v chromium-browser || command -v chromium)"
# A fresh profile in RAM each start: no session restore prompts, no writes to the SD card.
PROFILE="$(mktemp -d /tmp/tuoyu-kiosk-browser.XXXXXX)"
trap 'rm -rf "$PROFILE"' EXIT
"$BROWSER" --kiosk --ozone-platform=wayland --user-data-dir="$PROFILE" --no-first-run --noerrdialogs \
    --disable-infobars --disable-translate --disable-features=Translate,TouchpadOverscrollHistoryNavigation \
    --overscroll-history-navigation=0 --disable-pinch --check-for-update-interval=31536000 \
    --password-store=basic --disk-cache-size=1 --touch-events=enabled "$URL"
