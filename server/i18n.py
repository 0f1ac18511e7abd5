"""Language and labels: Chinese first, English second."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask import Flask, current_app, session
from flask_babel import get_locale

LABELS_KEY = "tuoyu.labels"  # app.extensions: closed-set value -> (Chinese, English), listed by the app factory


def _labels() -> dict[StrEnum, tuple[str, str]]:
    return current_app.extensions[LABELS_KEY]


def select_locale() -> str:
    lang = session.get("lang")
    return lang if lang in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


def is_chinese() -> bool:
    return str(get_locale()).startswith("zh")


def label(value: StrEnum) -> str:
    """The human name of a closed-set value in the current language."""
    zh, en = _labels().get(value, (str(value), str(value)))
    return zh if is_chinese() else en


def bilingual(value: StrEnum) -> str:
    """Both names, Chinese first (for exports and packs)."""
    zh, en = _labels().get(value, (str(value), str(value)))
    return f"{zh} / {en}"


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["label"] = label
    app.jinja_env.globals["is_chinese"] = is_chinese

    @app.template_filter("localtime")
    def _localtime(instant: datetime | None, tz: str = "Asia/Shanghai", fmt: str = "%Y-%m-%d %H:%M") -> str:
        from zoneinfo import ZoneInfo

        return "" if instant is None else instant.astimezone(ZoneInfo(tz)).strftime(fmt)
