"""Request counters per client and fixed window, shared by every worker through the database.

Django's default cache lives in each process: behind gunicorn with N workers a client would get
N times its allowance. One ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` per request counts
atomically on SQLite (3.35+) and PostgreSQL alike, in its own short transaction (``hit``).

On the busiest public endpoint (the dossier lookup) that transaction was a third of each
request's database work, so ``BatchedCounter`` counts in the process and writes its counts
once a second, all keys in one statement: a client's first request in a window still goes to
the database (it learns what every process counted), the next ones are counted here on top of
what the database said at the last write. A client can therefore pass its allowance by what
the other processes admitted since their last write (at most a second of its requests each);
a process alone never passes it.
"""

from __future__ import annotations

import re
import threading
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


def _add(counts: dict[tuple[str, int], int]) -> dict[tuple[str, int], int]:
    """Add each ``(key, window) → n`` to the database in one statement (keys in order, so two
    processes writing the same keys take their row locks in the same order); the totals."""
    keys = sorted(counts)
    totals: dict[tuple[str, int], int] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL synchronous_commit = off")  # as in ``hit``
        for start in range(0, len(keys), _ROWS_PER_STATEMENT):
            chunk = keys[start : start + _ROWS_PER_STATEMENT]
            values = ", ".join(["(%s, %s, %s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {_TABLE} (key, window_start, hits) VALUES {values} "  # noqa: S608
                f"ON CONFLICT (key, window_start) DO UPDATE SET hits = {_TABLE}.hits + "
                "excluded.hits RETURNING key, window_start, hits",
                [part for key in chunk for part in (key[0], key[1], counts[key])],
            )
            totals.update({(row[0], int(row[1])): int(row[2]) for row in cursor.fetchall()})
    return totals


_ROWS_PER_STATEMENT = 2_000  # SQLite allows 32,766 parameters a statement, PostgreSQL 65,535


class BatchedCounter:
    """``hit`` with the counts of known clients kept in this process and written every
    ``interval`` seconds (module docstring). Thread-safe: gunicorn's threads share it.

    Every request must get its own number, or requests within the allowance are refused. A
    client's first request reads the database's count, and the process's other threads'
    requests of that client wait for it (one short statement) instead of reading it too: two
    reads finishing in either order gave two requests the same number, and a read made while
    this process was writing the client's counts could not tell whether it included them (it
    counted them twice). Once a client is known the process counts it itself, so a read
    never meets a write of the same client."""

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        self._lock = threading.Condition()
        self._known: dict[tuple[str, int], int] = {}  # the database's count at the last write
        self._pending: dict[tuple[str, int], int] = {}  # counted here since
        self._writing: dict[tuple[str, int], int] = {}  # being written: still counted here
        self._ends: dict[tuple[str, int], int] = {}  # when each window closes
        self._written_at: float | None = None  # the interval starts at the first request
        self._reading: set[tuple[str, int]] = set()  # clients whose count is being read

    def clear(self) -> None:
        with self._lock:
            self._known.clear()
            self._pending.clear()
            self._writing.clear()
            self._ends.clear()
            self._written_at = None

    def hit(self, key: str, rate: Rate, now: float | None = None) -> Decision:
        moment = time.time() if now is None else now
        window = int(moment) // rate.period * rate.period
        slot = (key[:200], window)
        with self._lock:
            if self._written_at is None:
                self._written_at = moment
            known = self._known.get(slot)
            while known is None and slot in self._reading:
                self._lock.wait()
                known = self._known.get(slot)
            if known is not None:
                pending = self._pending.get(slot, 0) + 1
                self._pending[slot] = pending
                count = known + self._writing.get(slot, 0) + pending
                due = moment - self._written_at >= self.interval
            else:
                self._reading.add(slot)
        if known is None:
            count, due = self._first(key, rate, moment, slot)
        if due:
            self.write(moment)
        retry_after = max(1, window + rate.period - int(moment))
        return Decision(count <= rate.limit, count, retry_after)

    def _first(
        self, key: str, rate: Rate, moment: float, slot: tuple[str, int]
    ) -> tuple[int, bool]:
        """A client new to this process: counted in the database, as ``hit`` does; its
        requests on the process's other threads wait for this one (class docstring)."""
        counted: int | None = None
        try:
            counted = hit(key, rate, now=moment).count
        finally:
            with self._lock:
                self._reading.discard(slot)
                self._lock.notify_all()  # if the read failed, the next request reads again
                if counted is not None:
                    # Nothing of this client was counted here before: it was unknown, and
                    # the threads that asked meanwhile waited for this read.
                    self._known[slot] = counted
                    self._ends[slot] = slot[1] + rate.period
                due = moment - (self._written_at or moment) >= self.interval
        return counted, due

    def write(self, now: float | None = None) -> None:
        """Write what was counted here since the last write; forget the closed windows."""
        moment = time.time() if now is None else now
        with self._lock:
            if self._writing:
                return  # another thread is writing
            pending, self._pending = self._pending, {}
            self._written_at = moment
            for slot in [s for s, end in self._ends.items() if end <= moment]:
                self._known.pop(slot, None)
                self._ends.pop(slot, None)
                pending.pop(slot, None)
            self._writing = pending
        if not pending:
            return
        totals: dict[tuple[str, int], int] = {}
        try:
            totals = _add(pending)
        finally:
            with self._lock:
                self._writing = {}
                if not totals:  # the write failed: its counts wait for the next one
                    for slot, n in pending.items():
                        self._pending[slot] = self._pending.get(slot, 0) + n
                for slot, total in totals.items():
                    if slot in self._known:
                        # What was counted here since the write began stays pending on top.
                        self._known[slot] = total


# The public lookup's counter (the API and the web page share the client's allowance).
LOOKUPS = BatchedCounter()
