"""The role × permission table of docs/authorisation.md, rendered from the policy (a test keeps them equal)."""

from __future__ import annotations

from server.auth.roles import PERMISSIONS, Perm, Role
from server.fleet.models import DeviceKind
from server.fleet.policy import POLICIES, Feed


def role_table() -> str:
    roles = list(Role)
    lines = ["| permission | " + " | ".join(r.value for r in roles) + " |",
             "|---|" + "---|" * len(roles)]
    for perm in Perm:
        lines.append(f"| `{perm.value}` | " + " | ".join("✓" if perm in PERMISSIONS[r] else "" for r in roles) + " |")
    return "\n".join(lines)


def device_table() -> str:
    lines = ["| device kind | sends | reads |", "|---|---|---|"]
    for kind in DeviceKind:
        policy = POLICIES.get(kind)
        sends = ", ".join(f"`{k}`" for k in sorted(policy.sends)) if policy else ""
        reads = ", ".join(f"`{f.value}`" for f in Feed if policy and f in policy.reads)
        lines.append(f"| `{kind.value}` | {sends} | {reads} |")
    return "\n".join(lines)
