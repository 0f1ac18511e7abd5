"""The blueprint of the live-emergency JSON API (`emergencies_live_api`, under /api/v1).

Its routes: live_response_api (the emergency as it happens) and live_recovery_api (review and follow-ups), gathered
by live_api, which the app factory registers.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("emergencies_live_api", __name__, url_prefix="/api/v1")
