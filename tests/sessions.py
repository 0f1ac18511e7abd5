"""Log-in by session for the HTML UI, as a browser does it: read the page's CSRF token, post the form."""

from __future__ import annotations

import re

PASSWORD = "correct-horse"  # what tests.factories.make_login gives every user
_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token a page carries in its ``<meta name="csrf-token">``."""
    match = _CSRF_META.search(html)
    assert match is not None, "the page carries no CSRF token"
    return match.group(1)


def page_csrf(client, path: str = "/login") -> str:  # type: ignore[no-untyped-def]
    """Open ``path`` and return its CSRF token."""
    return csrf_token(client.get(path, follow_redirects=True).get_data(as_text=True))


def log_in(client, username: str, password: str = PASSWORD, next_url: str = ""):  # type: ignore[no-untyped-def]
    """Log ``client`` in through the form; returns the form's answer (a redirect when it worked)."""
    return client.post(f"/login{next_url}", data={"username": username, "password": password,
                                                  "csrf_token": page_csrf(client)})
