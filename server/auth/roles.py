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
    """What a role may read or change; the table below is the whole authorisation policy for people."""

    CENTRE_READ = "centre.read"
    CENTRE_MANAGE = "centre.manage"
    ROOMS_MANAGE = "rooms.manage"
    CHILDREN_READ = "children.read"  # names, class, allergies and diet: what care and the kitchen need
    CHILDREN_ALL = "children.all"  # every child of the centre (a guardian sees only their own)
    CHILDREN_WRITE = "children.write"
    HEALTH_READ = "health.read"  # conditions, disease names, health checks (个人信息保护法 Art. 28: sensitive)
    ATTENDANCE_WRITE = "attendance.write"  # absences, manual corrections, room moves
    PRESENCE_READ = "presence.read"  # who is in, room by room, live
    ROLLCALL_EMERGENCY = "rollcall.emergency"  # the roll call while an emergency is open, for every staff role
    CONTACTS_READ = "contacts.read"  # guardians' phones and photos, who may collect whom
    CONTACTS_WRITE = "contacts.write"
    STAFF_READ = "staff.read"
    STAFF_WRITE = "staff.write"
    ALERTS_READ = "alerts.read"
    ALERTS_MANAGE = "alerts.manage"  # acknowledge and resolve
    DEVICES_READ = "devices.read"  # the fleet: kiosks and agents, their health
    AUDIT_READ = "audit.read"
    FINDINGS_READ = "findings.read"
    PACKS_DOWNLOAD = "packs.download"
    INSPECTORS_GRANT = "inspectors.grant"
    ENVIRONMENT_READ = "environment.read"  # room air, fridges, safety alarms (not for guardians)
    STAFF_FILES_READ = "staff_files.read"  # credentials with masked numbers, expiries, 持证上岗率
    STAFF_FILES_WRITE = "staff_files.write"  # record and amend credentials, upload scans
    STAFF_DOCUMENTS_READ = "staff_documents.read"  # the scans and full credential numbers (every read logged)
    ROSTER_READ = "roster.read"
    ROSTER_WRITE = "roster.write"
    CARE_READ = "care.read"  # naps and their patrol checks, meals, bottles, diapers, outdoor time
    CARE_WRITE = "care.write"  # log care on the room tablet, medication consents and doses among it
    HEALTH_CHECKS_WRITE = "health_checks.write"  # 晨检, 午检 and observations during the day
    HEALTH_WRITE = "health.write"  # the health profile, illness and exclusion (表4), 表5, growth, follow-ups closed
    NOTICES_READ = "notices.read"  # notices to families and their status (sent, read, acknowledged, overdue)
    MESSAGES_READ = "messages.read"  # the threads between families and their child's room
    MESSAGES_WRITE = "messages.write"  # write in those threads (a guardian: only their own children's)
    FAMILY_WRITE = "family.write"  # a guardian for their own children: acknowledge, sign and withdraw consents, rate, complain
    FEEDBACK_READ = "feedback.read"  # parents' ratings (aggregates only) and complaints with their handling
    FEEDBACK_MANAGE = "feedback.manage"  # answer and close complaints
    EMERGENCY_READ = "emergency.read"  # plans (and confirming one has read them), drills, fire checks, supplies
    EMERGENCY_MANAGE = "emergency.manage"  # publish plans, schedule and record drills, certificates, supplies
    FIRE_CHECKS_WRITE = "fire_checks.write"  # the monthly fire-equipment checklist (the guard walks it too)
    EMERGENCY_RESPOND = "emergency.respond"  # open a live emergency by hand, tick its roll call, write its timeline
    # Safeguarding concerns (server/safeguarding): read and handle them is the director's here; designated leads
    # and inspectors whose grant includes safeguarding are added by safeguarding/access.py. Raising one is
    # every member of staff's (a write-only form: they never see the list).
    SAFEGUARDING_READ = "safeguarding.read"
    SAFEGUARDING_WRITE = "safeguarding.write"
    SAFEGUARDING_RAISE = "safeguarding.raise"
    INCIDENTS_READ = "incidents.read"  # 表9 injury reports (medical treatment shown only with health.read)
    INCIDENTS_WRITE = "incidents.write"  # write a report, sign it as reporter or witness, amend a locked one
    INCIDENTS_REVIEW = "incidents.review"  # review a report (notifies the guardians), record the CCTV retention
    HYGIENE_READ = "hygiene.read"  # 表6 class checklists, ventilation and cabinet evidence, the UV lamp's log
    HYGIENE_WRITE = "hygiene.write"  # tick and sign a class's 表6, amend it, ask for (or stop) a UV session
    FOOD_READ = "food.read"  # food samples (留样) with their fridge evidence, menus in draft, meal-fee accounts
    FOOD_WRITE = "food.write"  # take, weigh and dispose of samples; write and publish the weekly menu
    MEAL_FEES_WRITE = "meal_fees.write"  # the month's 膳食费 income and spending, and its publication to families


# Every member of staff sees the centre's children by name, its environment and its alerts, and may act on an
# alert and take the roll call in an emergency; what differs by role is added below.
_STAFF = {Perm.CENTRE_READ, Perm.CHILDREN_READ, Perm.CHILDREN_ALL, Perm.ENVIRONMENT_READ, Perm.ALERTS_READ,
          Perm.ALERTS_MANAGE, Perm.ROLLCALL_EMERGENCY, Perm.ROSTER_READ, Perm.EMERGENCY_READ,
          Perm.SAFEGUARDING_RAISE, Perm.EMERGENCY_RESPOND, Perm.INCIDENTS_READ, Perm.INCIDENTS_WRITE,
          Perm.HYGIENE_READ, Perm.FOOD_READ}
_CARE = {Perm.HEALTH_READ, Perm.PRESENCE_READ, Perm.CONTACTS_READ, Perm.STAFF_READ, Perm.ATTENDANCE_WRITE,
         Perm.CARE_READ, Perm.CARE_WRITE, Perm.HEALTH_CHECKS_WRITE, Perm.NOTICES_READ, Perm.MESSAGES_READ,
         Perm.MESSAGES_WRITE, Perm.HYGIENE_WRITE}

PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.ADMIN: frozenset(Perm),
    Role.CAREGIVER: frozenset(_STAFF | _CARE),
    # The 保健员 also keeps the kitchen's records with it (samples, the weekly menu) and the 膳食费 accounts.
    Role.HEALTH: frozenset(_STAFF | _CARE | {Perm.CHILDREN_WRITE, Perm.HEALTH_WRITE, Perm.FOOD_WRITE,
                                              Perm.MEAL_FEES_WRITE}),
    # The kitchen needs names, classes, allergies and diets: no health, no families, no presence. It keeps the
    # samples and writes the menu, and disinfects tableware (its 表6 line).
    Role.KITCHEN: frozenset(_STAFF | {Perm.FOOD_WRITE, Perm.HYGIENE_WRITE}),
    # The guard checks who is in and who may collect whom (names, photos): no health.
    Role.SECURITY: frozenset(_STAFF | {Perm.PRESENCE_READ, Perm.CONTACTS_READ, Perm.FIRE_CHECKS_WRITE}),
    # Only their own children (the scope is the guardian's links, applied by the operations), their health and
    # their day included; they write only for their own family: acknowledgements, consents, messages, ratings.
    Role.GUARDIAN: frozenset({Perm.CENTRE_READ, Perm.CHILDREN_READ, Perm.HEALTH_READ, Perm.CARE_READ,
                              Perm.NOTICES_READ, Perm.MESSAGES_READ, Perm.MESSAGES_WRITE, Perm.FAMILY_WRITE}),
    # Read-only by construction: no *_WRITE, MANAGE or GRANT here; only within the grant's centres and period.
    Role.INSPECTOR: frozenset({
        Perm.CENTRE_READ, Perm.CHILDREN_READ, Perm.CHILDREN_ALL, Perm.HEALTH_READ, Perm.ENVIRONMENT_READ,
        Perm.PRESENCE_READ, Perm.STAFF_READ, Perm.ALERTS_READ, Perm.DEVICES_READ, Perm.AUDIT_READ,
        Perm.FINDINGS_READ, Perm.PACKS_DOWNLOAD, Perm.STAFF_FILES_READ, Perm.ROSTER_READ, Perm.CARE_READ,
        Perm.NOTICES_READ, Perm.FEEDBACK_READ, Perm.EMERGENCY_READ, Perm.INCIDENTS_READ, Perm.HYGIENE_READ,
        Perm.FOOD_READ,
    }),
}

# Changes no read-only role may ever hold (checked by a test over the table).
WRITE_PERMISSIONS = frozenset({Perm.CENTRE_MANAGE, Perm.ROOMS_MANAGE, Perm.CHILDREN_WRITE, Perm.ATTENDANCE_WRITE,
                               Perm.CONTACTS_WRITE, Perm.STAFF_WRITE, Perm.ALERTS_MANAGE, Perm.INSPECTORS_GRANT,
                               Perm.STAFF_FILES_WRITE, Perm.ROSTER_WRITE, Perm.CARE_WRITE,
                               Perm.HEALTH_CHECKS_WRITE, Perm.HEALTH_WRITE, Perm.MESSAGES_WRITE, Perm.FAMILY_WRITE,
                               Perm.FEEDBACK_MANAGE, Perm.EMERGENCY_MANAGE, Perm.FIRE_CHECKS_WRITE,
                               Perm.SAFEGUARDING_WRITE, Perm.SAFEGUARDING_RAISE, Perm.EMERGENCY_RESPOND,
                               Perm.INCIDENTS_WRITE, Perm.INCIDENTS_REVIEW, Perm.HYGIENE_WRITE, Perm.FOOD_WRITE,
                               Perm.MEAL_FEES_WRITE})
# What a guardian may change: only for their own children (the operations check the links).
GUARDIAN_WRITES = frozenset({Perm.MESSAGES_WRITE, Perm.FAMILY_WRITE})


def role_label(role: Role) -> str:
    zh, en = ROLE_LABELS[role]
    return f"{zh} / {en}"
