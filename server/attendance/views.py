"""HTML pages of the attendance domain (card sheets, the guardian's phone pass)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("attendance", __name__)
