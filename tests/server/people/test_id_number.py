"""身份证号: 18 characters with the GB 11643 check digit, kept upper-case, shown masked."""

from __future__ import annotations

from datetime import date

import pytest

from server.auth.roles import Role
from server.database import db
from server.errors import ValidationFailed
from server.people.idnumber import id_number_problem, mask_id_number, normalise_id_number
from server.people.models import StaffRole
from server.people.operations import create_staff, update_staff
from tests.factories import SYSTEM, make_centre, make_login

VALID = "11010519491231002X"  # GB 11643-1999's own example


def test_the_standards_example_is_valid():
    assert id_number_problem(VALID) is None


def test_a_lower_case_x_and_spaces_are_normalised():
    assert normalise_id_number(" 110105 19491231 002x ") == VALID


@pytest.mark.parametrize(("number", "code"), [
    ("110105194912310021", "bad_id_number_check_digit"),
    ("11010519491231002", "bad_id_number_format"),
    ("1101051949123100X2", "bad_id_number_format"),
    ("11010519491331002X", "bad_id_number_birth_date"),
])
def test_a_malformed_number_is_refused(number, code):
    assert id_number_problem(number) == code


def test_a_number_is_masked_to_its_first_and_last_four():
    assert (mask_id_number(VALID), mask_id_number(None)) == ("1101**********002X", None)


def test_create_staff_refuses_a_bad_check_digit(app, clock):
    centre = make_centre("alpha", clock.now())
    with pytest.raises(ValidationFailed) as refused:
        create_staff(centre, name="王老师", role=StaffRole.CAREGIVER, hired_on=date(2026, 9, 1),
                     id_number="110105194912310021", actor=SYSTEM, now=clock.now())
    assert (refused.value.code, refused.value.field) == ("bad_id_number_check_digit", "id_number")


def test_create_staff_keeps_the_number_upper_case(app, clock):
    centre = make_centre("alpha", clock.now())
    staff = create_staff(centre, name="王老师", role=StaffRole.CAREGIVER, hired_on=date(2026, 9, 1),
                         id_number=VALID.lower(), actor=SYSTEM, now=clock.now())
    assert staff.id_number == VALID


def test_an_existing_person_gets_a_number_later(app, clock):
    centre = make_centre("alpha", clock.now())
    staff = create_staff(centre, name="王老师", role=StaffRole.CAREGIVER, hired_on=date(2026, 9, 1), actor=SYSTEM,
                         now=clock.now())
    assert update_staff(staff, {"id_number": VALID}, actor=SYSTEM, now=clock.now()).id_number == VALID


def test_the_api_shows_the_number_masked_only(client, app, clock):
    centre = make_centre("alpha", clock.now())
    db.session.commit()
    director = make_login("director", clock.now(), [(centre, Role.ADMIN)])
    created = client.post("/api/v1/centres/alpha/staff", headers=director.headers, json={
        "name": "王老师", "role": "caregiver", "hired_on": "2026-09-01", "id_number": VALID})
    read = client.get(f"/api/v1/staff/{created.get_json()['id']}", headers=director.headers)
    listed = client.get("/api/v1/centres/alpha/staff", headers=director.headers)
    assert (created.status_code, read.get_json()["id_number_masked"]) == (201, "1101**********002X")
    assert [VALID in r.get_data(as_text=True) for r in (created, read, listed)] == [False, False, False]


def test_full_width_digits_are_refused():
    assert id_number_problem("１１０１０５１９４９１２３１００２X") == "bad_id_number_format"


def test_an_empty_number_clears_nothing_into_the_file(app, clock):
    centre = make_centre("alpha", clock.now())
    staff = create_staff(centre, name="王老师", role=StaffRole.CAREGIVER, hired_on=date(2026, 9, 1), actor=SYSTEM,
                         now=clock.now())
    assert update_staff(staff, {"id_number": "  "}, actor=SYSTEM, now=clock.now()).id_number is None
