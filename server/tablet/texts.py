"""The room tablet's words, from the catalogue: the page hands them to its scripts in a JSON block.

`{name}`-style slots are filled in by the script (a time, a count, a child's name).
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_pgettext

from compliance.care.development import development_domains
from server.i18n import is_chinese


def _t(text: str) -> Any:
    """A catalogue string of the tablet (context "tablet", so a common word never clashes with another screen's)."""
    return lazy_pgettext("tablet", text)


TEXTS: dict[str, Any] = {
    "pending": _t("{n} entries waiting to upload"),
    "all_sent": _t("Everything is uploaded"),
    "offline": _t("Offline: entries are kept on this tablet"),
    "waiting": _t("Waiting to upload"),
    "failed": _t("Not accepted"),
    "retry": _t("Send again"),
    "discard": _t("Discard"),
    "confirm_allergy": _t("Confirm and record"),
    "asleep_since": _t("Asleep since {t}"),
    "next_check": _t("Nap check in {m} min"),
    "check_due": _t("Nap check due now"),
    "check_overdue": _t("Nap check overdue by {m} min"),
    "announce_due": _t("{name}: nap check due"),
    "last_meal": _t("Meal {t} · {share}"),
    "last_bottle": _t("Bottle {t} · {ml} ml"),
    "last_water": _t("Water {t}"),
    "last_diaper": _t("Diaper {t} · {kind}"),
    "morning_missing": _t("Morning check to do"),
    "morning_abnormal": _t("Morning check abnormal"),
    "morning_screened": _t("Screened at the door: complete the morning check"),
    "dose_due": _t("Medication {t}: {drug}"),
    "dose_given": _t("Given"),
    "nap_start": _t("Falls asleep"),
    "nap_end": _t("Wakes up"),
    "nap_check": _t("Nap check"),
    "meal": _t("Meal"),
    "bottle": _t("Bottle"),
    "water": _t("Water"),
    "diaper": _t("Diaper"),
    "toilet": _t("Toilet"),
    "outdoor_start": _t("Outdoors: start"),
    "outdoor_end": _t("Outdoors: end"),
    "outdoor_minutes": _t("Minutes outdoors"),
    "observation": _t("Noon check or observation"),
    "morning_check": _t("Morning check"),
    "give_dose": _t("Give medication"),
    "consent": _t("Medication request"),
    "awaiting_signature": _t("Waiting for the guardian's signature since {t}: {drug}"),
    "note_button": _t("Note"),
    "note_kind": _t("What kind of note"),
    "note_note": _t("About the day"),
    "note_observation": _t("Development observation"),
    "note_domain": _t("Area of development"),
    "note_body": _t("What happened"),
    "note_shared": _t("Share with the family"),
    "note_internal": _t("Internal note"),
    "notes_today": _t("Notes today"),
    "no_notes": _t("No notes today."),
    "messages": _t("Messages"),
    "position": _t("Sleeping position"),
    "breathing": _t("Breathing"),
    "colour": _t("Colour"),
    "normal": _t("Normal"),
    "not_normal": _t("Not normal"),
    "action": _t("What was done"),
    "action_required": _t("On the stomach or a sign not normal: write what was done"),
    "share": _t("Share eaten"),
    "allergens": _t("Allergens in this food"),
    "allergy_warning": _t("Allergy warning"),
    "allergic_to": _t("{name} is allergic to: {list}"),
    "ml": _t("Millilitres"),
    "kind": _t("What the diaper held"),
    "abnormal": _t("Something abnormal"),
    "abnormal_note": _t("Describe what is abnormal"),
    "save": _t("Record"),
    "cancel": _t("Cancel"),
    "close": _t("Close"),
    "saved": _t("Recorded"),
    "queued": _t("Kept on the tablet, it will be uploaded"),
    "no_children": _t("No child is in this room now."),
    "updated": _t("Updated {t}"),
    "after_nap": _t("Waiting for its nap to be uploaded first"),
    "my_room": _t("Room tablet"),
    "choose_room": _t("Choose a room"),
    "no_room": _t("No room is assigned to you today. The director assigns rooms in the duty roster."),
    "where_i_am": _t("Where I am, break"),
    "refresh": _t("Refresh"),
    "waiting_list": _t("Entries on this tablet"),
    "children_here": _t("{n} children here"),
    "room_ratio": _t("Ratio"),
    "login_again": _t("Log in again to upload"),
    "outdoor_today": _t("Outdoors today {m} of {r} min"),
    "outdoor_today_free": _t("Outdoors today {m} min"),
    "to_do_now": _t("To do now"),
    "saved_uploading": _t("Saved, uploading…"),
    "refused": _t("{name}: not accepted: {reason}"),
    "others_pending": _t("{n} entries of {name} on this tablet wait to upload"),
    "logout_confirm": _t("{n} entries are not uploaded yet: they stay on this tablet until you log in again. Log out anyway?"),
    "ml_other": _t("Other millilitres"),
    "screened_fever": _t("Door screen {t} °C: ask the health officer to look"),
    "screened_signs": _t("Door screen not normal: ask the health officer to look"),
    "announce_overdue": _t("{name}: nap check overdue by {m} min"),
    "quick_check": _t("On the back · breathing normal · colour normal"),
    "outdoor_pending": _t("Outdoors {m} min"),
    "session_ended": _t("Your session has ended: log in again. Entries stay on this tablet."),
    "log_in": _t("Log in again"),
    "unknown_child": _t("Child no. {id}"),
}

# Closed sets of the care log, in the page's language (the care domain's own label table).
LABEL_SETS = ("share", "diaper", "position")


def _labels() -> dict[str, list[list[str]]]:
    try:
        from compliance.care import SleepPosition
        from server.care.models import LABELS, DiaperKind, ShareEaten
    except ImportError:
        return {name: [] for name in LABEL_SETS}
    pick = 0 if is_chinese() else 1
    return {name: [[str(v), LABELS[v][pick]] for v in enum]  # pairs: the order is the enum's (all first, ...)
            for name, enum in zip(LABEL_SETS, (ShareEaten, DiaperKind, SleepPosition), strict=True)}


def note_domains() -> list[list[str]]:
    """The development domains an observation is tagged with, as [code, name] in the page's language."""
    return [[code, info.zh if is_chinese() else info.en] for code, info in development_domains().items()]


def page_texts() -> dict[str, Any]:
    """The words of the page in this request's language, and the care log's closed sets."""
    return {**{key: str(text) for key, text in TEXTS.items()}, "labels": _labels()}
