"""The bottlenecks of the dashboard: computed at once for a small scope, in the background for
a large one.

``bottlenecks`` reads every dossier step that ended in the period (its percentiles need each
step's working hours), about 11 µs a step: a commune's month is a few milliseconds, a province's
year at a million dossiers a year is 3.6 million steps and 25 seconds — far too long for a page
and longer than the server's request timeout. So a scope whose period counts more than
``INLINE_DOSSIERS`` dossiers (received or resolved, from the aggregates: one cheap read) is
computed by a background task (``motcua worker``) and kept in ``BottleneckResult``; the page
shows the stored result with the instant it is as of, and asks for a new one when it is older
than ``FRESH`` (a period still running) — meanwhile it shows the older result, or says that the
figures are being computed. A closed period's result, evaluated as of its end, is final.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_tasks import task

from motcua.agencies.models import Agency
from motcua.agencies.selectors import agency_subtree
from motcua.core.localtime import local_date

from .aggregated import flow_total
from .bottlenecks import AgencyRow, Bottlenecks, Ref, Stats, StepRow, bottlenecks
from .models import BottleneckResult
from .scope import Period, Scope

# ~4 steps a dossier at ~11 µs a step: about 0.2 s of computing on the page at most.
INLINE_DOSSIERS = 5_000
FRESH = timedelta(minutes=15)
# A request not answered after this long was lost (no worker, or it died): it is made again.
RETRY = timedelta(minutes=10)
STORED_ROWS = 50  # the page shows fewer; the API lists them all


@dataclass(frozen=True)
class Answer:
    result: Bottlenecks | None
    step_count: int  # steps rows in the whole result (``result.steps`` may be cut)
    pending: bool  # a newer result is being computed


def dashboard_bottlenecks(agency: Agency, period: Period, now: datetime) -> Answer:
    """The bottlenecks of ``agency`` and the agencies below it over ``period`` for the page.
    Raises ``ValidationFailed`` for a period that has not started (``Period.as_of``)."""
    as_of = period.as_of(now)
    if dossier_estimate(agency, period, as_of) <= INLINE_DOSSIERS:
        result = bottlenecks(period, as_of, agency_subtree(agency).values("pk"))
        return Answer(result, len(result.steps), pending=False)
    row = BottleneckResult.objects.filter(
        agency=agency, first=period.first, last=period.last
    ).first()
    if row is None or row.computed_at is None:
        request(agency, period, now)
        return Answer(None, 0, pending=True)
    stored = from_row(row)
    pending = not _fresh(row, period, now)
    if pending:
        request(agency, period, now)
    return Answer(stored, row.data.get("step_count", 0), pending=pending)


def dossier_estimate(agency: Agency, period: Period, as_of: datetime) -> int:
    """Dossiers received or resolved in the period up to ``as_of``'s day, from the flows (the
    same read as the period report's): the size of the work, not a figure shown."""
    until = min(period.last, local_date(as_of)) + timedelta(days=1)
    return flow_total(Scope(agency=agency), period.first, until)


def _fresh(row: BottleneckResult, period: Period, now: datetime) -> bool:
    if row.as_of is not None and row.as_of >= period.end:
        return True  # evaluated as of the period's end: final
    return row.computed_at is not None and now - row.computed_at < FRESH


def request(agency: Agency, period: Period, now: datetime) -> bool:
    """Enqueue a computation unless one is already on its way; True when one was enqueued."""
    with transaction.atomic():
        row = _locked_row(agency, period)
        if row.requested_at is not None and now - row.requested_at < RETRY:
            return False
        row.requested_at = now
        row.save(update_fields=["requested_at"])
        pk = row.pk
        transaction.on_commit(lambda: compute_bottlenecks.enqueue(pk))
    return True


def _locked_row(agency: Agency, period: Period) -> BottleneckResult:
    key = {"agency": agency, "first": period.first, "last": period.last}
    row = BottleneckResult.objects.select_for_update().filter(**key).first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            return BottleneckResult.objects.create(**key)
    except IntegrityError:  # created meanwhile by another request
        return BottleneckResult.objects.select_for_update().get(**key)


@task()
def compute_bottlenecks(result_id: int) -> int:
    """Compute and store one requested result; returns the number of steps read."""
    row = BottleneckResult.objects.select_related("agency").filter(pk=result_id).first()
    if row is None:
        return 0  # its agency was deleted meanwhile
    period = Period(row.first, row.last)
    now = timezone.now()
    as_of = period.as_of(now)
    result = bottlenecks(period, as_of, agency_subtree(row.agency).values("pk"))
    BottleneckResult.objects.filter(pk=row.pk).update(
        data=result.as_dict(limit=STORED_ROWS),
        as_of=as_of,
        computed_at=now,
        requested_at=None,
    )
    return result.steps_handled


# ----- the stored JSON back into the result -----------------------------------------------------
def from_row(row: BottleneckResult) -> Bottlenecks:
    data = row.data
    as_of = parse_datetime(data["as_of"])
    assert as_of is not None
    return Bottlenecks(
        period=Period(row.first, row.last),
        as_of=as_of,
        steps_handled=data["steps_handled"],
        late_dossiers=data["late_dossiers"],
        steps=[_step_row(item) for item in data["steps"]],
        agencies=[AgencyRow(_ref(item["agency"]), _stats(item)) for item in data["agencies"]],
    )


def _ref(data: dict[str, str]) -> Ref:
    return Ref(data["code"], data["name"])


def _step_row(data: dict[str, Any]) -> StepRow:
    return StepRow(
        procedure=_ref(data["procedure"]),
        step=_ref(data["step"]),
        agency=_ref(data["agency"]),
        inter_agency=data["inter_agency"],
        stats=_stats(data),
    )


def _stats(data: dict[str, Any]) -> Stats:
    # The JSON has the hours as floats of two-decimal values: repr gives those decimals back.
    return Stats(
        handled=data["handled"],
        late=data["late"],
        held_median=Decimal(repr(data["held_hours"]["median"])),
        held_p90=Decimal(repr(data["held_hours"]["p90"])),
        allotted=Decimal(repr(data["allotted_hours"])),
        caused=data["caused_late_dossiers"],
    )
