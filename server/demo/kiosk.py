"""The demo's simulated kiosk: `tuoyu-kiosk` run as a child process on fakes (the server never imports `kiosk`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from server.auth.actor import Actor
from server.centre.models import Centre
from server.clock import utcnow
from server.database import db
from server.fleet.models import DeviceKind
from server.fleet.operations import create_enrolment_code

KIOSK_UI_PORT = 8080
TOKEN_FILE = "token"  # kiosk/config.py keeps the device token under this name in its data dir


def write_config(data_dir: Path, server_url: str) -> Path:
    """A kiosk config on fakes: replay camera, mock GPIO, touch UI on 127.0.0.1:8080."""
    data_dir.mkdir(parents=True, exist_ok=True)
    config = data_dir / "demo.toml"
    config.write_text(
        f'server_url = "{server_url}"\n'
        f'data_dir = "{data_dir}"\n'
        'label = "演示门口终端"\n'
        '[camera]\nkind = "replay"\nsize = [1280, 720]\n'
        '[gpio]\nbackend = "fake"\n'
        f'[ui]\nhost = "127.0.0.1"\nport = {KIOSK_UI_PORT}\n',
        encoding="utf-8",
    )
    return config


def enrolment_code(centre: Centre) -> str:
    """A fresh one-time code for the demo kiosk (committed, so the kiosk process can use it)."""
    code, _ = create_enrolment_code(centre, kind=DeviceKind.KIOSK, name="演示门口终端", actor=Actor.system(),
                                    now=utcnow())
    db.session.commit()
    return code


def _script(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def start(centre: Centre, data_dir: Path, server_url: str) -> subprocess.Popen[bytes]:
    """Enrol once (the token survives restarts), then run the kiosk loop and its touch UI."""
    config = write_config(data_dir, server_url)
    if not (data_dir / TOKEN_FILE).exists():
        subprocess.run([_script("tuoyu-kiosk"), "enroll", "--server", server_url, "--code", enrolment_code(centre),
                        "--config", str(config)], check=True)
    return subprocess.Popen([_script("tuoyu-kiosk"), "run", "--config", str(config)])
