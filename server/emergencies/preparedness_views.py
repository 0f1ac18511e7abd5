"""The preparedness pages (one blueprint, `preparedness`): plans, drills, fire safety, isolation and supplies.

The routes live in plans_views, drills_views, fire_checks_views, supplies_views and corrections_views; importing them here attaches
them to the blueprint the app factory registers.
"""

from __future__ import annotations

from server.emergencies import (  # noqa: F401
    corrections_views,
    drills_views,
    fire_checks_views,
    plans_views,
    supplies_views,
)
from server.emergencies.preparedness_blueprint import bp

__all__ = ["bp"]
