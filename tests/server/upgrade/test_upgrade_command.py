"""`tuoyu upgrade`: refuses without a fresh verified backup (by the app's clock), then migrates and says from where to where."""

from __future__ import annotations

from datetime import timedelta

from server.cli import main
from server.upgrade import Standing, schema_state
from tests.server.upgrade.conftest import UNKNOWN_REVISION


def _upgrade(app, *args: str):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(main, ["upgrade", *args])


def test_without_any_backup_it_refuses_and_migrates_nothing(app, head, one_behind):
    result = _upgrade(app)
    assert (result.exit_code, "tuoyu backup" in result.output, schema_state(app).database) == (1, True, (one_behind,))


def test_a_backup_older_than_the_limit_is_refused(app, head, one_behind, clock, backed_up):
    backed_up(clock.now(), timedelta(hours=25))
    result = _upgrade(app)
    assert (result.exit_code, "25 h 00 min" in result.output, schema_state(app).database) == (1, True, (one_behind,))


def test_the_age_is_counted_on_the_apps_clock(app, head, one_behind, clock, backed_up):
    backed_up(clock.now(), timedelta(hours=1))
    clock.advance(hours=24)
    result = _upgrade(app)
    assert (result.exit_code, "25 h 00 min" in result.output) == (1, True)


def test_an_unverified_backup_is_refused(app, head, one_behind, clock, backed_up):
    backed_up(clock.now(), timedelta(minutes=5), verified=False)
    result = _upgrade(app)
    assert (result.exit_code, "not verified" in result.output, schema_state(app).database) == (1, True, (one_behind,))


def test_a_fresh_verified_backup_lets_it_migrate_and_print_both_revisions(app, head, one_behind, clock, backed_up):
    backed_up(clock.now(), timedelta(hours=23, minutes=59))
    result = _upgrade(app)
    assert (result.exit_code, f"from {one_behind} to {head}" in result.output, schema_state(app).standing) \
        == (0, True, Standing.CURRENT), result.output


def test_the_limit_is_an_option(app, head, one_behind, clock, backed_up):
    backed_up(clock.now(), timedelta(hours=30))
    result = _upgrade(app, "--max-backup-age-hours", "48")
    assert (result.exit_code, schema_state(app).database) == (0, (head,)), result.output


def test_the_backup_check_can_be_skipped(app, head, one_behind):
    result = _upgrade(app, "--skip-backup-check")
    assert (result.exit_code, "skipped" in result.output, schema_state(app).database) == (0, True, (head,))


def test_a_database_at_head_needs_no_backup(app, head):
    result = _upgrade(app)
    assert (result.exit_code, "already at head" in result.output) == (0, True)


def test_a_schema_ahead_of_the_code_is_refused(app, head, record_as, clock, backed_up):
    backed_up(clock.now(), timedelta(minutes=5))
    record_as(UNKNOWN_REVISION)
    result = _upgrade(app)
    assert (result.exit_code, "AHEAD" in result.output, schema_state(app).database) == (1, True, (UNKNOWN_REVISION,))


def test_a_new_empty_database_is_migrated_without_a_backup(tmp_path, clock):
    from server import create_app
    from tests.conftest import FAST_TEST_CONFIG

    app = create_app({**FAST_TEST_CONFIG, "DATABASE_URL": f"sqlite:///{tmp_path / 'new.sqlite3'}",
                      "INSTANCE_PATH": str(tmp_path), "CLOCK": clock})
    result = _upgrade(app)
    assert (result.exit_code, "nothing to back up" in result.output, schema_state(app).standing) \
        == (0, True, Standing.CURRENT), result.output
