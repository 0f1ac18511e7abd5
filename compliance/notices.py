"""Plain records of the notices to guardians the server maps its models onto / 家长通知记录.

Kept free of ``compliance.records`` so that ``ComplianceInputs`` can hold them without an import cycle. Times are
aware datetimes; ``deadline_at`` is None for a notice that needs no acknowledgement (or no rule timed it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

Id = int | str


@dataclass(frozen=True)
class NoticeRecord:
    """One notice to the guardians of a child: when it was queued, delivered, due and acknowledged."""

    id: Id
    child_id: Id
    kind: str
    kind_zh: str
    kind_en: str
    queued_at: datetime
    delivered_at: datetime | None = None
    deadline_at: datetime | None = None
    acknowledged_at: datetime | None = None

    def overdue_at(self, at: datetime) -> bool:
        """Past its deadline at ``at`` and not acknowledged by then."""
        return (self.deadline_at is not None and self.deadline_at <= at
                and (self.acknowledged_at is None or self.acknowledged_at > at))


@dataclass(frozen=True)
class NoticeEvidence:
    """The notices that could be outstanding in a period: queued before its end, not acknowledged before it began."""

    notices: tuple[NoticeRecord, ...] = ()
