"""The in-portal channel: a notice is delivered when it is in the family's inbox, which it is once queued."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from server.notices.channels import Message, SendResult


class PortalChannel:
    kind = "portal"

    def send(self, message: Message, *, timeout_s: float) -> SendResult:
        """Nothing to transmit: the guardian's inbox shows the notice; the row records that it is there."""
        from server.notices.channels import SendResult

        return SendResult(ok=True)
