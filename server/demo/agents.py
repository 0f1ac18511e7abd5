"""The demo's simulated sensor agents: one `tuoyu-agent` child process per room on fakes (HTTP, or MQTT).

Each agent is enrolled once with a one-time code (its token survives restarts in its data dir) and
runs the real agent loop over fake sensor buses driven by a seeded world. The first room's agent also
watches the food-sample fridge and a panic button.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from server.auth.actor import Actor
from server.centre.models import Centre, Room
from server.clock import utcnow
from server.database import db
from server.fleet.models import DeviceKind
from server.fleet.operations import create_enrolment_code
from server.people.models import Child


def _script(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def write_config(data_dir: Path, room: Room, children: int, *, mqtt: tuple[str, int] | None, first: bool) -> Path:
    """An agent config on fakes for one room (identity comes from `tuoyu-agent enroll`)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    where = f"room:{room.id}"
    uplink = f'kind = "mqtt"\nhost = "{mqtt[0]}"\nport = {mqtt[1]}\n' if mqtt else 'kind = "http"\n'
    text = (f'data_dir = "{data_dir}"\nfake = true\nseed = {room.id}\nsimulate_doors = true\n'
            f"[uplink]\n{uplink}"
            f'[[occupancy]]\nlocation = "{where}"\nchildren = {children}\n'
            f'[[sensors]]\nid = "air-room{room.id}"\ndriver = "scd4x"\nlocation = "{where}"\n'
            f'[[sensors]]\nid = "pm-room{room.id}"\ndriver = "pms5003"\nlocation = "{where}"\nport = "/dev/fake-pms"\n'
            f'[[sensors]]\nid = "hcho-room{room.id}"\ndriver = "wzs"\nlocation = "{where}"\nport = "/dev/fake-wzs"\n'
            f'[[safety_inputs]]\nname = "door-room{room.id}"\nkind = "door"\npin = 5\nlocation = "{where}"\n'
            f'label = "{room.name}门"\n'
            # The 表6 device evidence and the UV lamp (issue #18): a window contact, a PIR motion sensor and the UV
            # lamp's relay behind the interlock, all on fakes (the fake relay records every switch).
            f'[[hygiene_inputs]]\nname = "window-room{room.id}"\nkind = "window"\npin = 12\nroom_id = {room.id}\n'
            f'[[hygiene_inputs]]\nname = "pir-room{room.id}"\nkind = "motion"\npin = 16\nroom_id = {room.id}\n'
            f'[[uv_lamps]]\nname = "uv-room{room.id}"\nroom_id = {room.id}\npin = 24\nmotion_input = "pir-room{room.id}"\n')
    if first:
        text += ('[[sensors]]\nid = "fridge-sample"\ndriver = "ds18b20"\nlocation = "fridge-sample"\n'
                 'path = "28-000000000001"\n'
                 f'[[safety_inputs]]\nname = "panic-office"\nkind = "panic"\npin = 6\nlocation = "{where}"\n'
                 'label = "办公室紧急按钮"\n'
                 '[[hygiene_inputs]]\nname = "cabinet-kitchen"\nkind = "cabinet"\npin = 13\nlocation = "kitchen"\n')
    config = data_dir / "agent.toml"
    config.write_text(text, encoding="utf-8")
    return config


def start_all(centre: Centre, base_dir: Path, server_url: str, *,
              mqtt: tuple[str, int] | None = None) -> list[subprocess.Popen[bytes]]:
    """Enrol (first time only) and start one agent per active room."""
    rooms = db.session.execute(
        select(Room).where(Room.centre_id == centre.id, Room.is_active).order_by(Room.id)).scalars().all()
    plans = []
    for index, room in enumerate(rooms):
        children = len(db.session.execute(select(Child.id).where(Child.room_id == room.id)).all())
        data_dir = base_dir / f"agent-room{room.id}"
        config = write_config(data_dir, room, children, mqtt=mqtt, first=index == 0)
        code = None
        if not (data_dir / "token").exists():
            code, _ = create_enrolment_code(centre, kind=DeviceKind.AGENT, name=f"{room.name} 环境监测",
                                            actor=Actor.system(), now=utcnow())
        plans.append((config, code, room.name))
    db.session.commit()  # the codes must be visible to the agents, and SQLite's lock released
    processes = []
    for config, code, name in plans:
        if code is not None:
            subprocess.run([_script("tuoyu-agent"), "enroll", "--server", server_url, "--code", code,
                            "--config", str(config), "--name", f"{name} 环境监测"], check=True)
        processes.append(subprocess.Popen([_script("tuoyu-agent"), "run", "--config", str(config)]))
    return processes
