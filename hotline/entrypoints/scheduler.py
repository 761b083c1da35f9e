"""The scheduler process (`hotline scheduler`): APScheduler runs the jobs in hotline.services.jobs.

Jobs live in a persistent SQLAlchemy job store in the hotline database, so schedules survive
restarts; every job is idempotent (outbox dedupe keys), so a missed run is simply made up
(coalesced into one) when the process comes back, and two scheduler processes never send
anything twice.
"""

from __future__ import annotations

import logging
import signal
from functools import cache
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from hotline.bootstrap import App, build_app
from hotline.files import configure_logging, secure_var
from hotline.services import jobs
from hotline.services.prompts import PromptStore

log = logging.getLogger(__name__)

JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 24 * 3600}


@cache
def _app() -> App:
    return build_app()


# Module-level entry points: the persistent job store references jobs by import path.


def sweep_job() -> None:
    """Every minute: warnings, chasers, escalations, surveys, auto-close."""
    jobs.run_sweep(_app().service)


def digest_job() -> None:
    """Working-day mornings: what each department has due today and overdue."""
    jobs.morning_digest(_app().service)


def calendar_job() -> None:
    """Daily: warn about missing holiday data; firm up provisional deadlines once it exists;
    expire messages chat-endpoint citizens never came back for."""
    service = _app().service
    jobs.calendar_check(service)
    service.tickets.recompute_provisional_deadlines()
    expired = service.tickets.expire_unpulled()
    if expired:
        log.warning("%d messages for chat-endpoint citizens expired unread", expired)


def weekly_report_job() -> None:
    """Mondays 09:00: last week's report pack for supervisors (summary, charts, workbook)."""
    from hotline.services.report_outputs import weekly_report_job as write_weekly

    app = _app()
    write_weekly(app.service, app.settings.var_dir / "reports", ticket_url=app.settings.ticket_url)


def retention_job() -> None:
    """Nightly: anonymise or delete personal data past data/retention.yml's limits."""
    from hotline.services.retention import RetentionPurge, load_retention

    app = _app()
    policy = app.retention or load_retention(app.settings.data_dir / "retention.yml")
    RetentionPurge(app.sessions, app.clock, policy, app.settings.var_dir).run()
    PromptStore(app.sessions, app.clock).purge_expired()


def build_scheduler(app: App, *, background: bool = False) -> BaseScheduler:
    """A scheduler with the hotline's jobs, stored in the hotline database."""
    kind = BackgroundScheduler if background else BlockingScheduler
    scheduler = kind(
        jobstores={"default": SQLAlchemyJobStore(engine=app.engine, tablename="apscheduler_jobs")},
        executors={"default": ThreadPoolExecutor(2)},
        job_defaults=JOB_DEFAULTS,
        timezone=app.settings.tz,
    )
    scheduler.add_job(sweep_job, "interval", minutes=1, id="sla_sweep", replace_existing=True)
    scheduler.add_job(
        digest_job, "cron", hour=8, minute=30, id="morning_digest", replace_existing=True
    )
    scheduler.add_job(
        calendar_job, "cron", hour=7, minute=0, id="calendar_check", replace_existing=True
    )
    scheduler.add_job(
        weekly_report_job,
        "cron",
        day_of_week="mon",
        hour=9,
        minute=0,
        id="weekly_report",
        replace_existing=True,
    )
    scheduler.add_job(
        retention_job, "cron", hour=3, minute=30, id="retention_purge", replace_existing=True
    )
    return scheduler


def start_background(app: App) -> BaseScheduler:
    """Run the jobs in this process's background (used by `hotline up`)."""
    jobs.calendar_check(app.service)
    jobs.run_sweep(app.service)
    scheduler = build_scheduler(app, background=True)
    scheduler.start()
    return scheduler


def run() -> None:
    """Run until SIGTERM/SIGINT; start-up runs the catch-up work at once."""
    app = _app()
    secure_var(app.settings.var_dir)
    configure_logging(app.settings.var_dir, "scheduler")
    missing = jobs.calendar_check(app.service)
    if missing:
        log.warning("holiday data missing for %s: deadlines there are provisional", missing)
    jobs.run_sweep(app.service)  # catch up on anything missed while we were down
    scheduler = build_scheduler(app)

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %d: stopping scheduler", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    log.info("scheduler started")
    scheduler.start()
