"""Who in a centre's fleet runs an older version: behind the newest of its kind there, or behind the server."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

from packaging.version import InvalidVersion, Version

from server.fleet.models import Device, DeviceKind


@dataclass(frozen=True)
class VersionStanding:
    """A device's version against the newest it should run; `known` is False for a missing or unparsable version."""

    known: bool
    behind: bool
    newest: str | None


def parse(text: str | None) -> Version | None:
    try:
        return Version(text) if text else None
    except InvalidVersion:
        return None


def server_version() -> str | None:
    """The installed server's own package version."""
    try:
        return version("tuoyu")
    except PackageNotFoundError:
        return None


def version_standings(devices: Iterable[Device], server: str | None) -> dict[int, VersionStanding]:
    """Each device's standing, by primary key; the newest of a kind counts the centre's devices not revoked.

    A device is behind when its version is older than the newest reported by an active device of the same kind in
    the devices given (one centre's), or than the server's own version. Unparsable versions are unknown: never
    behind, and never the newest. A revoked device is never behind (nobody will upgrade it).
    """
    devices = list(devices)
    floor = parse(server)
    newest: dict[DeviceKind, Version] = {}
    for device in devices:
        parsed = parse(device.version)
        if parsed is not None and device.revoked_at is None:
            newest[device.kind] = max(parsed, newest.get(device.kind, parsed))
    standings = {}
    for device in devices:
        parsed = parse(device.version)
        target = max((v for v in (newest.get(device.kind), floor) if v is not None), default=None)
        behind = parsed is not None and target is not None and device.revoked_at is None and parsed < target
        standings[device.id] = VersionStanding(known=parsed is not None, behind=behind,
                                               newest=str(target) if target is not None else None)
    return standings
