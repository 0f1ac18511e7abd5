"""JSON API of live emergencies: the shared roll call every tablet polls, notes, notices, close-out, recovery.

One blueprint (`emergencies_live_api`, live_api_blueprint); its routes by concern: live_response_api (the
emergency as it happens) and live_recovery_api (review, follow-ups); the shapes in live_schemas, the answers built
in live_answers. Importing the route modules here attaches them to the blueprint the app factory registers.
"""

from __future__ import annotations

from server.emergencies import live_recovery_api, live_response_api  # noqa: F401
from server.emergencies.live_answers import live_state
from server.emergencies.live_api_blueprint import bp

__all__ = ["bp", "live_state"]
