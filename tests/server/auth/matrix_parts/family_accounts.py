"""A guardian's log-in, opened by the director (server/people/account_views.py): the director only.

The post opens a log-in (`action=open`): for the matrix's own guardian, whose contact has one, that is a 409 past
the check; a new one-time password (`reissue`) is left out, as it would end the matrix guardian's sessions.
"""

from __future__ import annotations

from server.auth.roles import Perm
from tests.server.auth.matrix_parts._base import perm

NEEDS = {
    "family_accounts.family_login": perm(Perm.CENTRE_MANAGE),
    "family_accounts.open_or_reissue": perm(Perm.CENTRE_MANAGE),
}
FORMS = {"family_accounts.open_or_reissue": {"action": "open", "username": "matrix-parent"}}
