"""Aggregates the period report answers from, so it never scans the dossier table.

``DailyFlow``: what happened on a local day — dossiers received, dossiers resolved by
timeliness — per competent agency × procedure × field × channel. Maintained in the same
transaction as each dossier change (``rollup.py``).

``MonthlyFlow``: the daily flows of a closed calendar month summed per key (month × agency ×
procedure × field × channel), computed once when first read (``monthly.py``), so that a report
over a year reads a dozen months instead of every day of it; ``MonthlyAgencyFlow``, the same
summed over procedures and fields, for reports that do not need them.

``OpenSnapshot``: the dossiers open at a local midnight — within the deadline, overdue, paused —
per the same key. Computed exactly from the pauses and the events' due timeline for any past
midnight (``snapshots.py``), so a report over a period reads its carried-over dossiers (the
snapshot at the period's start) and its in-progress dossiers (the snapshot at its end).
"""

from __future__ import annotations

from django.db import models

from motcua.agencies.models import Agency
from motcua.catalog.models import Field, Procedure

# Concurrent intakes of one busy procedure would all update one counter row and queue on its
# lock until commit; spreading each key over a few shards (summed when read) removes that.
SHARDS = 4
# The counters of a flow, daily or monthly: dossiers received, resolved by timeliness.
COUNTERS = ("received", "resolved_early", "resolved_on_time", "resolved_late")


class FlowCounters(models.Model):
    received = models.IntegerField(default=0)
    resolved_early = models.IntegerField(default=0)
    resolved_on_time = models.IntegerField(default=0)
    resolved_late = models.IntegerField(default=0)

    class Meta:
        abstract = True


class DailyFlow(FlowCounters):
    day = models.DateField()
    # Indexed by (agency, day) below: an index of its own would only cost every write.
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", db_index=False)
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="+")
    field = models.ForeignKey(Field, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=10)
    shard = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "agency", "procedure", "field", "channel", "shard"],
                name="stats_flow_key",
            )
        ]
        indexes = [models.Index(fields=["agency", "day"], name="stats_flow_agency_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.agency_id}/{self.procedure_id}/{self.channel}"


class MonthlyFlow(FlowCounters):
    """``DailyFlow`` of one closed month, summed over its days and shards. Like the snapshots,
    no index on the foreign keys: reads go by month (the key's first column)."""

    month = models.DateField()  # the month's first day
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", db_index=False)
    procedure = models.ForeignKey(
        Procedure, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    field = models.ForeignKey(Field, on_delete=models.PROTECT, related_name="+", db_index=False)
    channel = models.CharField(max_length=10)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "agency", "procedure", "field", "channel"],
                name="stats_month_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.agency_id}/{self.procedure_id}/{self.channel}"


class MonthlyAgencyFlow(FlowCounters):
    """``MonthlyFlow`` summed over procedures and fields: month × agency × channel, a tenth of
    its rows. What a report without a procedure or field filter or breakdown reads (a
    province's year-to-date dashboard: 6,600 rows instead of 62,000 at 1M dossiers a year)."""

    month = models.DateField()
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", db_index=False)
    channel = models.CharField(max_length=10)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "agency", "channel"], name="stats_month_agency_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.agency_id}/{self.channel}"


class MonthDone(models.Model):
    """Which months have their ``MonthlyFlow`` rows (a month without dossiers has none)."""

    month = models.DateField(unique=True)
    computed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class OpenSnapshot(models.Model):
    # Read only by midnight (the key's first column). A history import writes millions of rows
    # (one per midnight and key), and every index is maintained row by row: no index of its
    # own on the foreign keys, which only deleting an agency, procedure or field would use.
    at = models.DateTimeField()  # a local midnight
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", db_index=False)
    procedure = models.ForeignKey(
        Procedure, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    field = models.ForeignKey(Field, on_delete=models.PROTECT, related_name="+", db_index=False)
    channel = models.CharField(max_length=10)
    within = models.IntegerField(default=0)
    overdue = models.IntegerField(default=0)
    paused = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["at", "agency", "procedure", "field", "channel"], name="stats_snapshot_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.at} {self.agency_id}/{self.procedure_id}/{self.channel}"


class SnapshotDone(models.Model):
    """Which midnights have their snapshot computed (a midnight with no open dossier has no
    rows, so the rows alone cannot tell 'zero' from 'not computed')."""

    at = models.DateTimeField(unique=True)
    computed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return str(self.at)


class BottleneckResult(models.Model):
    """The bottlenecks of one agency's subtree over one period, computed by a background task
    (``stored_bottlenecks``): over a province's year they read millions of dossier steps, too
    many for a page. ``data`` is ``Bottlenecks.as_dict`` cut to the first rows."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    first = models.DateField()
    last = models.DateField()
    as_of = models.DateTimeField(null=True)
    computed_at = models.DateTimeField(null=True)
    # Set when a computation is enqueued, cleared when it is stored: a request older than the
    # retry delay is taken as lost (its worker died) and made again.
    requested_at = models.DateTimeField(null=True)
    data = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "first", "last"], name="stats_bottleneck_result_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.first}–{self.last}"
