"""Request counters per client and fixed window, shared by every worker through the database.

Django's default cache lives in each process: behind gunicorn with N workers a client would get
N times its allowance. One ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` per request counts
atomically on SQLite (3.35+) and PostgreSQL alike, in its own short transaction.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from django.db import connection, models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.core.errors import invalid

_PERIODS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60}
_PERIODS |= {"h": 3600, "hour": 3600, "d": 86_400, "day": 86_400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([a-z]+)\s*$")
# Windows older than this are deleted as new ones open: the table holds about one row per
# active client.
KEEP_SECONDS = 86_400


class RateCounter(models.Model):
    key = models.CharField(max_length=200)
    window_start = models.BigIntegerField()  # seconds since the epoch
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        app_label = "identity"
        verbose_name = gettext_lazy("request counter")
        verbose_name_plural = gettext_lazy("request counters")
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="rate_counter_window")
        ]
        indexes = [models.Index(fields=["window_start"], name="rate_counter_age")]

    def __str__(self) -> str:
        return f"{self.key}@{self.window_start}: {self.hits}"


@dataclass(frozen=True)
class Rate:
    limit: int
    period: int  # seconds

    @classmethod
    def parse(cls, text: str) -> Rate:
        """``60/minute``, ``100/h``, ``10/30s``."""
        match = _RATE.match((text or "").lower())
        if match is None or match.group(3) not in _PERIODS:
            raise invalid(
                "rate", _("A rate is written like 60/minute: %(text)r is not.") % {"text": text}
            )
        multiple = int(match.group(2) or 1)
        return cls(int(match.group(1)), max(1, multiple) * _PERIODS[match.group(3)])


@dataclass(frozen=True)
class Decision:
    allowed: bool
    count: int
    retry_after: int  # seconds until the window resets


_TABLE = RateCounter._meta.db_table


def hit(key: str, rate: Rate, now: float | None = None) -> Decision:
    """Count one request of ``key``; whether it stays within ``rate``."""
    moment = time.time() if now is None else now
    window = int(moment) // rate.period * rate.period
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A counter lost in a crash only lets a client in a little early: the commit need
            # not wait for the WAL to reach the disk, which on a public endpoint is most of
            # the cost of counting.
            cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute(
            f"INSERT INTO {_TABLE} (key, window_start, hits) VALUES (%s, %s, 1) "  # noqa: S608
            f"ON CONFLICT (key, window_start) DO UPDATE SET hits = {_TABLE}.hits + 1 "
            "RETURNING hits",
            [key[:200], window],
        )
        row = cursor.fetchone()
        count = int(row[0]) if row else 1
        if count == 1:
            cursor.execute(
                f"DELETE FROM {_TABLE} WHERE window_start < %s",  # noqa: S608
                [window - KEEP_SECONDS],
            )
    retry_after = max(1, window + rate.period - int(moment))
    return Decision(count <= rate.limit, count, retry_after)
