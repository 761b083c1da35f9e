"""The one place that wires settings, database, catalogue, SLA policy and clock together."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hotline.config import Settings
from hotline.domain import sounds
from hotline.domain.catalogue import Catalogue, load_catalogue
from hotline.domain.clock import Clock, SystemClock
from hotline.domain.duplicates import load_duplicate_rules
from hotline.domain.reading import ReadingTableError, load_tables
from hotline.domain.review import ReviewRules, load_review
from hotline.domain.sla import SlaPolicy
from hotline.domain.templates import ReplyTemplates, load_templates
from hotline.domain.yamlconf import ConfigError
from hotline.services.container import Services
from hotline.services.retention import RetentionPolicy, load_retention
from hotline.storage.db import make_engine, make_session_factory


@dataclass
class App:
    """Everything an entry point needs, built once per process."""

    settings: Settings
    engine: Engine
    catalogue: Catalogue
    sla: SlaPolicy
    service: Services
    retention: RetentionPolicy | None = None

    @property
    def sessions(self) -> sessionmaker[Session]:
        """One transaction per use case is opened from here."""
        return self.service.sessions

    @property
    def clock(self) -> Clock:
        """The injected clock: tests and drills move time, production reads the system's."""
        return self.service.clock

    @property
    def tz(self) -> ZoneInfo:
        """The hotline's local time zone (HOTLINE_TIMEZONE) for deadlines and texts."""
        return self.service.tz


def load_policies(settings: Settings) -> tuple[Catalogue, SlaPolicy]:
    """Load and validate the configuration files; any error names file and line."""
    catalogue = load_catalogue(settings.data_dir / "catalogue.yml")
    sla = SlaPolicy.load(
        settings.data_dir / "sla.yml",
        settings.data_dir / "calendar.yml",
        known_categories=set(catalogue.categories),
    )
    return catalogue, sla


def load_centre_rules(
    settings: Settings, catalogue: Catalogue
) -> tuple[ReviewRules, ReplyTemplates]:
    """Load and validate data/review.yml (审核) and data/templates.yml (常用语)."""
    review = load_review(
        settings.data_dir / "review.yml",
        departments=catalogue.departments,
        categories=catalogue.categories,
    )
    templates = load_templates(settings.data_dir / "templates.yml", categories=catalogue.categories)
    return review, templates


def build_app(settings: Settings | None = None, *, clock: Clock | None = None) -> App:
    """Build the application from settings (the environment by default)."""
    settings = settings or Settings.from_env()
    try:
        load_tables()
        sounds.load_table()
    except ReadingTableError as exc:  # the sound table's error is one too
        raise ConfigError(str(exc)) from exc
    catalogue, sla = load_policies(settings)
    retention = load_retention(settings.data_dir / "retention.yml")
    review, templates = load_centre_rules(settings, catalogue)
    duplicates = load_duplicate_rules(
        settings.data_dir / "duplicates.yml", known_categories=set(catalogue.categories)
    )
    engine = make_engine(settings.database_url)
    service = Services(
        make_session_factory(engine),
        catalogue,
        sla,
        clock or SystemClock(),
        settings.tz,
        review=review,
        templates=templates,
        duplicates=duplicates,
    )
    return App(
        settings=settings,
        engine=engine,
        catalogue=catalogue,
        sla=sla,
        service=service,
        retention=retention,
    )
