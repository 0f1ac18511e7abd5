"""Drawn placeholder scans for the demo's staff files: a small PDF that says it is a sample, never a real document."""

from __future__ import annotations

import io
from datetime import date

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from compliance.staffing import mask_number

FONT = "STSong-Light"  # reportlab's built-in CID font: Chinese without a font file
SIZE = (360, 228)  # points: about the shape of a certificate card


def placeholder_scan(title: str, name: str, number: str, issuer: str, issued: date, expires: date | None) -> bytes:
    """A one-page PDF drawn like a certificate, marked 演示样本 across it (reproducible bytes: `invariant`)."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=SIZE, invariant=1)
    width, height = SIZE
    canvas.setFillColorRGB(0.97, 0.95, 0.88)
    canvas.setStrokeColorRGB(0.55, 0.1, 0.1)
    canvas.setLineWidth(3)
    canvas.roundRect(8, 8, width - 16, height - 16, 10, stroke=1, fill=1)
    canvas.setFillColorRGB(0.2, 0.2, 0.2)
    canvas.setFont(FONT, 15)
    canvas.drawCentredString(width / 2, height - 42, title)
    canvas.setFont(FONT, 10)
    lines = (f"姓名：{name}", f"编号：{mask_number(number)}", f"发证机关：{issuer}",
             f"发证日期：{issued.isoformat()}", f"有效期至：{expires.isoformat() if expires else '长期'}")
    for i, line in enumerate(lines):
        canvas.drawString(30, height - 72 - 18 * i, line)
    canvas.circle(width - 62, 52, 28, stroke=1, fill=0)  # where the seal would be
    canvas.saveState()
    canvas.setFillColorRGB(0.85, 0.1, 0.1, alpha=0.35)
    canvas.setFont(FONT, 26)
    canvas.translate(width / 2, height / 2)
    canvas.rotate(18)
    canvas.drawCentredString(0, -8, "演示样本 · 非真实证件")
    canvas.restoreState()
    canvas.showPage()
    canvas.save()
    return out.getvalue()
