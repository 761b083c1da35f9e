"""Named operators of the command line: who acts, with which role and department."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hotline.domain.catalogue import Catalogue
from hotline.domain.clock import Clock
from hotline.domain.texts import clean_text
from hotline.domain.tickets import (
    ROLE_LABELS,
    STAFF_ROLES,
    Actor,
    DomainError,
    NotAllowed,
    Role,
)
from hotline.storage.db import transaction
from hotline.storage.models import (
    Operator,
)


@dataclass(frozen=True)
class OperatorView:
    """A CLI operator as the CLI lists it."""

    name: str
    role: str
    department: str | None
    active: bool


class Operators:
    """Operator accounts; `--as NAME` resolves to a verified actor here."""

    def __init__(self, sessions: sessionmaker[Session], catalogue: Catalogue, clock: Clock) -> None:
        self.sessions = sessions
        self.catalogue = catalogue
        self.clock = clock

    @contextmanager
    def _unit(self) -> Iterator[Session]:
        with transaction(self.sessions) as session:
            yield session

    def add_operator(
        self, name: str, *, role: str, department: str | None, created_by: str | None = None
    ) -> OperatorView:
        """Register a named operator (the person behind `hotline … --as NAME`) with one role;
        department staff belong to exactly one department, centre roles to none."""
        clean = clean_text(name, field_name="操作员姓名", limit=80) or ""
        if ":" in clean or any(c.isspace() for c in clean):
            raise DomainError("操作员姓名不能含空格或冒号。", code="bad_operator_name")
        if role not in STAFF_ROLES:
            raise DomainError(
                f"角色“{role}”无效，只能是：staff（承办人员）、dispatcher（派单员）、"
                "supervisor（督办人员）、admin（管理员）。",
                code="bad_role",
            )
        if role == "staff":
            if not department:
                raise DomainError(
                    "承办人员必须用 --department 指定所属部门。", code="no_department"
                )
            if department not in self.catalogue.departments:
                raise DomainError(
                    f"没有“{department[:40]}”这个部门代码。", code="unknown_department"
                )
        elif department:
            raise DomainError(
                f"{ROLE_LABELS[role]}属于12345中心，不属于某个部门，请去掉 --department。",
                code="centre_role_department",
            )
        with self._unit() as session:
            if session.scalar(select(Operator.id).where(Operator.name == clean)) is not None:
                raise DomainError(f"操作员“{clean}”已存在。", code="operator_exists")
            row = Operator(
                name=clean,
                role=role,
                department_code=department if role == "staff" else None,
                active=True,
                created_at=self.clock.now(),
                created_by=created_by,
            )
            session.add(row)
            session.flush()
            return OperatorView(row.name, row.role, row.department_code, row.active)

    def list_operators(self) -> list[OperatorView]:
        """Every operator, active or not, by name."""
        with self._unit() as session:
            return [
                OperatorView(o.name, o.role, o.department_code, o.active)
                for o in session.scalars(select(Operator).order_by(Operator.name))
            ]

    def set_operator_active(self, name: str, active: bool) -> OperatorView:
        """Disable (or re-enable) an operator; a disabled one can no longer act."""
        with self._unit() as session:
            row = session.scalar(select(Operator).where(Operator.name == (name or "").strip()))
            if row is None:
                raise DomainError(f"没有名为“{name[:40]}”的操作员。", code="unknown_operator")
            row.active = active
            return OperatorView(row.name, row.role, row.department_code, row.active)

    def operator_actor(self, name: str) -> Actor:
        """The verified actor of an active operator: role and department come from the
        account, never from what was typed."""
        with self._unit() as session:
            row = session.scalar(select(Operator).where(Operator.name == (name or "").strip()))
            if row is None:
                raise DomainError(
                    f"没有名为“{name[:40]}”的操作员；请管理员先运行 "
                    "hotline operator add 姓名 --role 角色 [--department 部门代码]。",
                    code="unknown_operator",
                )
            if not row.active:
                raise NotAllowed(f"操作员“{row.name}”已停用。", code="operator_inactive")
            role = cast(Role, row.role)
            return Actor(
                role=role, id=f"operator:{row.name}", department=row.department_code, name=row.name
            )
