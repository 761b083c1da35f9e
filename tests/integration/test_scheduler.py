"""The scheduler's jobs live in the hotline database and survive a restart."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect

from hotline.bootstrap import build_app
from hotline.config import Settings
from hotline.entrypoints.scheduler import build_scheduler
from hotline.storage.migrate import upgrade

ROOT = Path(__file__).resolve().parents[2]


def test_jobs_are_stored_and_reloaded(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {"HOTLINE_DATABASE_URL": f"sqlite:///{tmp_path / 'h.db'}"}, root=ROOT
    )
    app = build_app(settings)
    upgrade(app.engine)
    first = build_scheduler(app, background=True)
    first.start(paused=True)
    assert {job.id for job in first.get_jobs()} == {
        "sla_sweep",
        "morning_digest",
        "calendar_check",
        "weekly_report",
        "retention_purge",
    }
    first.shutdown(wait=False)
    assert "apscheduler_jobs" in inspect(app.engine).get_table_names()
    again = build_scheduler(app, background=True)  # a restarted process
    again.start(paused=True)
    jobs = {job.id: job for job in again.get_jobs()}
    assert len(jobs) == 5  # replaced, not duplicated
    assert str(jobs["morning_digest"].trigger).startswith("cron[")
    again.shutdown(wait=False)
