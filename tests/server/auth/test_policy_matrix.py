"""Every route × every principal (each role by session and by token, devices, out-of-scope and expired
inspectors, nobody) × own centre, another family of it and another centre, compared with the policy table.

The expectation is computed from `server.auth.roles.PERMISSIONS` and `server.fleet.policy` through NEEDS,
which names what each route requires. A route added to the app without an entry here fails
`test_every_route_has_a_need`. Every answer is also checked for health data (conditions, disease names)
reaching a principal without the health permission, and for server errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from server.auth.roles import GUARDIAN_WRITES, PERMISSIONS, WRITE_PERMISSIONS, Perm, Role
from server.fleet.policy import Feed, may_read_feed, may_send
from server.people.registers import CHILDREN
from server.tablet.access import OPENS_EVERY_ROOM
from tests.conftest import FreshContextClient
from tests.server.auth import matrix_parts
from tests.server.auth.matrix_parts._base import DEMO, EVENTS, OWN_PASS, PUBLIC, USER, Need, feed, perm
from tests.server.auth.policy_world import (
    HEALTH_SENTINELS,
    Objects,
    Principal,
    World,
    build_world,
)
from tests.sessions import PASSWORD, csrf_token, log_in

NEEDS: dict[str, Need] = {
    # the HTML UI
    "dashboard.dashboard": USER,
    "attendance.card_sheet": perm(Perm.CONTACTS_WRITE),
    "attendance.phone_pass": OWN_PASS,
    "attendance.pass_manifest": PUBLIC,
    "attendance.pass_service_worker": PUBLIC,
    "environment.environment_page": perm(Perm.ENVIRONMENT_READ),
    "environment.acknowledge": perm(Perm.ALERTS_MANAGE),
    "inspections.inspection": perm(Perm.FINDINGS_READ),
    "inspections.grant_inspector": perm(Perm.INSPECTORS_GRANT),
    "inspections.revoke_inspector": perm(Perm.INSPECTORS_GRANT),
    "fleet_pages.devices": perm(Perm.DEVICES_READ),
    "fleet_pages.create_code": perm(Perm.CENTRE_MANAGE),
    "fleet_pages.revoke": perm(Perm.CENTRE_MANAGE),
    "auth.change_password": USER,
    "inspections.register": perm(Perm.FINDINGS_READ),
    "inspections.evaluate": perm(Perm.CENTRE_MANAGE),
    "dashboard.alerts_panel": perm(Perm.ALERTS_READ),
    "rooms.occupancy_page": perm(Perm.STAFF_READ),
    "rooms.violations_page": perm(Perm.STAFF_READ),
    "rooms.rollcall": perm(Perm.PRESENCE_READ),  # every staff role too, while an emergency is open (own test)
    "rooms.move_page": perm(Perm.ATTENDANCE_WRITE),
    "attendance.room_attendance": perm(Perm.ATTENDANCE_WRITE),
    "attendance.record_child_absence": perm(Perm.ATTENDANCE_WRITE),
    "attendance.correct_child_attendance": perm(Perm.ATTENDANCE_WRITE),
    "people.children": perm(Perm.CHILDREN_READ),
    "people.enrol_child": perm(Perm.CHILDREN_WRITE),
    "people.child": perm(Perm.CHILDREN_READ),
    "people.update_child": perm(Perm.CHILDREN_WRITE),
    "people.record_consent": perm(Perm.CHILDREN_WRITE),
    "people.link_contact": perm(Perm.CONTACTS_WRITE),
    "people.contact_photo": perm(Perm.CONTACTS_WRITE),
    "people.leave": perm(Perm.CHILDREN_WRITE),
    "people.staff": perm(Perm.STAFF_READ),
    "people.add_staff": perm(Perm.STAFF_WRITE),
    # staff files' screens: the same permissions as their API
    "staff_pages.person_file": perm(Perm.STAFF_FILES_READ),
    "staff_pages.record_credential": perm(Perm.STAFF_FILES_WRITE),
    "staff_pages.amend_credential": perm(Perm.STAFF_FILES_WRITE),
    "staff_pages.reveal_number": perm(Perm.STAFF_DOCUMENTS_READ),
    "staff_pages.upload_document": perm(Perm.STAFF_FILES_WRITE),
    "staff_pages.add_training": perm(Perm.STAFF_FILES_WRITE),
    "staff_pages.set_manager": perm(Perm.STAFF_WRITE),
    "staff_pages.expiry_list": perm(Perm.STAFF_FILES_READ),
    "staff_office.roster": perm(Perm.ROSTER_READ),
    "staff_office.assign_shift": perm(Perm.ROSTER_WRITE),
    "staff_office.cancel_shift": perm(Perm.ROSTER_WRITE),
    "staff_office.ban_list_page": perm(Perm.STAFF_WRITE),
    "staff_office.add_ban": perm(Perm.STAFF_WRITE),
    "staff_office.lift_ban": perm(Perm.STAFF_WRITE),
    "centre_pages.classes": perm(Perm.CENTRE_READ),
    "centre_pages.add_class": perm(Perm.ROOMS_MANAGE),
    "centre_pages.edit_class": perm(Perm.ROOMS_MANAGE),
    "centre_pages.set_class_active": perm(Perm.ROOMS_MANAGE),
    "centre_pages.closures_page": perm(Perm.CENTRE_READ),
    "centre_pages.add_closure": perm(Perm.CENTRE_MANAGE),
    "centre_pages.withdraw_closure": perm(Perm.CENTRE_MANAGE),
    "cards.credentials": perm(Perm.CONTACTS_WRITE),
    "cards.issue": perm(Perm.CONTACTS_WRITE),
    "cards.reissue": perm(Perm.CONTACTS_WRITE),
    "cards.set_pin": perm(Perm.CONTACTS_WRITE),
    "cards.phone_page": perm(Perm.CONTACTS_WRITE),
    "cards.revoke_phone": perm(Perm.CONTACTS_WRITE),
    "demo.kiosk": DEMO,
    "demo.show": DEMO,
    "auth.login": PUBLIC,
    "auth.logout": PUBLIC,  # without a session it changes nothing
    "auth.switch_language": PUBLIC,
    "healthz": PUBLIC,
    "static": PUBLIC,
    # the API
    "openapi_document": PUBLIC,
    "openapi_api/v1/docs": PUBLIC,
    "openapi_api/v1/docs_redoc": PUBLIC,
    "openapi_api/v1/docs_scalar": PUBLIC,
    "openapi_api/v1/docs_swagger": PUBLIC,
    "inspections_api.public_keys": PUBLIC,
    "centre_api.me": USER,
    "auth_api.create_token": USER,
    "alerts_api.my_emergencies": USER,
    "centre_api.list_centres": USER,
    "centre_api.get_centre": perm(Perm.CENTRE_READ),
    "centre_api.patch_centre": perm(Perm.CENTRE_MANAGE),
    "centre_api.list_rooms": perm(Perm.CENTRE_READ),
    "centre_api.create_room": perm(Perm.ROOMS_MANAGE),
    "centre_api.get_room": perm(Perm.CENTRE_READ),
    "centre_api.patch_room": perm(Perm.ROOMS_MANAGE),
    "centre_api.list_closures": perm(Perm.CENTRE_READ),
    "centre_api.record_closure": perm(Perm.CENTRE_MANAGE),
    "centre_api.withdraw_closure": perm(Perm.CENTRE_MANAGE),
    "alerts_api.list_alerts": perm(Perm.ALERTS_READ),
    "alerts_api.acknowledge": perm(Perm.ALERTS_MANAGE),
    "alerts_api.resolve": perm(Perm.ALERTS_MANAGE),
    "dashboard.alerts_stream": USER,
    "attendance_api.attendance_register": perm(Perm.CHILDREN_ALL),
    "attendance_api.presence": perm(Perm.PRESENCE_READ),
    "attendance_api.presence_stream": perm(Perm.PRESENCE_READ),
    "attendance_api.record_absence": perm(Perm.ATTENDANCE_WRITE),
    "attendance_api.issue_contact_credential": perm(Perm.CONTACTS_WRITE),
    "attendance_api.issue_staff_credential": perm(Perm.STAFF_WRITE),
    "attendance_api.card": perm(Perm.CONTACTS_WRITE),
    "attendance_api.reissue": perm(Perm.CONTACTS_WRITE),
    "attendance_api.set_pin": perm(Perm.CONTACTS_WRITE),
    "attendance_api.enroll_phone": perm(Perm.CONTACTS_WRITE, family=True),
    "attendance_api.revoke_phone": perm(Perm.CONTACTS_WRITE, family=True),
    "people_api.list_children": perm(Perm.CHILDREN_READ),
    "people_api.create_child": perm(Perm.CHILDREN_WRITE),
    "people_api.get_child": perm(Perm.CHILDREN_ALL, family=True),
    "people_api.patch_child": perm(Perm.CHILDREN_WRITE),
    "people_api.record_consent": perm(Perm.CHILDREN_WRITE),
    "people_api.leave": perm(Perm.CHILDREN_WRITE),
    "people_api.list_child_contacts": perm(Perm.CONTACTS_READ),
    "people_api.link_child_contact": perm(Perm.CONTACTS_WRITE),
    "people_api.list_contacts": perm(Perm.CONTACTS_READ),
    "people_api.create_contact": perm(Perm.CONTACTS_WRITE),
    "people_api.get_contact": perm(Perm.CONTACTS_READ, family=True),
    "people_api.get_contact_photo": perm(Perm.CONTACTS_READ, family=True),
    "people_api.list_staff": perm(Perm.STAFF_READ),
    "people_api.create_staff": perm(Perm.STAFF_WRITE),
    "people_api.get_staff": perm(Perm.STAFF_READ),
    # staff files, people side: who may hire keeps the 禁入名单, changes files and reads histories
    "staff_records_api.patch_staff": perm(Perm.STAFF_WRITE),
    "staff_records_api.set_manager": perm(Perm.STAFF_WRITE),
    "staff_records_api.managers": perm(Perm.STAFF_WRITE),
    "staff_records_api.history": perm(Perm.STAFF_WRITE),
    "staff_records_api.history_csv": perm(Perm.STAFF_WRITE),
    "staff_records_api.list_bans": perm(Perm.STAFF_WRITE),
    "staff_records_api.add_ban": perm(Perm.STAFF_WRITE),
    "staff_records_api.lift_ban": perm(Perm.STAFF_WRITE),
    "training_api.list_centre_training": perm(Perm.STAFF_FILES_READ),
    "training_api.list_staff_training": perm(Perm.STAFF_FILES_READ),
    "training_api.record_training": perm(Perm.STAFF_FILES_WRITE),
    "training_api.amend_training": perm(Perm.STAFF_FILES_WRITE),
    "training_api.training_totals": perm(Perm.STAFF_FILES_READ),
    "rooms_api.ratios": perm(Perm.STAFF_READ),
    "rooms_api.ratios_stream": perm(Perm.STAFF_READ),
    "rooms_api.ratio_violations": perm(Perm.STAFF_READ),
    "rooms_api.occupancy_report": perm(Perm.STAFF_READ),
    "rooms_api.move_staff": perm(Perm.STAFF_WRITE),  # moving someone else; one's own move needs attendance.write
    "rooms_api.move_child": perm(Perm.ATTENDANCE_WRITE),
    "environment_api.environment": perm(Perm.ENVIRONMENT_READ),
    "environment_api.chart": perm(Perm.ENVIRONMENT_READ),
    "environment_api.exceedance_list": perm(Perm.ENVIRONMENT_READ),
    "environment_api.emergencies": perm(Perm.ENVIRONMENT_READ),
    "fleet_api.list_devices": perm(Perm.DEVICES_READ),
    "staff_api.list_credentials": perm(Perm.STAFF_FILES_READ),
    "staff_api.record_credential": perm(Perm.STAFF_FILES_WRITE),
    "staff_api.amend_credential": perm(Perm.STAFF_FILES_WRITE),
    "staff_api.reveal_number": perm(Perm.STAFF_DOCUMENTS_READ),
    "staff_api.upload_document": perm(Perm.STAFF_FILES_WRITE),
    "staff_api.download_document": perm(Perm.STAFF_DOCUMENTS_READ),
    "staff_api.roster": perm(Perm.ROSTER_READ),
    "staff_api.assign_shift": perm(Perm.ROSTER_WRITE),
    "staff_api.cancel_shift": perm(Perm.ROSTER_WRITE),
    "staff_api.expiry": perm(Perm.STAFF_FILES_READ),
    "staff_api.certified_share": perm(Perm.STAFF_FILES_READ),
    "fleet_api.create_enrolment_code": perm(Perm.CENTRE_MANAGE),
    "fleet_api.revoke": perm(Perm.CENTRE_MANAGE),
    "inspections_api.run_evaluation": perm(Perm.CENTRE_MANAGE),
    "inspections_api.list_findings": perm(Perm.FINDINGS_READ),
    "inspections_api.grant_inspector": perm(Perm.INSPECTORS_GRANT),
    "inspections_api.download_pack": perm(Perm.PACKS_DOWNLOAD),
    # devices
    "fleet_api.enroll": PUBLIC,  # an enrolment code is the credential
    "fleet_api.post_events": EVENTS,
    "attendance_api.roster": feed(Feed.ROSTER),
    "attendance_api.device_presence": feed(Feed.PRESENCE),
    "attendance_api.device_photo": feed(Feed.PHOTOS),
    "environment_api.device_emergencies": feed(Feed.EMERGENCIES),
}

# Bodies that pass validation, so an answer is about who asks, not what they send.
JSON_BODIES = {
    "centre_api.patch_centre": {"name": "改名"},
    "centre_api.create_room": {"name": "新班", "class_type": "toddler", "capacity": 10},
    "centre_api.patch_room": {"capacity": 12},
    "people_api.create_child": {"name": "张三", "sex": "male", "born_on": "2025-05-01", "enrolled_on": "2026-06-01",
                                "service_type": "full_day"},
    "people_api.patch_child": {"allergies": "无"},
    "people_api.leave": {"left_on": "2026-09-30", "reason": "graduated", "note": "升入幼儿园"},
    "centre_api.record_closure": {"first_day": "2026-09-10", "last_day": "2026-09-11", "reason": "消毒"},
    "centre_api.withdraw_closure": {"reason": "照常开园"},
    "people_api.link_child_contact": {"contact_id": "{contact_id}", "relationship": "mother", "is_guardian": True,
                                      "may_pick_up": True},
    "people_api.record_consent": {"contact_id": "{contact_id}", "consent_on": "2026-09-01"},
    "people_api.create_contact": {"name": "李四", "phone": "13900000000"},
    "people_api.create_staff": {"name": "王老师", "role": "caregiver", "hired_on": "2026-01-01"},
    "staff_records_api.patch_staff": {"phone": "13800000001"},
    "staff_records_api.set_manager": {"manager_id": None, "effective_on": "2026-09-07"},
    "staff_records_api.add_ban": {"name": "禁入者", "id_number": "110101198003070017", "reason": "通报",
                                  "source": "police", "decided_on": "2026-09-01", "is_lifetime": True},
    "staff_records_api.lift_ban": {"reason": "撤销", "source": "court", "decided_on": "2026-09-07"},
    "training_api.record_training": {"category": "safety", "title": "消防", "hours": "1", "provider": "消防队",
                                     "held_on": "2026-09-07"},
    "training_api.amend_training": {"withdraw": True, "note": "重复登记"},
    "fleet_api.create_enrolment_code": {"kind": "kiosk", "name": "门口"},
    "attendance_api.issue_contact_credential": {"expires_on": "2027-09-01"},
    "attendance_api.issue_staff_credential": {"expires_on": "2027-09-01"},
    "attendance_api.set_pin": {"pin": "480516"},
    "staff_api.record_credential": {"type_code": "health_certificate", "number": "A1234567", "issuer": "区妇幼保健院",
                                    "issued_on": "2026-08-01"},
    "staff_api.amend_credential": {"issuer": "市妇幼保健院", "note": "更正发证机关"},
    "staff_api.assign_shift": {"staff_id": "{staff_id}", "room_id": None, "day": "2026-09-08", "starts": "13:00",
                               "ends": "17:00"},
    "staff_api.cancel_shift": {"reason": "调班"},
    "attendance_api.enroll_phone": {"public_key": "B" * 43},
    "attendance_api.record_absence": {"on": "2026-09-08", "reason": "personal"},
    "rooms_api.move_staff": {"reason": "break"},
    "rooms_api.move_child": {"room_id": "{room_id}"},
    "inspections_api.grant_inspector": {"username": "inspector-x", "display_name": "检查员",
                                        "expires_at": "2026-12-01T00:00:00Z"},
    "auth_api.create_token": {"name": "probe"},
    "fleet_api.enroll": {"code": "XXXX-XXXX", "kind": "kiosk"},
    "fleet_api.post_events": {"events": []},
}
FORMS = {
    "inspections.grant_inspector": {"username": "inspector-y", "display_name": "检查员",
                                    "expires_at": "2026-12-01T08:00"},
    "auth.login": {"username": "nobody", "password": "wrong"},
    "auth.change_password": {"current_password": PASSWORD, "new_password": "another-horse",
                             "confirm_password": "another-horse"},
    "inspections.revoke_inspector": {"username": "inspector-expired"},
    "fleet_pages.create_code": {"kind": "agent", "name": "厨房传感器", "valid_hours": "24"},
    "people.enrol_child": {"name": "新宝宝", "sex": "female", "born_on": "2025-03-01", "enrolled_on": "2026-09-01",
                           "service_type": "full_day"},
    "people.update_child": {"allergies": "花生"},
    "people.record_consent": {"contact_id": "{contact_id}", "consent_on": "2026-09-01"},
    "people.link_contact": {"contact_id": "{contact_id}", "relationship": "mother", "is_guardian": "y",
                            "may_pick_up": "y"},
    "people.add_staff": {"name": "新老师", "role": "caregiver", "hired_on": "2026-09-01"},
    "staff_pages.record_credential": {"type_code": "health_certificate", "number": "A7654321", "issuer": "区妇幼保健院",
                                      "issued_on": "2026-08-01"},
    "staff_pages.amend_credential": {"note": "更正发证机关", "issuer": "市妇幼保健院"},
    "staff_pages.add_training": {"category": "safety", "title": "消防", "hours": "1", "provider": "消防队",
                                 "held_on": "2026-09-07"},
    "staff_pages.set_manager": {"manager_id": "", "effective_on": "2026-09-07"},
    "staff_office.assign_shift": {"staff_id": "{staff_id}", "room_id": "", "day": "2026-09-08", "starts": "13:00",
                                  "ends": "17:00"},
    "staff_office.cancel_shift": {"reason": "调班"},
    "staff_office.add_ban": {"name": "禁入者", "id_number": "110101198003070017", "reason": "通报", "source": "police",
                             "decided_on": "2026-09-01", "is_lifetime": "y"},
    "staff_office.lift_ban": {"reason": "撤销", "source": "court", "decided_on": "2026-09-07"},
    "people.leave": {"left_on": "2026-09-30", "reason": "transferred"},
    "centre_pages.add_closure": {"first_day": "2026-09-10", "last_day": "2026-09-10", "reason": "停电"},
    "centre_pages.withdraw_closure": {"reason": "照常开园"},
    "centre_pages.add_class": {"name": "新班级", "class_type": "toddler", "capacity": "12"},
    "centre_pages.edit_class": {"name": "改名班", "class_type": "toddler", "capacity": "12"},
    "centre_pages.set_class_active": {"is_active": "1"},
    "cards.issue": {"contact_id": "{contact_id}", "expires_on": "2027-08-31"},
    "cards.set_pin": {"pin": "739146"},
    "inspections.evaluate": {},
    "attendance.record_child_absence": {"reason": "personal"},
    "attendance.correct_child_attendance": {"kind": "check_in", "time": "00:00", "reason": "忘记刷卡"},
}
QUERIES = {
    "inspections_api.download_pack": "?from=2026-09-01&to=2026-09-07",
    "staff_records_api.managers": "?on=2026-09-07",
    "training_api.training_totals": "?from=2026-09-01&to=2026-09-07",
    "attendance_api.attendance_register": "?on=2026-09-06",
    "rooms_api.ratio_violations": "?from=2026-09-01&to=2026-09-07",
    "rooms_api.occupancy_report": "?from=2026-09-01&to=2026-09-07",
}
# Each domain's routes declared in its part (tests/server/auth/matrix_parts/).
for _table, _name in ((NEEDS, "NEEDS"), (JSON_BODIES, "JSON_BODIES"), (FORMS, "FORMS"), (QUERIES, "QUERIES")):
    _parts = matrix_parts.merged(_name)
    assert not set(_parts) & set(_table), f"{_name}: declared here and in a part"
    _table.update(_parts)
PATH_VALUES = {"name": CHILDREN.name, "filename": "app.css", "code": "{code}"}
STREAMS = {"attendance_api.presence_stream", "rooms_api.ratios_stream", "dashboard.alerts_stream"}
# Writes that change what later requests see run last, the session's log-out at the very end.
LAST = ("people.leave", "people_api.leave", "attendance_api.revoke_phone", "fleet_api.revoke", "attendance_api.reissue", "alerts_api.resolve",
        *matrix_parts.last(), "auth.logout")
OWN_CREDENTIAL = {"attendance_api.enroll_phone", "attendance_api.revoke_phone"}
STAFF_CREDENTIAL = {"attendance_api.card", "attendance_api.reissue", "attendance_api.set_pin"}


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    rule: str
    arguments: tuple[str, ...]

    @property
    def is_api(self) -> bool:
        return self.rule.startswith("/api/")


def routes(app) -> list[Route]:  # type: ignore[no-untyped-def]
    found = [Route(rule.endpoint, method, rule.rule, tuple(sorted(rule.arguments)))
             for rule in app.url_map.iter_rules() for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]

    def order(route: Route) -> tuple[int, str, str]:
        last = LAST.index(route.endpoint) + 1 if route.endpoint in LAST else 0
        return (last, route.method != "GET", route.rule)
    return sorted(found, key=order)


def _url(route: Route, objects: Objects) -> str:
    url = route.rule
    for name in route.arguments:
        value = PATH_VALUES.get(name, f"{{{name}}}")
        if route.endpoint in STAFF_CREDENTIAL and name == "credential_id":
            value = "{staff_credential_id}"
        url = re.sub(rf"<(?:\w+:)?{name}>", value, url)
    url = re.sub(r"\{(\w+)\}", lambda m: str(objects.get(m.group(1))), url)
    return url + QUERIES.get(route.endpoint, "")


def _body(route: Route, objects: Objects) -> object:
    body = JSON_BODIES.get(route.endpoint) if route.is_api else FORMS.get(route.endpoint)
    if body is None:
        return None
    return {k: objects.get(v[1:-1]) if isinstance(v, str) and v.startswith("{") else v for k, v in body.items()}


def expected(route: Route, principal: Principal, where: str) -> str:
    """'allow' or 'deny' from the policy tables; where ∈ own | other_family (centre A) | other_centre (B)."""
    need = NEEDS[route.endpoint]
    if need.kind == "demo":
        return "absent"
    if need.kind == "public":
        return "allow"
    if need.kind in ("device", "events"):
        if principal.via != "device" or (where == "other_centre" and route.arguments):
            return "deny"
        return "allow" if need.kind == "events" or may_read_feed(principal.device_kind, need.feed) else "deny"
    if principal.via in ("anonymous", "device") or (not route.is_api and principal.via == "token"):
        return "deny"
    if need.kind == "user":
        return "allow"
    if need.kind == "own_pass":
        return "allow" if principal.role is Role.GUARDIAN else "deny"
    home = "other_centre" if principal.scope == "elsewhere" else "own"
    at_home = (where == "other_centre") == (home == "other_centre")
    if principal.scope == "expired" or not at_home:
        return "deny"
    role = principal.role
    assert role is not None and need.perm is not None
    if need.also is not None and need.also not in PERMISSIONS[role]:
        return "deny"
    if need.kind == "guardian":
        if role is not Role.GUARDIAN or need.perm not in PERMISSIONS[role]:
            return "deny"
        return "allow" if where == "own" or not _scoped_to_a_child(route) else "deny"
    if need.family and role is Role.GUARDIAN:
        return "allow" if where == "own" else "deny"
    if need.perm in PERMISSIONS[role]:
        if role is Role.GUARDIAN and where == "other_family" and _scoped_to_a_child(route):
            return "deny"
        if need.kind == "room" and role not in OPENS_EVERY_ROOM:
            return "deny"
        return "allow"
    return "deny"


def _scoped_to_a_child(route: Route) -> bool:
    return "child_id" in route.arguments or "contact_id" in route.arguments or "credential_id" in route.arguments \
        or "request_id" in route.arguments or "consent_id" in route.arguments  # a child's medication request, consent


def verdict(route: Route, status: int, location: str) -> str:
    """What the answer means: allow (the request got past authorisation), deny, absent (demo off), or an error."""
    need = NEEDS[route.endpoint]
    to_login = status == 302 and "/login" in location
    if status >= 500:
        return f"server error {status}"
    if need.kind == "demo":
        return "absent" if status in (400, 404) or to_login else f"demo answered {status}"
    if need.kind == "public":
        return "allow"
    if status in (401, 403, 404) or to_login:
        return "deny"
    if status == 400 and not route.is_api and route.method == "POST":
        return "deny"  # a form without the session's CSRF token
    return "allow"


def _session_client(app, principal: Principal):  # type: ignore[no-untyped-def]
    app.test_client_class = FreshContextClient
    client = app.test_client()
    if principal.via == "session":
        response = log_in(client, principal.username, PASSWORD)
        assert response.status_code == 302, principal.name
    return client


def sweep(app, world: World, principal: Principal) -> tuple[dict[tuple[str, str, str], tuple[str, str]], list[str]]:  # type: ignore[no-untyped-def]
    """Call every route as `principal` for each kind of object; (route, where) -> (expected, got), and leaks."""
    client = _session_client(app, principal)
    token = csrf_token(client.get("/", follow_redirects=True).get_data(as_text=True)) if principal.via == "session" else None
    mismatches, leaks = {}, []
    may_read_health = principal.role is not None and Perm.HEALTH_READ in PERMISSIONS[principal.role]
    for route in routes(app):
        for where in ("own", "other_family", "other_centre"):
            if where != "own" and not route.arguments:
                continue
            objects = getattr(world, where)
            headers = dict(principal.headers)
            body = _body(route, objects)
            kwargs: dict[str, object] = {}
            if route.is_api:
                kwargs["json"] = body
                if token:
                    headers["X-CSRFToken"] = token
            elif route.method == "POST":
                kwargs["data"] = {**(body or {}), **({"csrf_token": token} if token else {})}
            response = client.open(_url(route, objects), method=route.method, headers=headers, buffered=False,
                                   **kwargs)
            got = verdict(route, response.status_code, response.headers.get("Location", ""))
            want = expected(route, principal, where)
            if route.endpoint not in STREAMS and not may_read_health:
                data = response.get_data()
                leaks += [f"{route.method} {route.rule} ({where}): {s}" for s in HEALTH_SENTINELS if s.encode() in data]
            response.close()
            if got != want:
                mismatches[(route.method, route.rule, where)] = (want, f"{got} ({response.status_code})")
    return mismatches, leaks


def test_every_route_has_a_need(app):
    assert {r.endpoint for r in routes(app)} - set(NEEDS) == set()


def test_inspectors_write_nothing_and_guardians_only_for_their_family():
    assert PERMISSIONS[Role.INSPECTOR] & WRITE_PERMISSIONS == frozenset()
    assert PERMISSIONS[Role.GUARDIAN] & WRITE_PERMISSIONS == GUARDIAN_WRITES


def test_no_role_but_care_and_health_staff_guardians_and_inspectors_reads_health():
    assert {r for r in Role if Perm.HEALTH_READ in PERMISSIONS[r]} == {
        Role.ADMIN, Role.CAREGIVER, Role.HEALTH, Role.GUARDIAN, Role.INSPECTOR}


def test_agents_send_readings_and_safety_events_but_no_check_ins():
    assert (may_send("agent", "reading"), may_send("agent", "attendance.check_out"),
            may_send("kiosk", "safety.smoke")) == (True, False, False)


PRINCIPALS = (["anonymous", "inspector-elsewhere", "inspector-expired", "device-kiosk", "device-agent"]
              + [f"{role.value}-{via}" for role in Role for via in ("token", "session")])


@pytest.mark.parametrize("name", PRINCIPALS)
def test_every_answer_matches_the_policy(app, clock, name):
    # Whether the scheduler has run lately is /readyz's own business (tests/server/monitoring/test_readiness.py);
    # here it only matters who may reach it, and an empty test world has no scheduler (503, not ready).
    app.config["READY_SCHEDULER_MAX_AGE_S"] = 0
    world = build_world(clock.now())
    mismatches, leaks = sweep(app, world, world.principals[name])
    report = [f"{method} {rule} [{where}]: policy says {want}, got {got}"
              for (method, rule, where), (want, got) in sorted(mismatches.items())]
    assert (report, leaks) == ([], [])
