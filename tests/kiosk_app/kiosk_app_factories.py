"""A kiosk on fakes for the tests: signed roster, replay camera, mock GPIO, real outbox, real local server.

Keys come from fixed seeds, so every run signs the same bytes. The fake "now" is Monday
2026-09-07 08:30 in Shanghai (00:30 UTC), when parents bring their children.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import random
import ssl
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import cv2
import httpx
import numpy as np
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from devices.delivery import Deliverer
from devices.uplink import HttpUplink
from devices.wire.card import issue_card
from devices.wire.keys import public_key_text
from devices.wire.phone import phone_code
from devices.wire.pin import hash_pin
from devices.wire.roster import (
    CredentialNotice,
    PersonKind,
    PhoneEnrolment,
    RosterCentre,
    RosterChild,
    RosterCredential,
    RosterDocument,
    RosterPerson,
    expand_keys,
)
from hardware.camera.replay import ReplayCamera
from hardware.clock import FakeClock
from hardware.gpio import KioskSignals, open_pin_factory
from kiosk.config import KioskConfig, config_from_mapping
from kiosk.events import EventWriter
from kiosk.fake_server import FakeKioskServer
from kiosk.machine import Kiosk
from kiosk.presence import Presence
from kiosk.roster import RosterCache
from kiosk.sync import Enrolment, PhotoCache, RosterSync

T0 = datetime(2026, 9, 7, 0, 30, tzinfo=UTC)
CENTRE_ID = 7
DEVICE = "kiosk-01"
TOKEN = "token-kiosk-01"
FRAME = timedelta(seconds=1 / 30)
SSL_CONTEXT = ssl.create_default_context()  # made once: loading the CA store costs ~40 ms per client
CAMERA_SIZE = [480, 360]  # small frames: an empty frame costs ~10 ms to decode instead of ~20

MOTHER_PIN = "482915"
TEACHER_PIN = "730261"
FATHER_PIN = "357193"

# Credential ids
MOTHER = 1001  # 王芳 (c1): drops off and picks up both 王小明 and 王小红
NANNY = 1002  # 李阿姨 (c2): may drop off 王小明, may pick up nobody
UNCLE = 1003  # 张伟 (c3): listed, authorised for no child
TEACHER = 1004  # 陈老师 (s1): staff
MOTHER_OLD = 1005  # 王芳's previous credential, expired yesterday
FATHER = 1006  # 刘强 (c4): one child, 刘一一

XIAOMING, XIAOHONG, YIYI = 101, 102, 103


def key(seed: str) -> Ed25519PrivateKey:
    """A deterministic Ed25519 key for a name."""
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(seed.encode()).digest())


CENTRE_KEY = key("centre 7")
OTHER_CENTRE_KEY = key("centre 8")
FORGER_KEY = key("a forger")
MOTHER_PHONE = key("mother's phone")


@functools.cache
def fast_pin_hash(pin: str) -> str:
    """argon2id at its cheapest legal cost: the real KDF, fast enough for tests."""
    return hash_pin(pin, time_cost=1, memory_cost_kib=64)


@functools.cache
def photo_png(shade: int) -> bytes:
    """A tiny real PNG."""
    ok, data = cv2.imencode(".png", np.full((12, 10, 3), shade, np.uint8))
    assert ok
    return data.tobytes()


PHOTOS = {11: photo_png(40), 12: photo_png(60), 13: photo_png(80), 14: photo_png(90), 21: photo_png(100),
          22: photo_png(120), 23: photo_png(140)}


def family_persons(count: int) -> tuple[tuple[RosterPerson, ...], tuple[RosterCredential, ...], tuple[RosterChild, ...]]:
    """``count`` more one-child families: person c2xx, credential 2xxx, child 3xx."""
    persons = tuple(RosterPerson(f"c{200 + i}", f"家长{i}", PersonKind.GUARDIAN, drop_off=(300 + i,),
                                 pick_up=(300 + i,)) for i in range(count))
    credentials = tuple(RosterCredential(2000 + i, f"c{200 + i}", date(2027, 8, 31), card_serial=1)
                        for i in range(count))
    children = tuple(RosterChild(300 + i, f"孩子{i}", "托大班") for i in range(count))
    return persons, credentials, children


def make_document(*, version: int = 1, generated_at: datetime = T0 - timedelta(hours=1), families: int = 0,
                  **changes: Any) -> RosterDocument:
    """The test roster; keyword arguments replace whole fields of the document."""
    extra_persons, extra_credentials, extra_children = family_persons(families)
    document = RosterDocument(
        centre=RosterCentre(CENTRE_ID, "SH-XH-007", "Asia/Shanghai"),
        version=version,
        generated_at=generated_at,
        keys=expand_keys([CENTRE_KEY.public_key()]),
        persons=(
            RosterPerson("c1", "王芳", PersonKind.GUARDIAN, photo=11, pin_hash=fast_pin_hash(MOTHER_PIN),
                         drop_off=(XIAOMING, XIAOHONG), pick_up=(XIAOMING, XIAOHONG)),
            RosterPerson("c2", "李阿姨", PersonKind.PICKUP, photo=12, drop_off=(XIAOMING,)),
            RosterPerson("c3", "张伟", PersonKind.PICKUP),
            RosterPerson("c4", "刘强", PersonKind.GUARDIAN, photo=14, pin_hash=fast_pin_hash(FATHER_PIN),
                         drop_off=(YIYI,), pick_up=(YIYI,)),
            RosterPerson("s1", "陈老师", PersonKind.STAFF, photo=13, pin_hash=fast_pin_hash(TEACHER_PIN)),
            *extra_persons,
        ),
        credentials=(
            RosterCredential(MOTHER, "c1", date(2027, 8, 31), card_serial=2, revoked_serials=(1,),
                             phones=(PhoneEnrolment(9001, public_key_text(MOTHER_PHONE)),)),
            RosterCredential(NANNY, "c2", date(2027, 8, 31), card_serial=1),
            RosterCredential(UNCLE, "c3", date(2027, 8, 31), card_serial=1),
            RosterCredential(TEACHER, "s1", date(2027, 8, 31), card_serial=1),
            RosterCredential(MOTHER_OLD, "c1", date(2026, 9, 6), card_serial=1),
            RosterCredential(FATHER, "c4", date(2027, 8, 31), card_serial=1),
            *extra_credentials,
        ),
        children=(RosterChild(XIAOMING, "王小明", "乳儿班", 21), RosterChild(XIAOHONG, "王小红", "托小班", 22),
                  RosterChild(YIYI, "刘一一", "托小班", 23), *extra_children),
    )
    return dataclasses.replace(document, **changes)


HEALTH = ("托幼机构工作人员健康合格证", "Childcare staff health certificate")


def roster_with_notice(notice: CredentialNotice, *, version: int = 2) -> RosterDocument:
    """The test roster, 陈老师 (s1) carrying her own credential notice (issue #14)."""
    document = make_document(version=version)
    persons = tuple(dataclasses.replace(p, notice=notice) if p.id == "s1" else p for p in document.persons)
    return dataclasses.replace(document, persons=persons)


CARD_PERSONS = {MOTHER: "c1", NANNY: "c2", UNCLE: "c3", TEACHER: "s1", MOTHER_OLD: "c1", FATHER: "c4"}


def card(credential_id: int = MOTHER, *, person_id: str | None = None, serial: int | None = None,
         signer: Ed25519PrivateKey = CENTRE_KEY, centre_id: int = CENTRE_ID,
         expires_on: date = date(2029, 8, 31)) -> str:
    """The QR text of a printed card (by default the mother's current card, serial 2)."""
    if person_id is None:
        person_id = CARD_PERSONS.get(credential_id) or f"c{200 + credential_id - 2000}"
    if serial is None:
        serial = 2 if credential_id == MOTHER else 1
    return issue_card(signer, centre_id=centre_id, credential_id=credential_id, person_id=person_id, serial=serial,
                      issued_at=datetime(2026, 8, 20, 2, 0, tzinfo=UTC), expires_on=expires_on)


def mother_phone_code(at: datetime) -> str:
    """The mother's rotating phone code at ``at``."""
    return phone_code(MOTHER_PHONE, MOTHER, at)


def make_config(data_dir: Path, server_url: str, **sections: Any) -> KioskConfig:
    """A kiosk config for tests: replay camera at 480x360, fake GPIO; ``sections`` override tables."""
    raw: dict[str, Any] = {"server_url": server_url, "data_dir": str(data_dir), "label": "前门 / Front door",
                           "camera": {"kind": "replay", "size": CAMERA_SIZE, "fps": 30},
                           "gpio": {"backend": "fake"}}
    raw.update(sections)
    return config_from_mapping(raw)


@dataclass
class Rig:
    """A kiosk on fakes, with everything a test looks at."""

    clock: FakeClock
    config: KioskConfig
    server: FakeKioskServer
    camera: ReplayCamera
    signals: KioskSignals
    pin_factory: Any
    events: EventWriter
    deliverer: Deliverer
    sync: RosterSync
    kiosk: Kiosk
    clients: list[httpx.Client]

    def scan(self, text: str) -> list[Any]:
        """Hold ``text`` up to the camera for one frame and step once."""
        self.camera.show(text)
        self.clock.advance(FRAME)
        return self.kiosk.step()

    def frames(self, count: int) -> list[Any]:
        """Step ``count`` more frames with whatever is in view."""
        verdicts = []
        for _ in range(count):
            self.clock.advance(FRAME)
            verdicts.extend(self.kiosk.step())
        return verdicts

    def lower(self) -> None:
        """The person lowers the card: nothing in view."""
        self.camera.clear()

    def outbox_events(self) -> list[tuple[str, dict[str, Any]]]:
        """(kind, payload) of every event still waiting in the outbox, oldest first."""
        outbox = self.events.outbox
        claimed = outbox.claim(500)
        outbox.release([e.key for e in claimed])
        return [(str(e.kind), e.payload) for e in claimed]

    def deliver_all(self, limit: int = 50) -> None:
        """Step the deliverer until the outbox is empty (it backs off on the fake clock)."""
        for _ in range(limit):
            if self.events.pending_count() == 0:
                return
            self.clock.advance(seconds=self.deliverer.seconds_until_next_attempt())
            self.deliverer.step()
        raise AssertionError(f"{self.events.pending_count()} events still waiting")

    def close(self) -> None:
        self.camera.close()
        self.signals.close()
        self.pin_factory.close()
        self.events.close()
        for client in self.clients:
            client.close()


def make_server(document: RosterDocument | None = None) -> FakeKioskServer:
    """The fake server with the test kiosk enrolled, the roster published and its photos."""
    server = FakeKioskServer(CENTRE_KEY, centre_id=CENTRE_ID)
    server.add_device(DEVICE, TOKEN)
    server.publish(document or make_document())
    server.photos.update(PHOTOS)
    return server


def make_rig(data_dir: Path, server: FakeKioskServer, *, now: datetime = T0, sync_first: bool = True,
             **sections: Any) -> Rig:
    """A kiosk wired like the runtime does, but stepped by the test (deliverer and sync inline)."""
    clock = FakeClock(current=now)
    config = make_config(data_dir, server.base_url, **sections)
    enrolment = Enrolment(DEVICE, CENTRE_ID, "SH-XH-007", server.base_url,
                          (public_key_text(CENTRE_KEY.public_key()),), TOKEN)
    enrolment.save(data_dir)
    camera = ReplayCamera(clock=clock, size=tuple(CAMERA_SIZE), fps=30)  # type: ignore[arg-type]
    factory = open_pin_factory("fake")
    signals = KioskSignals(config.gpio.pins, factory, clock, config.gpio.timings)
    events = EventWriter(config.outbox_path, clock, DEVICE)
    uplink_client = httpx.Client(timeout=5.0, verify=SSL_CONTEXT)
    sync_client = httpx.Client(timeout=5.0, verify=SSL_CONTEXT)
    deliverer = Deliverer(events.outbox, HttpUplink(server.base_url, TOKEN, client=uplink_client), clock,
                          random.Random(1234), batch_size=20)
    cache = RosterCache(config.roster_dir, enrolment.public_keys(), CENTRE_ID)
    photos = PhotoCache(config.photo_dir)
    sync = RosterSync(server.base_url, TOKEN, cache, photos, clock, sync_client,
                      interval_s=config.roster.sync_interval_s, retry_s=config.roster.retry_interval_s,
                      on_demand_interval_s=config.roster.on_demand_interval_s)
    presence = Presence(clock, ZoneInfo("Asia/Shanghai"), config.presence_path)
    kiosk = Kiosk(config, clock=clock, camera=camera, signals=signals, events=events, roster_cache=cache,
                  photos=photos, deliverer=deliverer, sync=sync, inline_io=True, presence=presence,
                  centre_code="SH-XH-007")
    camera.start()
    if sync_first:
        sync.sync_now()
    return Rig(clock, config, server, camera, signals, factory, events, deliverer, sync, kiosk,
               [uplink_client, sync_client])
