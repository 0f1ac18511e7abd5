#!/usr/bin/env bash
# Provision a Raspberry Pi (Raspberry Pi OS bookworm, Lite) as a 托育 check-in kiosk or a room's device agent.
#
#   sudo deploy/pi/provision.sh [--env-file FILE] kiosk|agent
#
# Idempotent: run it again to upgrade the package or repair the set-up; a second run with nothing new changes no
# file. docs/pi-images.md explains every step. Settings (environment, or KEY=VALUE lines in --env-file):
#
#   TUOYU_PACKAGE     what pip installs: a wheel path or URL (default: the newest tuoyu-*.whl beside this script)
#   TUOYU_SERVER      the server's URL, for the enrolment (with TUOYU_ENROL_CODE)
#   TUOYU_ENROL_CODE  a one-time enrolment code from the fleet page; enrolment is skipped when already enrolled
#   TUOYU_NAME        the device's name (agent) or label (kiosk) at enrolment (default: the host name)
#   TUOYU_ROOT_MODE   logs-in-ram (default: the journal in RAM, /tmp on tmpfs) or overlay (read-only root through
#                     raspi-config's overlay file system; the data directory must then be its own mount)
#   PROVISION_ROOT    a prefix for every path written (tests; empty on a Pi)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ENV_FILE=""
ROLE=""

usage() {
    echo "usage: $0 [--env-file FILE] kiosk|agent" >&2
    exit 2
}

while [[ $# -gt 0 ]]; do
    case "$1" in
        --env-file) [[ $# -ge 2 ]] || usage; ENV_FILE="$2"; shift 2 ;;
        kiosk|agent) ROLE="$1"; shift ;;
        *) usage ;;
    esac
done

if [[ -n "$ENV_FILE" ]]; then
    # KEY=VALUE lines, TUOYU_* keys only; the file is parsed, never executed.
    while IFS= read -r line || [[ -n "$line" ]]; do
        [[ "$line" =~ ^[[:space:]]*(#|$) ]] && continue
        key="${line%%=*}"
        value="${line#*=}"
        case "$key" in
            TUOYU_ROLE) ROLE="${ROLE:-$value}" ;;
            TUOYU_PACKAGE|TUOYU_SERVER|TUOYU_ENROL_CODE|TUOYU_NAME|TUOYU_ROOT_MODE) export "$key=$value" ;;
            *) echo "provision: $ENV_FILE: unknown key $key" >&2; exit 2 ;;
        esac
    done < "$ENV_FILE"
fi
[[ "$ROLE" == kiosk || "$ROLE" == agent ]] || usage

ROOT="${PROVISION_ROOT:-}"
ROOT_MODE="${TUOYU_ROOT_MODE:-logs-in-ram}"
SERVICE_USER=tuoyu
UI_USER=tuoyu-ui
VENV=/opt/tuoyu/venv
CONF_DIR=/etc/tuoyu
DATA_DIR="/var/lib/tuoyu-$ROLE"
BOOT_CONFIG=/boot/firmware/config.txt
CHANGED=0          # a file this run wrote: units reloaded, services restarted
REBOOT_NEEDED=0    # firmware or overlay settings: they take effect at the next boot

say() { echo "provision[$ROLE]: $*"; }

case "$ROOT_MODE" in
    logs-in-ram|overlay) ;;
    *) echo "provision: TUOYU_ROOT_MODE must be logs-in-ram or overlay, not $ROOT_MODE" >&2; exit 2 ;;
esac

# -- helpers ---------------------------------------------------------------------------------------------------

# put_file SOURCE DEST MODE: install SOURCE at ROOT/DEST unless it is there already with the same content and mode.
put_file() {
    local source="$1" dest="$ROOT$2" mode="$3"
    if [[ -f "$dest" ]] && cmp -s "$source" "$dest" && [[ "$(stat -c %a "$dest")" == "${mode#0}" ]]; then
        return 0
    fi
    install -D -m "$mode" "$source" "$dest"
    say "wrote $2"
    CHANGED=1
}

# put_text DEST MODE: like put_file, the content from standard input.
put_text() {
    local tmp
    tmp="$(mktemp)"
    cat > "$tmp"
    put_file "$tmp" "$1" "$2"
    rm -f "$tmp"
}

# ensure_line FILE LINE: append LINE to ROOT/FILE unless the file has it already.
ensure_line() {
    local file="$ROOT$1" line="$2"
    mkdir -p "$(dirname "$file")"
    touch "$file"
    if ! grep -qxF -- "$line" "$file"; then
        printf '%s\n' "$line" >> "$file"
        say "added '$line' to $1"
        REBOOT_NEEDED=1
    fi
}

# apt_install PACKAGE...: install the packages dpkg does not report as installed (none: no apt run at all).
apt_install() {
    local missing=() package
    for package in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$package")
        fi
    done
    if [[ ${#missing[@]} -gt 0 ]]; then
        say "apt: installing ${missing[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
    fi
}

# -- 1. system packages ----------------------------------------------------------------------------------------

# picamera2 and lgpio come from Raspberry Pi OS only (built against its libcamera and kernel): the venv sees them
# through --system-site-packages.
APT_COMMON=(python3-venv python3-lgpio)
if [[ "$ROLE" == kiosk ]]; then
    # cage: a one-window Wayland compositor, Chromium full screen on the touch screen; libzbar0 for pyzbar.
    apt_install "${APT_COMMON[@]}" python3-picamera2 libzbar0 chromium-browser cage fonts-wqy-zenhei
else
    apt_install "${APT_COMMON[@]}"
fi

# -- 2. users ----------------------------------------------------------------------------------------------------

if ! id -u "$SERVICE_USER" >/dev/null 2>&1; then
    # gpio: relays, LEDs, inputs; video: the camera; i2c/dialout/spi: the sensor buses.
    useradd --system --user-group --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin \
        --groups gpio,video,i2c,spi,dialout "$SERVICE_USER"
    say "created user $SERVICE_USER"
fi
if [[ "$ROLE" == kiosk ]] && ! id -u "$UI_USER" >/dev/null 2>&1; then
    # The browser's own user: it never sees the kiosk's token or outbox.
    useradd --system --user-group --create-home --home-dir "/home/$UI_USER" --shell /usr/sbin/nologin \
        --groups video,render,input "$UI_USER"
    say "created user $UI_USER"
fi

# -- 3. the package ----------------------------------------------------------------------------------------------

PACKAGE="${TUOYU_PACKAGE:-}"
if [[ -z "$PACKAGE" ]]; then
    PACKAGE="$(find "$HERE" -maxdepth 1 -name 'tuoyu-*.whl' | sort -V | tail -n 1)"
    [[ -n "$PACKAGE" ]] || { echo "provision: no tuoyu-*.whl beside $0; set TUOYU_PACKAGE" >&2; exit 2; }
fi
if [[ ! -x "$ROOT$VENV/bin/python" ]]; then
    python3 -m venv --system-site-packages "$ROOT$VENV"
    say "created $VENV"
    CHANGED=1
fi
put_file "$HERE/constraints.txt" "$VENV/constraints.txt" 0644
if [[ "$PACKAGE" != *://* ]]; then
    PACKAGE="file://$(realpath "$PACKAGE")"
fi
# The same spec every run: pip keeps what satisfies it, so a second run installs nothing (a newer wheel upgrades).
"$ROOT$VENV/bin/pip" install --quiet --disable-pip-version-check -c "$ROOT$VENV/constraints.txt" \
    "tuoyu[$ROLE,pi] @ $PACKAGE"
# Which wheel is installed: a different one restarts the services below.
# (Not through a pipe: put_text must run in this shell, or its CHANGED=1 is lost.)
if [[ "$PACKAGE" == file://* ]]; then
    put_text "$VENV/tuoyu-package.txt" 0644 < <(sha256sum "${PACKAGE#file://}")
else
    put_text "$VENV/tuoyu-package.txt" 0644 < <(printf '%s\n' "$PACKAGE")
fi

# -- 4. configuration and data ------------------------------------------------------------------------------------

if [[ ! -e "$ROOT$CONF_DIR/$ROLE.toml" ]]; then
    # A starting point only: the site's file is never overwritten (docs/agent.md, docs/kiosk.md).
    put_file "$HERE/$ROLE.toml.example" "$CONF_DIR/$ROLE.toml" 0640
    chown "root:$SERVICE_USER" "$ROOT$CONF_DIR/$ROLE.toml"
fi
if [[ ! -d "$ROOT$DATA_DIR" ]]; then
    install -d -m 0700 "$ROOT$DATA_DIR"
    chown "$SERVICE_USER:$SERVICE_USER" "$ROOT$DATA_DIR"
    say "created $DATA_DIR"
fi

# -- 5. systemd units ----------------------------------------------------------------------------------------------

UNITS=("tuoyu-$ROLE.service")
[[ "$ROLE" == kiosk ]] && UNITS+=(tuoyu-kiosk-browser.service)
for unit in "${UNITS[@]}"; do
    put_file "$HERE/systemd/$unit" "/etc/systemd/system/$unit" 0644
done
if [[ "$ROLE" == kiosk ]]; then
    put_file "$HERE/kiosk-browser.sh" /usr/local/bin/tuoyu-kiosk-browser 0755
fi

# -- 6. watchdogs ---------------------------------------------------------------------------------------------------

# The SoC's hardware watchdog, fed by systemd: a hung kernel or PID 1 reboots the Pi. The services' own watchdogs
# (WatchdogSec= in the units) restart a hung agent or kiosk.
ensure_line "$BOOT_CONFIG" "dtparam=watchdog=on"
put_file "$HERE/system/watchdog.conf" /etc/systemd/system.conf.d/tuoyu-watchdog.conf 0644

# -- 7. sparing the SD card -----------------------------------------------------------------------------------------

put_file "$HERE/system/journald.conf" /etc/systemd/journald.conf.d/tuoyu.conf 0644
if [[ "$ROOT_MODE" == overlay ]]; then
    # The outbox must outlive a reboot: with a read-only root, the data directory needs its own writable mount.
    if ! mountpoint -q "$ROOT$DATA_DIR"; then
        echo "provision: overlay mode needs $DATA_DIR on its own partition (see docs/pi-images.md)" >&2
        exit 3
    fi
    if [[ "$(raspi-config nonint get_overlay_conf)" != 0 ]]; then
        raspi-config nonint enable_overlayfs
        say "overlay file system enabled (read-only root from the next boot)"
        REBOOT_NEEDED=1
    fi
fi

# -- 8. enable, enrol, start -------------------------------------------------------------------------------------------

if [[ "$CHANGED" == 1 ]]; then
    systemctl daemon-reload
fi
if [[ "$ROLE" == kiosk && "$(systemctl get-default)" != graphical.target ]]; then
    systemctl set-default graphical.target  # the browser unit is wanted by graphical.target
fi
for unit in "${UNITS[@]}"; do
    if ! systemctl is-enabled --quiet "$unit"; then
        systemctl enable "$unit"
    fi
done

if [[ ! -f "$ROOT$DATA_DIR/enrolment.json" ]]; then
    if [[ -n "${TUOYU_SERVER:-}" && -n "${TUOYU_ENROL_CODE:-}" ]]; then
        name="${TUOYU_NAME:-$(hostname)}"
        if [[ "$ROLE" == agent ]]; then
            runuser -u "$SERVICE_USER" -- "$VENV/bin/tuoyu-agent" enroll --server "$TUOYU_SERVER" \
                --code "$TUOYU_ENROL_CODE" --config "$CONF_DIR/agent.toml" --name "$name"
        else
            runuser -u "$SERVICE_USER" -- "$VENV/bin/tuoyu-kiosk" enroll --server "$TUOYU_SERVER" \
                --code "$TUOYU_ENROL_CODE" --config "$CONF_DIR/kiosk.toml"
        fi
        CHANGED=1
    else
        say "not enrolled yet: run again with TUOYU_SERVER and TUOYU_ENROL_CODE (docs/pi-images.md)"
    fi
fi

if [[ -f "$ROOT$DATA_DIR/enrolment.json" ]]; then
    for unit in "${UNITS[@]}"; do
        if [[ "$CHANGED" == 1 ]]; then
            systemctl restart "$unit"
        elif ! systemctl is-active --quiet "$unit"; then
            systemctl start "$unit"
        fi
    done
fi

if [[ "$REBOOT_NEEDED" == 1 ]]; then
    say "reboot needed for the hardware watchdog / overlay settings"
    [[ -z "$ROOT" ]] && touch /run/tuoyu-reboot-required
fi
say "done"
