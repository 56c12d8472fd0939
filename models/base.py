"""Declarative base with deterministic constraint names, and the legacy audit columns."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

# Named constraints are what make migrations portable: Alembic can only drop or alter a constraint
# it can name, and SQLite has no names unless we give them. Single-column indexes come out as
# ix_<table>_<column>, which is also what the legacy Flask-SQLAlchemy models produced.
NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every Splits model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Every audit column is optional in the legacy schema; the API fills `*_app` and the dates, and
# the `*_user` columns only for membership writes (legacy-v2 §2.1).
AUDIT_TEXT = String(31)


def _audit(type_: Any) -> Any:
    """Return an optional audit column, deferred with the other audit columns."""
    return mapped_column(type_, deferred=True, deferred_group="audit")


class AuditMixin:
    """Add the legacy audit and soft-delete block: `deleted` plus created/modified/deleted_*.

    Reads must treat a NULL `deleted` like true (the legacy API filters `deleted IS FALSE`).
    No representation shows the nine audit columns, so the ORM leaves them out of every SELECT
    (deferred, as one group: touching one loads all nine); writes set them as usual.
    """

    deleted: Mapped[bool | None] = mapped_column(Boolean, default=False)
    created_date: Mapped[datetime | None] = _audit(DateTime)
    created_user: Mapped[str | None] = _audit(AUDIT_TEXT)
    created_app: Mapped[str | None] = _audit(AUDIT_TEXT)
    modified_date: Mapped[datetime | None] = _audit(DateTime)
    modified_user: Mapped[str | None] = _audit(AUDIT_TEXT)
    modified_app: Mapped[str | None] = _audit(AUDIT_TEXT)
    deleted_date: Mapped[datetime | None] = _audit(DateTime)
    deleted_user: Mapped[str | None] = _audit(AUDIT_TEXT)
    deleted_app: Mapped[str | None] = _audit(AUDIT_TEXT)


class VersionedMixin:
    """Add a row-version column that the ORM checks and bumps on every UPDATE and DELETE.

    It is the source of ETags and of optimistic concurrency: a flush that finds another version
    raises `sqlalchemy.orm.exc.StaleDataError`. Bulk `update()` statements bypass the ORM, so they
    must set `version=Model.version + 1` themselves.
    """

    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]
