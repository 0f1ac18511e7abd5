"""The notifier's channels: the family's in-portal inbox (always on) and Apprise push (configured per centre).

A channel sends one rendered message to one address and says whether it went; it never touches the database
(the outbox's drain records the result). Channels are chosen by kind through an explicit table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from server.notices.channels.apprise_push import AppriseChannel
from server.notices.channels.portal import PortalChannel

PORTAL = "portal"
APPRISE = "apprise"


@dataclass(frozen=True)
class Message:
    """What one recipient gets: a title and a short body (no health detail: PIPL), in their language."""

    title: str
    body: str
    address: str | None = None  # None on the portal: the inbox is the guardian's own


@dataclass(frozen=True)
class SendResult:
    ok: bool
    error: str | None = None  # why it failed, scrubbed of the URL and the address


class Channel(Protocol):
    kind: str

    def send(self, message: Message, *, timeout_s: float) -> SendResult: ...


def build_channel(kind: str, url_template: str | None) -> Channel:
    """The channel of `kind` (`url_template`: an Apprise channel's opened URL)."""
    if kind == PORTAL:
        return PortalChannel()
    if kind == APPRISE and url_template:
        return AppriseChannel(url_template)
    raise ValueError(f"unknown or unconfigured channel {kind!r}")


__all__ = ["APPRISE", "PORTAL", "AppriseChannel", "Channel", "Message", "PortalChannel", "SendResult",
           "build_channel"]
