"""The Flask app factory: configuration, extensions, blueprints, error handlers and the clock, in named steps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, jsonify, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from server.bounds import register_bounds
from server.clock import SystemWallClock
from server.config import load_config
from server.database import SnapshotStale, db, reads_first, writes_from_the_start
from server.errors import error_response, register_error_handlers
from server.extensions import babel, csrf, limiter, login_manager, migrate
from server.streams import OpenStreams

MIGRATIONS_DIR = str(Path(__file__).parent / "migrations")
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TuoyuApp(Flask):
    """The app: one unit of work per request, which on SQLite a read begins without the write lock.

    A GET renders and reads without waiting for kiosk batches or sensor ingest (server.database.reads_first);
    should it write (a logged read of health data) after another writer committed, its snapshot is stale and the
    whole request runs once more, this time holding the write lock from its start. Other methods write, and take
    the lock at once as before. The retry lives here, never in an operation.
    """

    def full_dispatch_request(self) -> Response:
        view = self.view_functions.get(request.endpoint) if request.endpoint else None
        reading = request.method in READING_METHODS or getattr(view, "reads_first", False)
        begin = reads_first if reading else writes_from_the_start
        try:
            with begin():
                return super().full_dispatch_request()
        except SnapshotStale:
            db.session.rollback()
            with writes_from_the_start():
                return super().full_dispatch_request()


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app. `test_config` overrides everything (tests inject CLOCK, DATABASE_URL…)."""
    app = TuoyuApp(__name__, instance_path=_instance_path(test_config))
    app.register_error_handler(SnapshotStale, _run_again)
    load_config(app, test_config)
    app.extensions["tuoyu.clock"] = app.config.get("CLOCK") or SystemWallClock()
    app.extensions["tuoyu.streams"] = OpenStreams()
    _import_models()
    _init_extensions(app)
    register_bounds(app)  # before the blueprints: their `<int:…>` routes take the bounded converter
    _register_blueprints(app)
    register_error_handlers(app)
    _register_jobs(app)
    _register_compliance_sources(app)
    _register_registries(app)
    _register_unit_of_work(app)
    _register_health(app)
    _register_monitoring(app)
    from server.upgrade import check_schema_at_start

    check_schema_at_start(app)  # a serving app refuses a schema behind or ahead of the code (docs/upgrades.md)
    return app


def _run_again(exc: SnapshotStale) -> Response:
    """Not an error to answer: up to TuoyuApp.full_dispatch_request, which runs the request again."""
    raise exc


def _instance_path(test_config: dict[str, Any] | None) -> str | None:
    import os

    if test_config and test_config.get("INSTANCE_PATH"):
        return str(test_config["INSTANCE_PATH"])
    return os.environ.get("TUOYU_INSTANCE_PATH") or str(Path.cwd() / "instance")


def _import_models() -> None:
    """Every domain's models, so the metadata (and Alembic) sees all tables."""
    import server.alerts.models
    import server.attendance.kiosk_screen
    import server.attendance.models
    import server.attendance.rooms.models
    import server.audit.models
    import server.auth.models
    import server.care.medication.models
    import server.care.models
    import server.centre.models
    import server.emergencies.drills_models
    import server.emergencies.fire_checks_models
    import server.emergencies.live_models
    import server.emergencies.plans_models
    import server.emergencies.supplies_models
    import server.environment.models
    import server.families.models
    import server.fleet.models
    import server.food.models
    import server.health.checks.models
    import server.health.illness.models
    import server.health.profile.models
    import server.hygiene.models
    import server.hygiene.uv_models
    import server.idempotency
    import server.incidents.models
    import server.inspections.models
    import server.meals.models
    import server.notices.models
    import server.people.consent_models
    import server.people.models
    import server.people.staff_models
    import server.safeguarding.models
    import server.scheduling.models
    import server.staff.models
    import server.staff.training_models  # noqa: F401


def _init_extensions(app: Flask) -> None:
    from server.auth.session import register_refusal_logging
    from server.i18n import register_template_helpers, select_locale
    from server.security import init_security

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in")
    login_manager.localize_callback = str  # flashed into the session: plain text in the request's language
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: app.config["DEFAULT_TIMEZONE"])
    app.config["RATELIMIT_HEADERS_ENABLED"] = True
    limiter.init_app(app)
    register_template_helpers(app)
    register_refusal_logging(app)
    init_security(app)


def _register_blueprints(app: Flask) -> None:
    # Listed, not discovered: a reader sees every entry point here.
    from server.alerts import api as alerts_api
    from server.apispec import register_openapi
    from server.attendance import api as attendance_api
    from server.attendance import card_views
    from server.attendance import views as attendance_views
    from server.attendance.rooms import api as rooms_api
    from server.attendance.rooms import views as rooms_views
    from server.auth import api as auth_api
    from server.auth import views as auth_views
    from server.care import api as care_api
    from server.care.medication import api as medication_api
    from server.care.medication import views as medication_views
    from server.centre import api as centre_api
    from server.centre import views as centre_views
    from server.dashboard import views as dashboard_views
    from server.demo import views as demo_views
    from server.environment import api as environment_api
    from server.environment import views as environment_views
    from server.family import api as family_api
    from server.family import views as family_views
    from server.fleet import api as fleet_api
    from server.fleet import views as fleet_views
    from server.health.checks import api as health_checks_api
    from server.health.checks import views as health_checks_views
    from server.health.illness import api as illness_api
    from server.health.illness import views as illness_views
    from server.health.profile import api as health_profile_api
    from server.health.profile import views as health_profile_views
    from server.inspections import api as inspections_api
    from server.inspections import views as inspections_views
    from server.navigation import register_navigation
    from server.people import account_views as family_account_views
    from server.people import api as people_api
    from server.people import staff_api as staff_records_api
    from server.people import views as people_views
    from server.staff import api as staff_api
    from server.staff import office_views as staff_office_views
    from server.staff import training_api
    from server.staff import views as staff_views
    from server.tablet import api as tablet_api
    from server.tablet import views as tablet_views

    for bp in (auth_api.bp, centre_api.bp, people_api.bp, inspections_api.bp, fleet_api.bp, attendance_api.bp,
               alerts_api.bp, rooms_api.bp, environment_api.bp, staff_api.bp, staff_records_api.bp,
               training_api.bp, tablet_api.bp, health_profile_api.bp, illness_api.bp, health_checks_api.bp,
               care_api.bp, medication_api.bp):
        csrf.exempt(bp)  # the API checks CSRF itself for cookie-authenticated writes (auth.session)
        app.register_blueprint(bp)
    # The HTML pages: each domain's screens (the office's classes, people, cards and devices among them).
    for bp in (auth_views.bp, dashboard_views.bp, inspections_views.bp, attendance_views.bp, rooms_views.bp,
               environment_views.bp, people_views.bp, centre_views.bp, card_views.bp, fleet_views.bp, staff_views.bp,
               staff_office_views.bp, tablet_views.bp, health_profile_views.bp, illness_views.bp,
               health_checks_views.bp, medication_views.bp, family_account_views.bp):
        app.register_blueprint(bp)
    # The family's phone (a composition over the record domains): a guardian's home and their child's day.
    _register_domain(app, family_api.bp, family_views.bp)
    # PIPL consents (people): the guardian's phone page, the office's texts and overview, their API.
    from server.people import consent_api, consent_views

    _register_domain(app, consent_api.bp, consent_views.bp)
    # The parent loop's messages, ratings and complaints (families); feedback_views adds its pages to families.bp.
    from server.families import api as families_api
    from server.families import feedback_views  # noqa: F401 - its pages are routes of families.bp
    from server.families import views as families_views

    _register_domain(app, families_api.bp, families_views.bp)
    # The notifier (notices): the family's inbox and settings, the centre's notices and channels, their API.
    from server.notices import api as notices_api
    from server.notices import views as notices_views

    _register_domain(app, notices_api.bp, notices_views.bp)
    # Live emergencies (emergencies/live*): the live page and roll call every tablet shares, the record, its API.
    from server.emergencies import live_api as emergencies_live_api
    from server.emergencies import live_views as emergencies_live_views

    _register_domain(app, emergencies_live_api.bp, emergencies_live_views.bp)
    # Emergency preparedness (emergencies): plans and read receipts, drills, fire checks, isolation and supplies.
    from server.emergencies import preparedness_api, preparedness_views

    _register_domain(app, preparedness_api.bp, preparedness_views.bp)
    # Safeguarding concerns (restricted: the director, designated leads, scoped inspectors; any staff may raise one).
    from server.safeguarding import api as safeguarding_api
    from server.safeguarding import views as safeguarding_views

    _register_domain(app, safeguarding_api.bp, safeguarding_views.bp)
    # The 表9 injury register (incidents): its API, the office and tablet pages, the family's report page.
    from server.incidents import api as incidents_api
    from server.incidents import views as incidents_views

    _register_domain(app, incidents_api.bp, incidents_views.bp)
    # The 表6 class hygiene checklist (hygiene): its API, the room tablet's day and the office's month.
    from server.hygiene import api as hygiene_api
    from server.hygiene import views as hygiene_views

    _register_domain(app, hygiene_api.bp, hygiene_views.bp)
    # Food samples (food): the kitchen's tablet, a sample with its fridge evidence, the office's month, their API.
    from server.food import api as food_api
    from server.food import views as food_views

    _register_domain(app, food_api.bp, food_views.bp)
    # The UV lamp (hygiene/uv_*): the agent's room state, start/stop and the 紫外线消毒记录, its pages.
    from server.hygiene import uv_api as hygiene_uv_api
    from server.hygiene import uv_views as hygiene_uv_views

    _register_domain(app, hygiene_uv_api.bp, hygiene_uv_views.bp)
    # Weekly menus (带量食谱) with allergy warnings and the 膳食费 publication (meals): kitchen, office, family pages.
    from server.meals import api as meals_api
    from server.meals import views as meals_views

    _register_domain(app, meals_api.bp, meals_views.bp)
    register_navigation(app)  # the shell's role navigation (base.html), filtered by the registered views
    app.register_blueprint(demo_views.bp)  # answers 404 unless `tuoyu demo` runs its kiosk
    register_openapi(app)


def _register_domain(app: Flask, api: Blueprint, *pages: Blueprint) -> None:
    """A domain's JSON API (which checks CSRF itself for cookie-authenticated writes, auth.session) and pages."""
    csrf.exempt(api)
    for bp in (api, *pages):
        app.register_blueprint(bp)


def _register_jobs(app: Flask) -> None:
    """Scheduled jobs of every domain (run by the one `tuoyu scheduler run` process) and device-event handlers."""
    from server.attendance.jobs import ATTENDANCE_SWEEP
    from server.attendance.operations.kiosk_events import handle_kiosk_event
    from server.attendance.rooms.jobs import RATIO_REFRESH
    from server.attendance.rooms.operations.live import refresh_after_kiosk_batch, still_in_breach
    from server.care.jobs import NAP_PATROL, still_overdue
    from server.care.operations.patrol_alerts import KIND as NAP_PATROL_KIND
    from server.environment.jobs import ENVIRONMENT_EVALUATION, ENVIRONMENT_PRUNE
    from server.environment.operations.handlers import handle_heartbeat, handle_safety_event
    from server.environment.operations.ingest import ReadingIngest
    from server.environment.settings import EnvironmentSettings
    from server.fleet.operations import EventRouter
    from server.health.illness.jobs import OUTBREAK_CHECK
    from server.health.illness.outbreak import OUTBREAK_KIND, outbreak_holds
    from server.idempotency import forget_old_requests
    from server.inspections.jobs import NIGHTLY_EVALUATION
    from server.scheduling.operations import ScheduledJob
    from server.staff.jobs import CREDENTIAL_EXPIRY

    forget_answers = ScheduledJob("idempotency.forget", run=forget_old_requests, cron={"hour": 3, "minute": 50})
    app.extensions["tuoyu.jobs"] = [NIGHTLY_EVALUATION, ATTENDANCE_SWEEP, RATIO_REFRESH, ENVIRONMENT_EVALUATION,
                                    ENVIRONMENT_PRUNE, CREDENTIAL_EXPIRY, forget_answers, OUTBREAK_CHECK, NAP_PATROL]
    # The notifier: the outbox drained every minute, reminders issued every hour (server/notices/jobs.py).
    from server.notices.jobs import DRAIN_OUTBOX, REMINDERS

    app.extensions["tuoyu.jobs"] += [DRAIN_OUTBOX, REMINDERS]
    # Device events by kind prefix: each domain that devices report to adds its handler here.
    app.extensions["tuoyu.event_router"] = EventRouter(
        {"attendance": handle_kiosk_event, "safety": handle_safety_event, "heartbeat": handle_heartbeat},
        bulk={"reading": ReadingIngest(EnvironmentSettings.from_config(app.config))},
        after_batch={"attendance": refresh_after_kiosk_batch},
    )
    # Alerts whose condition must end before anyone may resolve them (server/alerts/operations.resolve).
    app.extensions["tuoyu.alert_conditions"] = {"ratio.ratio": still_in_breach, "ratio.class_size": still_in_breach,
                                                OUTBREAK_KIND: outbreak_holds, NAP_PATROL_KIND: still_overdue}
    # A complaint's alert holds until the complaint is answered (families).
    from server.families.operations.complaints import ALERT_KIND as COMPLAINT_ALERT_KIND
    from server.families.operations.complaints import complaint_unanswered

    app.extensions["tuoyu.alert_conditions"][COMPLAINT_ALERT_KIND] = complaint_unanswered
    # A supply's alert holds until it is restocked to its minimum (emergencies).
    from server.emergencies.supplies import ALERT_KIND as SUPPLY_ALERT_KIND
    from server.emergencies.supplies import supply_below_minimum

    app.extensions["tuoyu.alert_conditions"][SUPPLY_ALERT_KIND] = supply_below_minimum
    # A smoke or panic alarm opens (or joins) the centre's live emergency in the same transaction; a minute job takes
    # in any other emergency alert (the environment's). Environment imports nothing of emergencies.
    from server.emergencies.live_jobs import EMERGENCY_ABSORB, then_open_emergency

    router = app.extensions["tuoyu.event_router"]
    # The 表6 device evidence: window contacts and disinfection cabinets (server/hygiene/devices.py).
    from server.hygiene.devices import handle_cabinet_event, handle_window_event

    router.handlers["hygiene.window"] = handle_window_event
    router.handlers["hygiene.cabinet"] = handle_cabinet_event
    # The UV lamp's relay events (server/hygiene/uv_ops.py): the agent's interlock reports each on, off and refusal.
    from server.hygiene.uv_ops import handle_uv_event

    router.handlers["hygiene.uv"] = handle_uv_event
    router.handlers["safety"] = then_open_emergency(router.handlers["safety"])
    app.extensions["tuoyu.jobs"].append(EMERGENCY_ABSORB)


def _register_registries(app: Flask) -> None:
    """What the base floor asks of the registries above it, wired here so it imports none of them."""
    from server.attendance import handed_down
    from server.auth.roles import ROLE_LABELS
    from server.care.medication.doses import STAFF_PIN_KEY
    from server.care.medication.models import LABELS as MEDICATION_LABELS
    from server.care.models import LABELS as CARE_LABELS
    from server.centre.models import LABELS as CENTRE_LABELS
    from server.health.checks.models import LABELS as HEALTH_CHECK_LABELS
    from server.health.checks.operations import PRESENT_KEY
    from server.health.profile.models import LABELS as HEALTH_PROFILE_LABELS
    from server.i18n import LABELS_KEY, label_table
    from server.people.consent_models import LABELS as CONSENT_LABELS
    from server.people.models import LEAVE_REASON_LABELS, RELATIONSHIP_LABELS, STAFF_ROLE_LABELS
    from server.people.operations import contacts_of_user
    from server.people.staff_models import BAN_SOURCE_LABELS, EMPLOYMENT_EVENT_LABELS
    from server.people.views import STAFF_FILE_BADGES
    from server.staff.badges import staff_list_badges
    from server.staff.models import LABELS as STAFF_FILE_LABELS
    from server.staff.training_models import TRAINING_CATEGORY_LABELS, TRAINING_SOURCE_LABELS

    app.extensions["tuoyu.contacts_of_user"] = contacts_of_user
    # A new consent version asks the guardians to sign through a notice; notices sit above people.
    from server.notices.operations import acknowledge, open_notice_for, queue_notice
    from server.people.consents import NOTICE_HANDS_KEY, QUEUE_NOTICE_KEY, NoticeHands

    app.extensions[QUEUE_NOTICE_KEY] = queue_notice
    app.extensions[NOTICE_HANDS_KEY] = NoticeHands(open_notice_for=open_notice_for, acknowledge=acknowledge)
    app.extensions[STAFF_FILE_BADGES] = staff_list_badges  # the staff list's credential badges (people floor)
    # Attendance's answers for health and care, below it (attendance/handed_down.py): who checked in today (the
    # 晨检 queue) and a dose witness's kiosk PIN hash.
    app.extensions[PRESENT_KEY] = handed_down.present_children
    app.extensions[STAFF_PIN_KEY] = handed_down.staff_pin_hash
    app.extensions[LABELS_KEY] = label_table(CENTRE_LABELS, ROLE_LABELS, RELATIONSHIP_LABELS, STAFF_ROLE_LABELS,
                                             LEAVE_REASON_LABELS, STAFF_FILE_LABELS, BAN_SOURCE_LABELS,
                                             EMPLOYMENT_EVENT_LABELS, TRAINING_CATEGORY_LABELS, TRAINING_SOURCE_LABELS,
                                             HEALTH_PROFILE_LABELS, MEDICATION_LABELS, CARE_LABELS, HEALTH_CHECK_LABELS,
                                             *CONSENT_LABELS)
    # The parent loop's closed sets (families), added without hiding a name another table gave first.
    from server.families.models import LABELS as FAMILIES_LABELS

    app.extensions[LABELS_KEY] = {**label_table(FAMILIES_LABELS), **app.extensions[LABELS_KEY]}

    # The notifier's closed sets (notices): kinds of notice, their status, the outbox's.
    from server.notices.kinds import LABELS as NOTICE_KIND_LABELS
    from server.notices.models import LABELS as OUTBOX_LABELS
    from server.notices.status import LABELS as NOTICE_STATUS_LABELS

    app.extensions[LABELS_KEY] = {**label_table(NOTICE_KIND_LABELS, NOTICE_STATUS_LABELS, OUTBOX_LABELS),
                                  **app.extensions[LABELS_KEY]}
    # Live emergencies' closed sets: kinds, sources, timeline lines, ticks, notice templates, status.
    from server.emergencies.live_models import LABELS as LIVE_EMERGENCY_LABELS

    app.extensions[LABELS_KEY] = {**label_table(*LIVE_EMERGENCY_LABELS), **app.extensions[LABELS_KEY]}

    # Safeguarding's closed sets: categories, escalation steps, agencies, corrected fields.
    from server.safeguarding.models import LABELS as SAFEGUARDING_LABELS

    app.extensions[LABELS_KEY] = {**label_table(SAFEGUARDING_LABELS), **app.extensions[LABELS_KEY]}
    # Emergency preparedness's closed sets: plan scenarios, fire-check items, supplies and stock moves.
    from server.emergencies.fire_checks_models import FIRE_ITEM_LABELS
    from server.emergencies.plans_models import SCENARIO_LABELS
    from server.emergencies.supplies_models import SUPPLY_LABELS

    app.extensions[LABELS_KEY] = {**label_table(SCENARIO_LABELS, FIRE_ITEM_LABELS, SUPPLY_LABELS),
                                  **app.extensions[LABELS_KEY]}
    # The injury register's closed sets (incidents): treatment, how the guardian was told, signers, stages.
    from server.incidents.models import LABELS as INCIDENT_LABELS

    app.extensions[LABELS_KEY] = {**label_table(INCIDENT_LABELS), **app.extensions[LABELS_KEY]}


def _register_compliance_sources(app: Flask) -> None:
    """What packs and evaluations read from each domain: its registers, evidence and key figures.

    A new record domain adds its registers (in the order the pack's summary lists them), the evidence
    its evaluators read (by `compliance.ComplianceInputs` field) and its key figures here.
    """
    from server.attendance import handed_down
    from server.attendance.registers import (
        ATTENDANCE_REGISTER,
        attendance_evidence,
        attendance_rates,
        sick_absences,
        staff_check_ins,
    )
    from server.attendance.rooms import registers as rooms_registers
    from server.care.evidence import care_evidence
    from server.care.medication.registers import MEDICATION_REGISTER
    from server.care.registers import NAP_PATROL_REGISTER, OUTDOOR_REGISTER
    from server.centre import registers as centre_registers
    from server.centre.records import class_records
    from server.emergencies import preparedness_registers
    from server.emergencies.live_registers import EMERGENCY_REGISTER, emergency_response_evidence
    from server.environment import registers as environment_registers
    from server.families import registers as families_registers
    from server.food import registers as food_registers
    from server.food.menu_source import MENU_DISHES_KEY
    from server.health.checks.registers import CHECKS_REGISTER
    from server.health.evidence import health_evidence
    from server.health.illness.registers import ILLNESS_REGISTER
    from server.health.illness.views import SICK_ABSENCES_KEY
    from server.health.profile import registers as health_profile_registers
    from server.health.profile.operations import DAYS_PRESENT_KEY
    from server.hygiene import registers as hygiene_registers
    from server.hygiene.evidence import hygiene_evidence
    from server.hygiene.uv_registers import REGISTERS as UV_REGISTERS
    from server.incidents import registers as incident_registers
    from server.inspections.sources import ComplianceSources
    from server.meals import registers as meals_registers
    from server.notices.registers import NOTICE_REGISTER, notice_evidence
    from server.people import registers as people_registers
    from server.people.consent_registers import CONSENTS as CONSENTS_REGISTER
    from server.safeguarding import registers as safeguarding_registers
    from server.staff import registers as staff_registers
    from server.staff.training_registers import TRAINING_REGISTER

    # The staff files count kiosk check-ins as duty: attendance's records, handed down (staff is below it).
    app.extensions[staff_registers.CHECK_INS_KEY] = staff_check_ins
    # The health page's entry exam asks when a child was present (attendance's check-ins, handed down).
    app.extensions[DAYS_PRESENT_KEY] = handed_down.child_days_present
    from server.meals.served import served_dishes

    app.extensions[MENU_DISHES_KEY] = served_dishes  # the kitchen's samples read the published menus' dishes
    app.extensions[SICK_ABSENCES_KEY] = sick_absences  # the 表4 page offers today's sick absences as cases
    app.extensions["tuoyu.compliance_sources"] = ComplianceSources(
        registers=(centre_registers.CLASSES, people_registers.CHILDREN, people_registers.FAMILIES, CONSENTS_REGISTER,
                   people_registers.STAFF, TRAINING_REGISTER, ATTENDANCE_REGISTER, rooms_registers.RATIO_VIOLATIONS,
                   rooms_registers.PLACES_MONITORING, environment_registers.EXCEEDANCE_REGISTER,
                   environment_registers.MONTHLY_SUMMARY, staff_registers.QUALIFICATIONS,
                   staff_registers.CERTIFIED_SHARE, staff_registers.ROSTER, CHECKS_REGISTER, ILLNESS_REGISTER,
                   MEDICATION_REGISTER, NAP_PATROL_REGISTER, OUTDOOR_REGISTER, health_profile_registers.CONDITIONS,
                   health_profile_registers.GROWTH,
                   families_registers.RATINGS_REGISTER, families_registers.COMPLAINTS_REGISTER, NOTICE_REGISTER,
                   EMERGENCY_REGISTER, safeguarding_registers.CONCERNS_REGISTER, *preparedness_registers.REGISTERS,
                   incident_registers.INJURY_REGISTER, *hygiene_registers.REGISTERS, *UV_REGISTERS,
                   food_registers.SAMPLES_REGISTER, food_registers.MONTHLY_SUMMARY, *meals_registers.REGISTERS),
        evidence={"classes": class_records, "children": people_registers.child_records,
                  "ratio_violations": rooms_registers.ratio_violation_records,
                  "environment": environment_registers.environment_evidence,
                  "staff": staff_registers.staff_evidence, "staff_check_ins": staff_check_ins,
                  "attendance": attendance_evidence, "care": care_evidence, "health": health_evidence,
                  "feedback": families_registers.feedback_evidence, "notices": notice_evidence,
                  "emergency_response": emergency_response_evidence,
                  "safeguarding": safeguarding_registers.safeguarding_evidence,
                  "preparedness": preparedness_registers.preparedness_evidence,
                  "incidents": incident_registers.incident_evidence, "hygiene": hygiene_evidence,
                  "food_samples": food_registers.food_sample_evidence, "meals": meals_registers.meals_evidence},
        key_figures=(attendance_rates, staff_registers.certified_share_figures),
        # Safeguarding's register only in packs and on pages for those who may read concerns.
        gates={safeguarding_registers.REGISTER_NAME: safeguarding_registers.register_gate},
        gated_rules={"safeguarding.": safeguarding_registers.REGISTER_NAME},
    )


def _register_unit_of_work(app: Flask) -> None:
    """One commit per request: operations only flush; a failed request rolls back."""

    @app.after_request
    def _commit(response: Response) -> Response:
        if response.status_code >= 400:
            db.session.rollback()
            return response
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            app.logger.warning("commit refused by a constraint", exc_info=True)
            return error_response(409, "conflict", _l("Conflicts with a concurrent change, retry"))
        return response


def _register_health(app: Flask) -> None:
    @app.get("/healthz")
    def healthz() -> Response:
        """The process is alive and answers: no database (that is /readyz, server/monitoring, docs/monitoring.md)."""
        return jsonify({"status": "ok"})


def _register_monitoring(app: Flask) -> None:
    """JSON logs with a request id, request and ingest metrics, /metrics and /readyz (after the jobs and router)."""
    from server.monitoring import init_monitoring

    init_monitoring(app)


