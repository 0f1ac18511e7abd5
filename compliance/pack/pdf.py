"""summary.pdf: the Chinese summary page set of a pack / 资料包摘要 PDF.

The CJK font is embedded (TrueType outlines, subsetted by ReportLab) so the
PDF prints the same everywhere. STSong-Light, a font the reader must supply,
is only a fallback when no font file exists, and the PDF metadata says so.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from compliance.findings import Finding, Severity
from compliance.period import Period
from compliance.records import CentreRecord
from compliance.rulebook.model import Rulebook
from compliance.sections import InspectionArea, Responsibility

DEFAULT_FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
FONT_ENV = "TUOYU_PDF_FONT"
FALLBACK_FONT = "STSong-Light"
MAX_EVIDENCE_SHOWN = 6


@dataclass(frozen=True)
class KeyFigure:
    """One line of the key-statistics table."""

    label_zh: str
    label_en: str
    value: str


@dataclass(frozen=True)
class RegisterSummary:
    """A register as listed in the summary: name, section, file and row count."""

    name: str
    title_en: str
    path: str
    rows: int
    responsibility: Responsibility
    inspection_area: InspectionArea


@dataclass(frozen=True)
class SummaryData:
    """Everything summary.pdf shows."""

    centre: CentreRecord
    period: Period
    generated_at: datetime
    tz: tzinfo
    generator_version: str
    rulebook: Rulebook
    key_id: str
    key_fingerprint: str
    findings: Sequence[Finding]
    registers: Sequence[RegisterSummary]
    statistics: Sequence[KeyFigure]


@dataclass(frozen=True)
class FontChoice:
    """The font used: its ReportLab name, the file (None for the fallback) and whether it is embedded."""

    name: str
    path: str | None
    embedded: bool


@lru_cache(maxsize=8)
def _register_ttf(path: str) -> str:
    # Parsing a 17 MB TTC takes a noticeable moment: once per process per file.
    name = "TuoyuCJK-" + hashlib.sha256(path.encode()).hexdigest()[:8]
    pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0))
    return name


@lru_cache(maxsize=1)
def _register_fallback() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return FALLBACK_FONT


def resolve_font(font_path: str | None = None) -> FontChoice:
    """The font for the PDF: argument, then ``TUOYU_PDF_FONT``, then WenQuanYi Zen Hei, else STSong-Light."""
    for candidate in (font_path, os.environ.get(FONT_ENV), DEFAULT_FONT):
        if candidate and Path(candidate).is_file():
            return FontChoice(_register_ttf(candidate), candidate, embedded=True)
    return FontChoice(_register_fallback(), None, embedded=False)


class _Styles:
    def __init__(self, font: str) -> None:
        # wordWrap="CJK" lets lines break between any two Chinese characters.
        self.body = ParagraphStyle("body", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
        self.title = ParagraphStyle("title", parent=self.body, fontSize=18, leading=24, alignment=TA_CENTER)
        self.subtitle = ParagraphStyle("subtitle", parent=self.body, fontSize=11, leading=15, alignment=TA_CENTER)
        self.h1 = ParagraphStyle("h1", parent=self.body, fontSize=13, leading=18, spaceBefore=10, spaceAfter=4)
        self.h2 = ParagraphStyle("h2", parent=self.body, fontSize=10.5, leading=14, spaceBefore=6, spaceAfter=2)
        self.cell = ParagraphStyle("cell", parent=self.body, fontSize=8, leading=10.5)
        self.small = ParagraphStyle("small", parent=self.body, fontSize=7, leading=9, textColor=colors.HexColor("#444444"))


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _table(rows: list[list[Any]], widths: list[float], font: str) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#888888")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E4E4E4")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _local(moment: datetime, tz: tzinfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %z")


def _evidence(finding: Finding) -> str:
    shown = list(finding.evidence[:MAX_EVIDENCE_SHOWN])
    rest = len(finding.evidence) - len(shown)
    text = ", ".join(shown)
    return text + (f" 等共 {len(finding.evidence)} 项 ({rest} more)" if rest > 0 else "")


def _centre_rows(data: SummaryData, s: _Styles) -> list[list[Any]]:
    c = data.centre
    filed = f"{c.filing_status.zh}（{c.filed_on.isoformat()}）" if c.filed_on else c.filing_status.zh
    region = data.rulebook.region_name
    pairs = [
        ("机构代码 Code", c.code),
        ("机构名称 Name", c.name),
        ("机构性质 Legal form", c.legal_form.zh),
        ("登记机关 Registering authority", c.registering_authority),
        ("备案状态 Filing", filed),
        ("核定托位 Approved places", str(c.approved_places)),
        ("普惠托位 普惠 places", str(c.puhui_places)),
        ("地区 Region", f"{region.zh} {region.en}" if region else "全国 national"),
        ("地址 Address", c.address or "—"),
    ]
    return [[_p("项目 Item", s.cell), _p("内容 Value", s.cell)]] + [[_p(k, s.cell), _p(v, s.cell)] for k, v in pairs]


def _pack_rows(data: SummaryData, s: _Styles) -> list[list[Any]]:
    pairs = [
        ("报告期间 Period", data.period.label()),
        ("生成时间 Generated at", _local(data.generated_at, data.tz)),
        ("生成程序 Generator", data.generator_version),
        ("规则库版本 Rulebook version", f"{data.rulebook.version}（{data.rulebook.on.isoformat()} 生效规则）"),
        ("签名密钥 Key id", data.key_id),
        ("公钥指纹 Key fingerprint (SHA-256)", data.key_fingerprint),
    ]
    return [[_p("项目 Item", s.cell), _p("内容 Value", s.cell)]] + [[_p(k, s.cell), _p(v, s.cell)] for k, v in pairs]


def _finding_rows(findings: Sequence[Finding], s: _Styles) -> list[list[Any]]:
    rows: list[list[Any]] = [
        [_p("程度 Severity", s.cell), _p("规则 Rule", s.cell), _p("说明 Message", s.cell), _p("证据 Evidence", s.cell)]
    ]
    for f in sorted(findings, key=lambda f: (-f.severity.rank, f.rule_id)):
        rows.append(
            [
                _p(f"{f.severity.zh}\n{f.severity.value}", s.cell),
                _p(f.rule_id, s.cell),
                [_p(f.message_zh, s.cell), _p(f.message_en, s.small)],
                _p(_evidence(f), s.small),
            ]
        )
    return rows


def _area_rows(findings: Sequence[Finding], s: _Styles) -> list[list[Any]]:
    severities = list(Severity)
    header = [_p("检查领域 Inspection area", s.cell)] + [_p(f"{sev.zh}\n{sev.value}", s.cell) for sev in severities]
    rows: list[list[Any]] = [header + [_p("涉及规则 Rules", s.cell)]]
    for area in InspectionArea:
        in_area = [f for f in findings if f.inspection_area is area]
        counts = [str(sum(1 for f in in_area if f.severity is sev)) for sev in severities]
        rule_ids = ", ".join(sorted({f.rule_id for f in in_area})) or "—"
        rows.append([_p(f"{area.zh}\n{area.en}", s.cell)] + [_p(c, s.cell) for c in counts] + [_p(rule_ids, s.small)])
    return rows


def _story(data: SummaryData, font: FontChoice, s: _Styles) -> list[Flowable]:
    width = A4[0] - 36 * mm
    story: list[Flowable] = [
        _p("托育机构合规资料包", s.title),
        _p("Compliance pack for a childcare centre", s.subtitle),
        _p(f"{data.centre.name}　{data.period.label()}", s.subtitle),
        Spacer(1, 6 * mm),
        _p("一、机构基本情况 Centre profile", s.h1),
        _table(_centre_rows(data, s), [0.35 * width, 0.65 * width], font.name),
        _p("二、资料包信息 About this pack", s.h1),
        _table(_pack_rows(data, s), [0.35 * width, 0.65 * width], font.name),
        _p("三、关键指标 Key statistics", s.h1),
        _table(
            [[_p("指标 Figure", s.cell), _p("数值 Value", s.cell)]]
            + [[_p(f"{k.label_zh} {k.label_en}", s.cell), _p(k.value, s.cell)] for k in data.statistics],
            [0.65 * width, 0.35 * width],
            font.name,
        ),
        _p("四、评估发现（按主体责任）Findings by primary responsibility", s.h1),
    ]
    for number, responsibility in enumerate(Responsibility, start=1):
        group = [f for f in data.findings if f.responsibility is responsibility]
        story.append(_p(f"{number}. {responsibility.zh} {responsibility.en}：{len(group)} 项 finding(s)", s.h2))
        if group:
            story.append(_table(_finding_rows(group, s), [0.14 * width, 0.21 * width, 0.45 * width, 0.2 * width], font.name))
        else:
            story.append(_p("无发现。None.", s.body))
    story += [
        _p("五、评估发现（按检查领域）Findings by inspection area", s.h1),
        _table(_area_rows(data.findings, s), [0.2 * width] + [0.1 * width] * 4 + [0.4 * width], font.name),
        _p("六、登记表 Registers", s.h1),
        _table(
            [[_p("登记表 Register", s.cell), _p("所属分节 Section", s.cell), _p("行数 Rows", s.cell), _p("文件 File", s.cell)]]
            + [
                [
                    _p(f"{r.name}\n{r.title_en}", s.cell),
                    _p(f"{r.responsibility.zh} / {r.inspection_area.zh}", s.cell),
                    _p(str(r.rows), s.cell),
                    _p(r.path, s.small),
                ]
                for r in data.registers
            ],
            [0.32 * width, 0.25 * width, 0.11 * width, 0.32 * width],
            font.name,
        ),
        _p("七、如何核验 How to verify", s.h1),
        _p(
            "本资料包中每个文件的大小和 SHA-256 均列于 manifest.json，并以 Ed25519 签名（manifest.sig）。"
            "无需安装软件：用 Chrome 或 Edge 打开包内的 verify.html，选择本资料包，并粘贴机构公布的公钥。"
            f"也可用命令核验：tuoyu pack verify 资料包.zip --key 公钥文件。公钥指纹应为 {data.key_fingerprint}。",
            s.body,
        ),
        _p(
            "Every file's size and SHA-256 are listed in manifest.json, which is signed with Ed25519 (manifest.sig). "
            "No software needed: open verify.html from the pack in Chrome or Edge, pick this pack and paste the "
            "centre's published public key; or run tuoyu pack verify PACK.zip --key PUBKEY; "
            f"the key fingerprint must read {data.key_fingerprint}.",
            s.small,
        ),
    ]
    if not font.embedded:
        story.append(_p(f"注意：未找到中文字体文件，使用未嵌入的 {FALLBACK_FONT}。Font not embedded.", s.small))
    return story


def render_summary_pdf(data: SummaryData, *, font_path: str | None = None) -> tuple[bytes, FontChoice]:
    """Render summary.pdf; returns the PDF bytes and the font used."""
    font = resolve_font(font_path)
    styles = _Styles(font.name)
    buffer = io.BytesIO()
    font_note = (
        f"font: embedded TrueType {Path(font.path).name}"
        if font.path
        else f"font-fallback: {FALLBACK_FONT} (not embedded; no font file found)"
    )

    # The PDF's CreationDate is the pack's generation time, not the wall clock (see invariant below).
    pdf_date = data.generated_at.astimezone(UTC).strftime("D:%Y%m%d%H%M%S+00'00'")

    def first_page(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.setDateFormatter(lambda *_: pdf_date)
        footer(canvas, doc)

    def footer(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(font.name, 7)
        canvas.drawString(18 * mm, 10 * mm, f"{data.centre.name} · {data.period.label()} · 密钥 key {data.key_id}")
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"第 {doc.page} 页 page {doc.page}")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=f"托育机构合规资料包 {data.centre.name} {data.period.label()}",
        author=data.centre.name,
        subject=f"Compliance pack {data.period.start.isoformat()}..{data.period.end.isoformat()}",
        creator=data.generator_version,
        keywords=[font_note],
        lang="zh-CN",
        initialFontName=font.name,
        # Same inputs give the same bytes: no wall-clock date or random id in the file.
        invariant=True,
    )
    doc.build(_story(data, font, styles), onFirstPage=first_page, onLaterPages=footer)
    return buffer.getvalue(), font
