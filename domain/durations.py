"""Durations as the API writes them: HH:MM:SS."""

from __future__ import annotations

import datetime as dt


def format_duration(value: dt.timedelta) -> str:
    """Format a duration as HH:MM:SS; hours keep growing past 99 instead of wrapping."""
    seconds = int(value.total_seconds())
    sign = "-" if seconds < 0 else ""
    hours, rest = divmod(abs(seconds), 3600)
    return f"{sign}{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
