"""Language and labels: Chinese first, English second."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask import Flask, current_app, session
from flask_babel import get_locale

from server.auth.roles import ROLE_LABELS
from server.centre.models import LABELS as CENTRE_LABELS
from server.people.models import RELATIONSHIP_LABELS, STAFF_ROLE_LABELS

_LABELS: dict[StrEnum, tuple[str, str]] = {
    **CENTRE_LABELS, **ROLE_LABELS, **RELATIONSHIP_LABELS, **STAFF_ROLE_LABELS,  # type: ignore[dict-item]
}


def select_locale() -> str:
    lang = session.get("lang")
    return lang if lang in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


def is_chinese() -> bool:
    return str(get_locale()).startswith("zh")


def label(value: StrEnum) -> str:
    """The human name of a closed-set value in the current language."""
    zh, en = _LABELS.get(value, (str(value), str(value)))
    return zh if is_chinese() else en


def bilingual(value: StrEnum) -> str:
    """Both names, Chinese first (for exports and packs)."""
    zh, en = _LABELS.get(value, (str(value), str(value)))
    return f"{zh} / {en}"


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["label"] = label
    app.jinja_env.globals["is_chinese"] = is_chinese

    @app.template_filter("localtime")
    def _localtime(instant: datetime | None, tz: str = "Asia/Shanghai", fmt: str = "%Y-%m-%d %H:%M") -> str:
        from zoneinfo import ZoneInfo

        return "" if instant is None else instant.astimezone(ZoneInfo(tz)).strftime(fmt)
