"""Roles and what each may do: a table, checked in operations for every object and centre."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"  # 负责人
    CAREGIVER = "caregiver"  # 保育人员
    HEALTH = "health"  # 保健员
    KITCHEN = "kitchen"  # 炊事员
    SECURITY = "security"  # 保安
    GUARDIAN = "guardian"  # 家长
    INSPECTOR = "inspector"  # 监管人员


ROLE_LABELS: dict[Role, tuple[str, str]] = {
    Role.ADMIN: ("负责人", "Director"),
    Role.CAREGIVER: ("保育人员", "Caregiver"),
    Role.HEALTH: ("保健员", "Health officer"),
    Role.KITCHEN: ("炊事员", "Kitchen staff"),
    Role.SECURITY: ("保安", "Security guard"),
    Role.GUARDIAN: ("家长", "Guardian"),
    Role.INSPECTOR: ("监管人员", "Inspector"),
}


class Perm(StrEnum):
    CENTRE_READ = "centre.read"
    CENTRE_MANAGE = "centre.manage"
    ROOMS_MANAGE = "rooms.manage"
    CHILDREN_READ = "children.read"  # names, class, allergies: what care needs
    CHILDREN_ALL = "children.all"  # every child of the centre (a guardian sees only their own)
    CHILDREN_WRITE = "children.write"
    ATTENDANCE_WRITE = "attendance.write"  # absences, manual corrections
    CONTACTS_READ = "contacts.read"  # guardians' phones and photos
    CONTACTS_WRITE = "contacts.write"
    STAFF_READ = "staff.read"
    STAFF_WRITE = "staff.write"
    AUDIT_READ = "audit.read"
    FINDINGS_READ = "findings.read"
    PACKS_DOWNLOAD = "packs.download"
    INSPECTORS_GRANT = "inspectors.grant"
    ENVIRONMENT_READ = "environment.read"  # room air, fridges, safety alarms (not for guardians)


_CARE_READ = {Perm.CENTRE_READ, Perm.CHILDREN_READ, Perm.CHILDREN_ALL, Perm.ENVIRONMENT_READ}

PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.ADMIN: frozenset(Perm),
    Role.CAREGIVER: frozenset(_CARE_READ | {Perm.CONTACTS_READ, Perm.STAFF_READ, Perm.ATTENDANCE_WRITE}),
    Role.HEALTH: frozenset(
        _CARE_READ | {Perm.CONTACTS_READ, Perm.STAFF_READ, Perm.CHILDREN_WRITE, Perm.ATTENDANCE_WRITE}
    ),
    # The kitchen needs allergies, not families.
    Role.KITCHEN: frozenset(_CARE_READ),
    # The guard checks who collects a child: contacts and photos.
    Role.SECURITY: frozenset(_CARE_READ | {Perm.CONTACTS_READ}),
    Role.GUARDIAN: frozenset({Perm.CENTRE_READ, Perm.CHILDREN_READ}),
    # Read-only by construction: no *_WRITE, MANAGE or GRANT here.
    Role.INSPECTOR: frozenset(
        _CARE_READ | {Perm.STAFF_READ, Perm.AUDIT_READ, Perm.FINDINGS_READ, Perm.PACKS_DOWNLOAD}
    ),
}


def role_label(role: Role) -> str:
    zh, en = ROLE_LABELS[role]
    return f"{zh} / {en}"
