"""Outcomes of POST requests sent with an `Idempotency-Key`, so a retry replays instead of redoing.

One row per (caller, key), written in the same transaction as the request's own writes: when the
row exists, the work was done exactly once, and the row holds the answer the caller got.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Index, Integer, LargeBinary, String, Text
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

#: Response bodies up to 16 MiB on MySQL (BLOB would stop at 64 KiB); SQLite has no limit.
Body = LargeBinary().with_variant(mysql.MEDIUMBLOB(), "mysql", "mariadb")


class IdempotencyKey(Base):
    """Hold the fingerprint of one keyed request and the response it was answered with."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (Index("ix_idempotency_keys_expires_at", "expires_at"),)

    #: SHA-256 (hex) of the caller's scope and the key: a fixed-size primary key whatever the
    #: key's length, and two callers' equal keys never meet.
    key_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: Whose key it is (the authenticated username), for operators and purges.
    scope: Mapped[str] = mapped_column(String(64))
    #: SHA-256 (hex) of the method, the path and the canonical JSON body.
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    #: The replayed headers (Location, Content-Type, ETag, ...), as a JSON object.
    headers: Mapped[str] = mapped_column(Text)
    body: Mapped[bytes] = mapped_column(Body)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
