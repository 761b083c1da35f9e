"""Personal data: hashed invites, retention purge that keeps reports, export and erasure,
private files, and logs without citizens' words or numbers."""

from __future__ import annotations

import json
import logging
import sqlite3
import stat
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from hotline.config import Settings
from hotline.domain.clock import ManualClock
from hotline.domain.privacy import redact
from hotline.domain.tickets import Actor, DomainError
from hotline.domain.yamlconf import ConfigError
from hotline.files import RedactingFilter, configure_logging, secure_var
from hotline.services.citizen_data import CitizenData
from hotline.services.container import Services
from hotline.services.registration import NewTicket
from hotline.services.reports import report_for
from hotline.services.retention import ANONYMISED, RetentionPolicy, RetentionPurge, load_retention
from hotline.services.staff import hash_code
from hotline.storage.models import (
    Attachment,
    AuditRecord,
    Citizen,
    OutboxMessage,
    StaffInvite,
    Ticket,
    TicketEvent,
)

ROOT = Path(__file__).resolve().parents[2]
CITIZEN = "telegram:1001"
ME = Actor(role="citizen", id=CITIZEN)
HOUSING = Actor(role="staff", id="telegram:2001", department="housing")
PHONE = "13812345678"
WORDS = "楼道灯坏了三天，我家电话13912345678"
POLICY = RetentionPolicy(
    conversation_events=90,
    transcripts=180,
    attachments=365,
    closed_ticket_personal=365,
    report_files=365,
)


def file_ticket(service: Services, text: str = WORDS) -> str:
    return service.tickets.open_ticket(
        NewTicket(
            channel="telegram",
            channel_user_id="1001",
            description=text,
            category="compound_facility",
            contact_phone=PHONE,
            address="幸福小区3栋2单元501",
        )
    ).number


def closed_ticket(service: Services) -> str:
    number = file_ticket(service)
    service.tickets.accept(number, HOUSING)
    service.tickets.add_information(number, ME, "补充：晚上八点后在家 13912345678")
    service.tickets.resolve(number, HOUSING, "已更换灯泡。")
    service.tickets.rate(number, ME, "satisfied", "谢谢，王师傅很负责")
    return number


def tracker(path: Path, rows: list[tuple[str, float, str]]) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, type_name TEXT,"
            " timestamp REAL, intent_name TEXT, action_name TEXT, data TEXT)"
        )
        conn.executemany(
            "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, 'user', ?, ?)",
            [(s, t, json.dumps({"text": x}, ensure_ascii=False)) for s, t, x in rows],
        )
    conn.close()


def audit_actions(service: Services) -> list[str]:
    with service.sessions() as session:
        return list(session.scalars(select(AuditRecord.action).order_by(AuditRecord.id)))


# ------------------------------------------------------------------ invites


def test_invite_codes_are_128_bits_hashed_and_last_a_week(
    service: Services, clock: ManualClock
) -> None:
    code = service.staff.invite(role="staff", department="housing")
    assert len(code.replace("-", "")) == 32  # 32 hex digits = 128 bits
    with service.sessions() as session:
        invite = session.scalars(select(StaffInvite)).one()
    assert invite.code_hash == hash_code(code) and code not in invite.code_hash
    assert invite.expires_at - invite.created_at == timedelta(days=7)
    with pytest.raises(DomainError) as refused:
        service.staff.invite(role="admin", department=None)
    assert refused.value.code == "admin_by_invite"
    clock.advance(timedelta(days=7, seconds=1))
    with pytest.raises(DomainError):
        service.staff.bind(code, channel="telegram", chat_id="-100", user_id="1")
    assert audit_actions(service) == ["staff_invite", "bind_failed"]  # the code expired


# -------------------------------------------------------------- redaction


def test_redaction_keeps_ticket_numbers_dates_and_amounts() -> None:
    text = "工单20261123-0001，2026-11-24 10:00，罚款12345元，电话 138-1234-5678，座机010-62345678"
    shown = redact(text)
    assert "20261123-0001" in shown and "2026-11-24 10:00" in shown and "12345元" in shown
    assert "138-1234-5678" not in shown and "62345678" not in shown
    assert shown.count("5678") == 2


def test_staff_outbox_texts_are_masked_citizen_ones_are_not(service: Services) -> None:
    number = file_ticket(service)
    service.tickets.accept(number, HOUSING)
    service.tickets.add_information(number, ME, "身份证110101199003071234")
    with service.sessions() as session:
        rows = session.scalars(select(OutboxMessage)).all()
    staff = [r.text for r in rows if r.audience != "citizen"]
    assert staff and not any("13912345678" in t or "110101199003071234" in t for t in staff)


# -------------------------------------------------------------- retention


def test_retention_file_is_validated_at_start_up(tmp_path: Path) -> None:
    assert load_retention(ROOT / "data" / "retention.yml").transcripts > 0
    bad = tmp_path / "retention.yml"
    bad.write_text("conversation_events: 90\ntranscripts: -1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"retention.yml:2: transcripts"):
        load_retention(bad)


def test_purge_anonymises_and_reports_count_the_same(
    service: Services, clock: ManualClock, tmp_path: Path
) -> None:
    """A year and a bit later: personal fields gone, every figure of the report unchanged."""
    number = closed_ticket(service)
    still_open = file_ticket(service, "路灯不亮，电话13700001111")
    service.tickets.flag_for_human(still_open, ME, "市民：我的电话13700001111，要找人工")
    attachment_file = tmp_path / "attachments" / number / "1-photo.jpg"
    attachment_file.parent.mkdir(parents=True)
    attachment_file.write_bytes(b"jpeg")
    with service.sessions.begin() as session:
        ticket = session.scalars(select(Ticket).where(Ticket.number == number)).one()
        session.add(
            Attachment(
                ticket_id=ticket.id,
                citizen_id=ticket.citizen_id,
                kind="photo",
                file_ref="tg-file",
                local_path=str(attachment_file),
                created_at=clock.now(),
            )
        )
    old_report = tmp_path / "reports" / "week" / "summary.md"
    old_report.parent.mkdir(parents=True)
    old_report.write_text("old", encoding="utf-8")
    import os

    os.utime(old_report, (0, 0))
    start = clock.now().timestamp()
    tracker(
        tmp_path / "rasa-tracker.db",
        [(CITIZEN, start, WORDS), (CITIZEN, start + 400 * 86400, "今天的新消息")],
    )
    clock.advance(timedelta(days=400))
    # Measured after the time has passed, so only the purge can change the figures (the
    # still-open ticket is overdue by then either way).
    before = report_for(service, "month", date(2026, 11, 30))
    purge = RetentionPurge(service.sessions, service.clock, POLICY, tmp_path)
    dry = purge.run(dry_run=True)
    assert dry.counts == {
        "conversation_events": 1,
        "transcripts": 1,
        "attachments": 1,
        "closed_ticket_personal": 1,
        "report_files": 1,
    }
    assert attachment_file.exists() and old_report.exists()  # a dry run changes nothing
    done = purge.run()
    assert done.counts == dry.counts
    assert purge.run().counts == dict.fromkeys(dry.counts, 0)  # idempotent

    after = report_for(service, "month", date(2026, 11, 30))
    assert after.total == before.total
    assert after.departments == before.departments and after.categories == before.categories
    assert after.daily == before.daily and after.hot_places == before.hot_places
    closed = service.views.get_ticket(number)
    assert closed.description == ANONYMISED and closed.contact_phone is None
    assert closed.address is None and closed.status == "closed"
    assert closed.category == "compound_facility" and closed.department == "housing"
    with service.sessions() as session:
        notes = session.scalars(select(TicketEvent.note)).all()
        texts = session.scalars(select(OutboxMessage.text)).all()
    dump = " ".join(n or "" for n in notes) + " ".join(texts)
    assert "13912345678" not in dump and "王师傅" not in dump and "13700001111" not in dump
    assert service.views.get_ticket(still_open).description.startswith("路灯不亮")  # open: kept
    assert not attachment_file.exists() and not old_report.exists()
    conn = sqlite3.connect(tmp_path / "rasa-tracker.db")
    assert [r[0] for r in conn.execute("SELECT data FROM events")] == [
        json.dumps({"text": "今天的新消息"}, ensure_ascii=False)
    ]
    conn.close()
    assert "retention_purge" in audit_actions(service)


# ------------------------------------------------------------ export / erase


def test_export_and_erase_one_citizen(
    service: Services, clock: ManualClock, tmp_path: Path
) -> None:
    number = closed_ticket(service)
    tracker(
        tmp_path / "rasa-tracker.db",
        [(CITIZEN, clock.now().timestamp(), WORDS), ("telegram:9", 1.0, "别人的话")],
    )
    data = CitizenData(service.sessions, service.clock, tmp_path, tmp_path / "rasa-tracker.db")
    out = tmp_path / "export" / "1001.json"
    counts = data.export(CITIZEN, out)
    assert counts == {"tickets": 1, "attachments": 0, "conversation": 1}
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert exported["tickets"][0]["number"] == number
    assert exported["tickets"][0]["contact_phone"] == PHONE
    assert exported["conversation"][0]["text"] == WORDS
    assert stat.S_IMODE(out.stat().st_mode) == 0o600

    erased = data.erase(CITIZEN)
    assert erased["tickets"] == 1 and erased["conversation"] == 1
    view = service.views.get_ticket(number)
    assert view.description == ANONYMISED and view.contact_phone is None
    with service.sessions() as session:
        citizen = session.scalars(select(Citizen)).one()
        assert citizen.channel_user_id.startswith("erased-") and citizen.phone is None
        subjects = session.scalars(select(AuditRecord.subject)).all()
    assert all(s is None or "1001" not in s for s in subjects)
    with pytest.raises(DomainError):
        data.export(CITIZEN, out)  # nobody left under that key
    conn = sqlite3.connect(tmp_path / "rasa-tracker.db")
    assert [r[0] for r in conn.execute("SELECT sender_id FROM events")] == ["telegram:9"]
    conn.close()
    assert {"citizen_export", "citizen_erase"} <= set(audit_actions(service))


# ---------------------------------------------------------------- files, logs


def test_var_is_private_and_new_files_owner_only(tmp_path: Path) -> None:
    import os

    var = tmp_path / "var"
    (var / "reports").mkdir(parents=True)
    loose = var / "reports" / "old.csv"
    loose.write_text("x", encoding="utf-8")
    loose.chmod(0o644)
    previous = os.umask(0o022)
    try:
        secure_var(var)
        assert stat.S_IMODE(var.stat().st_mode) == 0o700
        assert stat.S_IMODE(loose.stat().st_mode) == 0o600
        fresh = var / "attachments" / "a.jpg"
        fresh.parent.mkdir()
        fresh.write_bytes(b"x")
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o600
        assert stat.S_IMODE(fresh.parent.stat().st_mode) == 0o700
        log_path = configure_logging(var, "bot")
        assert stat.S_IMODE(log_path.stat().st_mode) == 0o600
    finally:
        os.umask(previous)
        root = logging.getLogger()
        for handler in list(root.handlers):
            if any(isinstance(f, RedactingFilter) for f in handler.filters):
                root.removeHandler(handler)
                handler.close()


def test_database_files_are_owner_only(tmp_path: Path) -> None:
    import os

    from hotline.storage.db import make_engine
    from hotline.storage.migrate import upgrade

    previous = os.umask(0o077)  # what `hotline` sets before anything else
    try:
        engine = make_engine(f"sqlite:///{tmp_path / 'hotline.db'}")
        upgrade(engine)
        engine.dispose()
    finally:
        os.umask(previous)
    for path in tmp_path.glob("hotline.db*"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_logs_carry_no_citizen_text_phone_or_sql_parameters(
    service: Services, caplog: pytest.LogCaptureFixture
) -> None:
    """A ticket's life and a database failure, logged at DEBUG through the filter the bot and
    scheduler install: SQL statements yes, citizens' words, numbers and rows no."""
    caplog.set_level(logging.DEBUG)
    caplog.handler.addFilter(RedactingFilter())  # as configure_logging installs it
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
    try:
        number = closed_ticket(service)
        with pytest.raises(DomainError):
            service.tickets.add_information(number, ME, "再补充 13912345678")
        try:
            with service.sessions.begin() as session:  # a failing statement, as in a crash
                session.execute(select(Ticket).where(Ticket.description == WORDS))
                session.add(Citizen(channel="telegram", channel_user_id="1001", phone=PHONE))
                session.flush()
        except Exception as exc:  # PostgreSQL's DETAIL quotes the failing row
            logging.getLogger("bot.app").error("handler failed", exc_info=exc)
            logging.getLogger("bot.app").warning("write failed: %s", exc)
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    text = "\n".join(caplog.handler.format(r) for r in caplog.records)
    assert "SELECT" in text and "handler failed" in text  # logged, without the secrets
    for secret in (PHONE, "13912345678", "楼道灯坏了", "王师傅", "晚上八点"):
        assert secret not in text, secret


def test_settings_reply_window(tmp_path: Path) -> None:
    settings = Settings.from_env({"HOTLINE_STAFF_REPLY_MINUTES": "3"}, root=ROOT)
    assert settings.staff_reply_minutes == 3
    with pytest.raises(ConfigError):
        Settings.from_env({"HOTLINE_STAFF_REPLY_MINUTES": "600"}, root=ROOT)
