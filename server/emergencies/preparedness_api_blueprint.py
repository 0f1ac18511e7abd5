"""The blueprint of the preparedness JSON API (`preparedness_api`, under /api/v1) and its OpenAPI tag.

Its routes: preparedness_api (plans, drills, fire safety, supplies) and corrections_api (amendments, cancelling a
planned drill); preparedness_api gathers both for the app factory.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("preparedness_api", __name__, url_prefix="/api/v1")
TAGS = ["emergency preparedness"]
