"""Push through Apprise (WeCom 企业微信, DingTalk, e-mail, JSON webhooks …): one maintained library, one URL.

The centre configures a URL template with `{address}` (`mailto://user:pass@smtp.example.cn?to={address}`,
`json://host:port/hook/{address}`); each guardian's address for the channel is filled in, URL-quoted. Apprise's
`notify()` only says yes or no: the reason of a failure is read from its log (`apprise.LogCapture`).
"""

from __future__ import annotations

import logging
import warnings
from typing import TYPE_CHECKING
from urllib.parse import quote

import apprise

with warnings.catch_warnings():
    # Apprise's PGP helper imports the standard library's imghdr (deprecated since 3.11; Apprise shims it on 3.13)
    # when the first URL is added: imported once here, quietly, so no push or test trips over its warning.
    warnings.simplefilter("ignore", DeprecationWarning)
    import apprise.utils.pgp  # noqa: F401

if TYPE_CHECKING:
    from server.notices.channels import Message, SendResult

ADDRESS = "{address}"
MAX_ERROR = 500
SAMPLE_ADDRESS = "guardian@example.cn"


def fill(template: str, address: str) -> str:
    """The template with the address put in (quoted, so it cannot add URL parts of its own)."""
    return template.replace(ADDRESS, quote(address, safe="@+"))


def accepts(template: str) -> bool:
    """Whether Apprise knows the URL this template makes (a sample address filled in)."""
    if ADDRESS not in template:
        return False
    return bool(apprise.Apprise().add(fill(template, SAMPLE_ADDRESS)))


def scrub(text: str, secrets: list[str]) -> str:
    """The text without the secrets it may quote (the URL, its parts, the address), shortened."""
    for secret in sorted((s for s in secrets if s and len(s) >= 3), key=len, reverse=True):
        text = text.replace(secret, "…")
    return text[:MAX_ERROR]


class AppriseChannel:
    kind = "apprise"

    def __init__(self, url_template: str) -> None:
        self._template = url_template

    def send(self, message: Message, *, timeout_s: float) -> SendResult:
        """One push to `message.address`; the failure's reason from Apprise's warnings and errors."""
        from server.notices.channels import SendResult

        if not message.address:
            return SendResult(ok=False, error="no address")
        url = fill(self._template, message.address)
        secrets = [url, self._template, message.address, quote(message.address, safe="@+"),
                   *self._template.replace(ADDRESS, " ").replace("/", " ").replace("?", " ").replace("&", " ").split()]
        pusher = apprise.Apprise()
        if not pusher.add(url):
            return SendResult(ok=False, error="the channel's URL is not one Apprise knows")
        with apprise.LogCapture(level=logging.WARNING, fmt="%(levelname)s %(message)s") as log:
            ok = bool(pusher.notify(body=message.body, title=message.title, timeout=timeout_s))
            text = log.getvalue().strip()
        if ok:
            return SendResult(ok=True)
        return SendResult(ok=False, error=scrub(" | ".join(text.splitlines()) or "not delivered", secrets))
