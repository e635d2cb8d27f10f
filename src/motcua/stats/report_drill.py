"""The dossiers behind a figure of the period report (drill-down).

Each figure's dossiers are selected with the Q objects of ``figures.py`` — the definition the
aggregates are tested against — so a list's count is the figure itself (for an official who
sees every dossier of the scope; others see the part ``visible_dossiers`` allows).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.agencies.selectors import Page, paginate
from motcua.core.errors import FieldError, ValidationFailed
from motcua.dossiers.actor import Actor
from motcua.dossiers.models import Dossier
from motcua.dossiers.selectors import visibility

from .figures import (
    CHANNELS,
    TIMELINESS,
    annotate_open_state,
    carried_over_q,
    open_at_q,
    received_q,
    resolved_q,
    scoped,
    total_q,
)
from .report_args import parse_args
from .scope import Period, Scope

OPEN_CLASSES = ("within_deadline", "overdue", "paused")
FIGURES = (
    "carried_over",
    "received",
    *(f"received.{c}" for c in CHANNELS),
    "total",
    "resolved",
    *(f"resolved.{t}" for t in TIMELINESS),
    "in_progress",
    *(f"in_progress.{c}" for c in OPEN_CLASSES),
)


def figure_dossiers(scope: Scope, period: Period, as_of: datetime, figure: str) -> QuerySet[Any]:
    """Every dossier (unscoped by official) that ``figure`` counts."""
    if figure not in FIGURES:
        raise ValidationFailed(
            _("The report's arguments are not valid."),
            [FieldError("figure", _("One of: %(values)s.") % {"values": ", ".join(FIGURES)})],
        )
    name, _dot, part = figure.partition(".")
    base = scoped(scope)
    if name == "carried_over":
        return base.filter(carried_over_q(period))
    if name == "received":
        qs = base.filter(received_q(period, as_of))
        return qs.filter(channel=part) if part else qs
    in_total = base.filter(total_q(period, as_of))
    if name == "total":
        return in_total
    if name == "resolved":
        qs = in_total.filter(resolved_q(period, as_of))
        return qs.filter(timeliness=part) if part else qs
    still_open = annotate_open_state(in_total.filter(open_at_q(as_of)), as_of)
    if part == "paused":
        return still_open.filter(paused_then=True)
    if part == "overdue":
        return still_open.filter(paused_then=False, due_then__lt=as_of)
    if part == "within_deadline":
        return still_open.filter(Q(due_then__isnull=True) | Q(due_then__gte=as_of)).filter(
            paused_then=False
        )
    return still_open


def report_dossiers(
    scope: Scope,
    period: Period,
    as_of: datetime,
    figure: str,
    *,
    actor: Actor | None = None,
    page: int = 1,
    page_size: int = 20,
) -> Page[Dossier]:
    """One page of the dossiers ``figure`` counts, oldest reception first; limited to what
    ``actor`` may see when given."""
    qs = figure_dossiers(scope, period, as_of, figure)
    if actor is not None:
        qs = qs.filter(visibility(actor))
    qs = qs.select_related(
        "procedure", "procedure_version", "competent_agency", "receiving_centre"
    ).order_by("received_at", "code")
    return paginate(qs, page, page_size)


def drill_down(
    scope_args: Mapping[str, Any] | None,
    date_from: date | str | None,
    date_to: date | str | None,
    figure: str,
    *,
    as_of: datetime | str | None = None,
    actor: Actor | None = None,
    now: datetime | None = None,
    page: int = 1,
    page_size: int = 20,
) -> tuple[datetime, Page[Dossier]]:
    """The report's arguments, checked as ``build_report`` checks them, and the page."""
    errors: list[FieldError] = []
    figure = (figure or "").strip()
    if figure not in FIGURES:
        errors.append(
            FieldError("figure", _("One of: %(values)s.") % {"values": ", ".join(FIGURES)})
        )
    try:
        args = parse_args(scope_args, date_from, date_to, as_of)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.detail, [*exc.errors, *errors]) from None
    if errors:
        raise ValidationFailed(_("The report's arguments are not valid."), errors)
    instant = args.period.as_of(now or timezone.now(), args.requested_as_of)
    return instant, report_dossiers(
        args.scope, args.period, instant, figure, actor=actor, page=page, page_size=page_size
    )
