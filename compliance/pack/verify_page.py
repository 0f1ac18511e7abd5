"""The single-file verifier page written into every pack / 资料包内的离线核验页面.

``verify_page.html`` is a template: the problem messages and limits are filled
in from the Python verifier, so both report in the same words, and the page's
Content-Security-Policy allows exactly its one inline script (by hash) and no
network at all. The page carries nothing of a particular pack: it is the same
bytes in every pack of one version, so a centre can publish its SHA-256 once.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
from importlib.resources import files

from compliance.pack.layout import FORMAT, MANIFEST, SIGNATURE, SIGNATURE_ALG
from compliance.pack.verify import (
    _MAX_SMALL_BYTES,
    MAX_ENTRY_BYTES,
    MAX_MANIFEST_BYTES,
    MAX_RATIO,
    MAX_TOTAL_BYTES,
    RATIO_FLOOR_BYTES,
)
from compliance.pack.verify_report import messages_json

TEMPLATE = "verify_page.html"
_CODE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


@functools.cache
def verify_page_html() -> bytes:
    """The page's bytes: the template with its data and its script's CSP hash filled in."""
    template = files("compliance.pack").joinpath(TEMPLATE).read_text(encoding="utf-8")
    data = {
        "format": FORMAT,
        "manifest": MANIFEST,
        "signature": SIGNATURE,
        "alg": SIGNATURE_ALG,
        "messages": messages_json(),
        "limits": {
            "entry": MAX_ENTRY_BYTES, "total": MAX_TOTAL_BYTES, "ratio": MAX_RATIO,
            "ratio_floor": RATIO_FLOOR_BYTES, "manifest": MAX_MANIFEST_BYTES, "small": _MAX_SMALL_BYTES,
        },
    }
    # "<" escaped so no text in the data can close its <script> element.
    page = template.replace("{{PAGE_DATA}}", json.dumps(data, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c"))
    match = _CODE_SCRIPT.search(page)
    if match is None:
        raise ValueError(f"{TEMPLATE} has no inline <script>")
    digest = base64.b64encode(hashlib.sha256(match.group(1).encode("utf-8")).digest()).decode("ascii")
    return page.replace("{{SCRIPT_HASH}}", f"sha256-{digest}").encode("utf-8")
