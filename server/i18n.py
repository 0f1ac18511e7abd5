"""Language and labels: Chinese first, English second."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale

LABELS_KEY = "tuoyu.labels"  # app.extensions: label_table() of every closed set, listed by the app factory


def label_table(*tables: dict[StrEnum, tuple[str, str]]) -> dict[object, tuple[str, str]]:
    """One lookup over every domain's label table, keyed by (enum type, value).

    Two closed sets may share a value (StaffRole.HEALTH 保健员, a credential kind "health" 健康证明) without one
    hiding the other.
    """
    merged: dict[object, tuple[str, str]] = {}
    for table in tables:
        for value, names in table.items():
            merged[(type(value), str(value))] = names
            merged.setdefault(str(value), names)  # a plain string (e.g. from JSON) takes the first table's name
    return merged


def _names(value: StrEnum | str) -> tuple[str, str]:
    table = current_app.extensions[LABELS_KEY]
    return table.get((type(value), str(value))) or table.get(str(value)) or (str(value), str(value))


def select_locale() -> str:
    """The session's choice; else, for API callers, their Accept-Language; else Chinese.

    Pages keep Chinese first whatever the browser asks (the switch changes them); a job or the CLI has no
    request and gets the default.
    """
    languages, default = current_app.config["LANGUAGES"], current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():
        return default
    lang = session.get("lang")
    if lang in languages:
        return lang
    if request.path.startswith("/api/"):
        return _accepted(languages) or default
    return default


def _accepted(languages: list[str]) -> str | None:
    """The configured language the caller's Accept-Language prefers, matched on the primary tag.

    zh_Hans_CN is offered as "zh", so "zh-CN,zh;q=0.9,en;q=0.8" picks Chinese rather than the exact "en".
    """
    by_tag = {code.split("_")[0].lower(): code for code in languages}
    match = request.accept_languages.best_match(list(by_tag))
    return by_tag.get(match) if match else None


def is_chinese() -> bool:
    return str(get_locale()).startswith("zh")


def label(value: StrEnum) -> str:
    """The human name of a closed-set value in the current language."""
    zh, en = _names(value)
    return zh if is_chinese() else en


def bilingual(value: StrEnum) -> str:
    """Both names, Chinese first (for exports and packs)."""
    zh, en = _names(value)
    return f"{zh} / {en}"


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["label"] = label
    app.jinja_env.globals["is_chinese"] = is_chinese

    @app.template_filter("localtime")
    def _localtime(instant: datetime | None, tz: str = "Asia/Shanghai", fmt: str = "%Y-%m-%d %H:%M") -> str:
        from zoneinfo import ZoneInfo

        return "" if instant is None else instant.astimezone(ZoneInfo(tz)).strftime(fmt)
