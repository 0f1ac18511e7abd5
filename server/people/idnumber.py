"""身份证号 (GB 11643-1999 citizen identity number): normalised, checked by its check digit, shown masked."""

from __future__ import annotations

import re
from datetime import date

from compliance.staffing.status import mask_number

# ISO 7064 MOD 11-2 weights of the first 17 digits, and the check character for each remainder.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_FORMAT = re.compile(r"[0-9]{17}[0-9X]")  # ASCII only: a full-width digit is a typing error, not a digit


def normalise_id_number(raw: str) -> str:
    """Spaces dropped, a lower-case x made upper-case (the form the database keeps and compares)."""
    return "".join(raw.split()).upper()


def id_number_problem(number: str) -> str | None:
    """Why a normalised number is not a valid 18-character identity number (a machine code), or None."""
    if _FORMAT.fullmatch(number) is None:
        return "bad_id_number_format"
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "bad_id_number_birth_date"
    total = sum(int(d) * w for d, w in zip(number[:17], _WEIGHTS, strict=True))
    if _CHECK[total % 11] != number[17]:
        return "bad_id_number_check_digit"
    return None


def mask_id_number(number: str | None) -> str | None:
    """The first 4 and last 4 characters, the rest starred (as every number of a staff file is shown)."""
    return None if number is None else mask_number(number)
