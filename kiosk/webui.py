"""The kiosk's local touch UI: a small Flask app on 127.0.0.1 that Chromium (kiosk mode) shows full screen.

The page (``templates/kiosk/index.html`` + ``static/kiosk.js``) polls ``GET /state`` and renders it;
taps post to the JSON endpoints below, which call the :class:`~kiosk.machine.Kiosk` coordinator:

==========================  =====================================================================
``GET /state``              the screen state (``Kiosk.state()``)
``POST /confirm``           ``{"children": [ids]}`` (omit to take the preselection)
``POST /cancel``            leave the current screen; a pending confirmation records nothing
``POST /screen``            ``{"child_id": 101, "temperature": 36.6, "hands_mouth_eyes_ok": true}`` or
                            ``{"child_id": 101, "skipped": true, "hands_mouth_eyes_ok": true}`` (quick health screen)
``POST /pin``               ``{"number": "12", "pin": "482915"}`` or ``{"person_id": "c12", "pin": …}``
``GET /photos/<id>``        a photo from the local cache the roster sync fills
``POST /demo/show``         ``{"text": "TY1C:…", "hold_s": 2}``: the replay camera "sees" that QR
==========================  =====================================================================

There is no log-in: the app listens on loopback only, refuses other ``Host`` headers (DNS
rebinding) and takes only ``application/json`` posts (a cross-site form cannot send them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, jsonify, render_template, request

from kiosk.machine import Kiosk
from kiosk.screens import KioskActionError

HERE = Path(__file__).resolve().parent
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})


def create_ui(kiosk: Kiosk) -> Flask:
    """The touch UI app for ``kiosk``."""
    app = Flask("kiosk.webui", template_folder=str(HERE / "templates"), static_folder=str(HERE / "static"),
                static_url_path="/static")
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]

    @app.before_request
    def only_local() -> Response | None:
        host = request.host.rsplit(":", 1)[0] if not request.host.startswith("[") else request.host.split("]")[0] + "]"
        if host not in LOCAL_HOSTS:
            return _error(KioskActionError("bad_request", status=403), "host")
        if request.method == "POST" and not request.is_json:
            return _error(KioskActionError("bad_request", status=415), "content_type")
        return None

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.errorhandler(KioskActionError)
    def action_error(exc: KioskActionError) -> Response:
        return _error(exc)

    @app.get("/")
    def index() -> str:
        return render_template("kiosk/index.html", label=kiosk.config.label)

    @app.get("/favicon.ico")
    def favicon() -> Response:
        return Response(status=204)  # full-screen kiosk: no icon, and no 404 in the console

    @app.get("/state")
    def state() -> Response:
        return jsonify(kiosk.state())

    @app.post("/confirm")
    def confirm() -> Response:
        body = _body()
        children = body.get("children")
        if children is not None and (not isinstance(children, list) or not all(
                isinstance(c, int) and not isinstance(c, bool) for c in children)):
            raise KioskActionError("bad_request", status=422)
        return jsonify(kiosk.confirm(children))

    @app.post("/cancel")
    def cancel() -> Response:
        return jsonify(kiosk.cancel())

    @app.post("/screen")
    def screen() -> Response:
        body = _body()
        child_id, skipped = body.get("child_id"), body.get("skipped", False)
        if isinstance(child_id, bool) or not isinstance(child_id, int) or not isinstance(skipped, bool):
            raise KioskActionError("bad_request", status=422)
        return jsonify(kiosk.answer_screen(child_id, temperature=body.get("temperature"), skipped=skipped,
                                           hands_mouth_eyes_ok=body.get("hands_mouth_eyes_ok")))

    @app.post("/pin")
    def pin() -> Response:
        body = _body()
        return jsonify(kiosk.pin(body.get("pin"), person_id=body.get("person_id"), number=body.get("number")))

    @app.get("/photos/<int:photo_id>")
    def photo(photo_id: int) -> Response:
        found = kiosk.photos.get(photo_id)
        if found is None:
            abort(404)
        data, mimetype = found
        # Photo ids are never reused for another picture; private: only this kiosk's browser keeps it.
        return Response(data, mimetype=mimetype, headers={"Cache-Control": "private, max-age=600"})

    @app.post("/demo/show")
    def demo_show() -> Response:
        if not kiosk.demo_enabled:
            abort(404)
        body = _body()
        text, hold_s = body.get("text"), body.get("hold_s")
        if not isinstance(text, str) or not 0 < len(text) <= 2048:
            raise KioskActionError("bad_request", status=422)
        if hold_s is not None and (isinstance(hold_s, bool) or not isinstance(hold_s, int | float)
                                   or not 0 < hold_s <= 60):
            raise KioskActionError("bad_request", status=422)
        kiosk.show(text, hold_s=hold_s)
        return jsonify({"shown": True, "hold_s": hold_s or kiosk.config.scan.demo_hold_s})

    return app


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise KioskActionError("bad_request", status=400)
    return body


def _error(exc: KioskActionError, field: str | None = None) -> Response:
    body: dict[str, Any] = {"error": {"code": exc.code, "message": f"{exc.message_zh} / {exc.message_en}",
                                      "field": field, "message_zh": exc.message_zh, "message_en": exc.message_en}}
    body["error"].update(exc.extra)
    response = jsonify(body)
    response.status_code = exc.status
    return response
