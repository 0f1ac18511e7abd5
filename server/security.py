"""HTTP hardening: security headers with a strict CSP (Flask-Talisman), Secure cookies behind TLS, a trusted proxy.

Every page satisfies the policy below: scripts and styles come from /static only (no inline code, no
`style=` attributes, no htmx `hx-on`), data for scripts travels in `data-*` attributes or JSON blocks.
The one exception is spectree's API docs (/api/v1/docs/...), self-contained pages with inline code.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

CSP: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

# spectree's Swagger UI / ReDoc / Scalar pages inline their bundles and start-up code; they show only the
# public OpenAPI document, so they get inline code, and nothing else more than the app's own pages.
DOCS_PREFIX = "/api/v1/docs/"
DOCS_CSP: dict[str, str] = {
    **CSP,
    "script-src": "'self' 'unsafe-inline'",
    "style-src": "'self' 'unsafe-inline'",
    "worker-src": "'self' blob:",
    "font-src": "'self' data:",
}

# Nothing on our pages uses these; the pass page needs WebCrypto and a service worker, which are not features here.
PERMISSIONS_POLICY = {"camera": "()", "microphone": "()", "geolocation": "()", "payment": "()", "usb": "()"}


class _Talisman(Talisman):
    """Talisman with the docs pages' policy chosen by path (their views are spectree's, not ours to decorate)."""

    def _get_local_options(self) -> dict[str, Any]:
        options = dict(super()._get_local_options())
        if request.path.startswith(DOCS_PREFIX):
            options["content_security_policy"] = DOCS_CSP
        return options


class SecureWhenHttpsSessionInterface(SecureCookieSessionInterface):
    """The session cookie is `Secure` on requests that arrived over HTTPS (after ProxyFix), or always if configured.

    A centre's plain-HTTP LAN demo keeps a cookie its browser sends back.
    """

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def init_security(app: Flask) -> None:
    """Security headers on every response, Secure cookies over HTTPS, and the trusted proxy if configured."""
    proxies = int(app.config.get("PROXY_FIX", 0) or 0)
    if proxies > 0:
        # Only behind a proxy we run: otherwise any client could claim HTTPS or another address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies,  # type: ignore[method-assign]
                                x_port=proxies)
    app.session_interface = SecureWhenHttpsSessionInterface()
    _Talisman(
        app,
        force_https=False,  # TLS ends at the proxy, or not at all on a centre's LAN demo
        session_cookie_secure=False,  # per request instead, by SecureWhenHttpsSessionInterface
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
        content_security_policy=CSP,
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        permissions_policy=PERMISSIONS_POLICY,
        strict_transport_security=True,  # sent only on HTTPS responses
        strict_transport_security_include_subdomains=False,
    )
