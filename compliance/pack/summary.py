"""What the PDF summary and data/centre.json say about the centre and the period / 摘要内容.

Gathers the figures an inspector reads first; ``compliance.pack.pdf`` only lays them out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import datetime, tzinfo
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from compliance.findings import Finding, Severity
from compliance.pack.layout import register_csv_path
from compliance.pack.pdf import KeyFigure, RegisterSummary, SummaryData
from compliance.period import Period
from compliance.records import CentreRecord
from compliance.registers import RegisterSource
from compliance.rulebook.model import Rulebook
from compliance.signing import fingerprint
from compliance.statistics import percent


def centre_json(centre: CentreRecord) -> dict[str, Any]:
    """The centre record as JSON, with the Chinese names of its legal form and filing status."""
    data = asdict(centre)
    data["legal_form_zh"] = centre.legal_form.zh
    data["filing_status_zh"] = centre.filing_status.zh
    return data


def key_figures(centre: CentreRecord, findings: Sequence[Finding], rows: Mapping[str, int],
                extra: Sequence[KeyFigure]) -> list[KeyFigure]:
    """Places, 普惠 share, findings per severity and register rows, then the caller's own figures."""
    puhui = percent(centre.puhui_places, centre.approved_places)
    share = "—" if puhui is None else f"{puhui} %"
    figures = [
        KeyFigure("核定托位", "approved places", str(centre.approved_places)),
        KeyFigure("普惠托位", "普惠 places", str(centre.puhui_places)),
        KeyFigure("普惠托位占比", "share of 普惠 places", share),
    ]
    for severity in reversed(Severity):
        count = sum(1 for f in findings if f.severity is severity)
        figures.append(KeyFigure(f"发现：{severity.zh}", f"findings: {severity.value}", str(count)))
    figures.append(KeyFigure("登记表行数合计", "register rows in total", str(sum(rows.values()))))
    return figures + list(extra)


def summary_data(*, centre: CentreRecord, period: Period, generated_at: datetime, tz: tzinfo,
                 generator_version: str, rulebook: Rulebook, key_id: str, public_key: Ed25519PublicKey,
                 findings: Sequence[Finding], registers: Sequence[RegisterSource], rows: Mapping[str, int],
                 statistics: Sequence[KeyFigure]) -> SummaryData:
    """Everything the PDF summary shows, once the registers are written and counted."""
    return SummaryData(
        centre=centre,
        period=period,
        generated_at=generated_at,
        tz=tz,
        generator_version=generator_version,
        rulebook=rulebook,
        key_id=key_id,
        key_fingerprint=fingerprint(public_key),
        findings=findings,
        registers=[
            RegisterSummary(s.name, s.title_en, register_csv_path(s.name), rows[s.name], s.responsibility,
                            s.inspection_area)
            for s in registers
        ],
        statistics=key_figures(centre, findings, rows, statistics),
    )
