"""The scoped dossier list behind ``GET /api/v1/dossiers``: filters and ordering on top of
``selectors.visible_dossiers`` (the one definition of what an official sees)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.agencies.models import Agency
from motcua.agencies.selectors import Page, paginate
from motcua.catalog.models import Procedure
from motcua.core.errors import FieldError, ValidationFailed
from motcua.core.localtime import start_of_local_day
from motcua.core.text import search_terms

from .actor import Actor
from .models import Dossier
from .schemas import DossierFilters
from .selectors import visible_dossiers
from .states import PAUSED, RUNNING


def _code_filter(model: type[Agency] | type[Procedure], field: str, code: str) -> Any:
    """The row with ``code``, or a FieldError naming the filter."""
    found = model.objects.filter(code=code).values_list("pk", flat=True).first()
    if found is None:
        return FieldError(field, _("No such code: %(code)r.") % {"code": code})
    return found


# What a list shows of each dossier, loaded with it (the API's summaries, the web queues).
LIST_RELATIONS = (
    "procedure",
    "procedure_version",
    "competent_agency",
    "receiving_centre",
    "current_step",
    "current_step__agency",
)


def filter_dossiers(
    queryset: QuerySet[Dossier], filters: DossierFilters, now: datetime
) -> QuerySet[Dossier]:
    """``filters`` applied to ``queryset`` (already scoped by the caller), unordered; every
    invalid filter is reported at once. Shared by the API's list and the web queues."""
    errors: list[FieldError] = []
    if filters.state:
        queryset = queryset.filter(state__in=[str(s) for s in filters.state])
    overdue = Q(state__in=list(RUNNING), due_at__lt=now)
    if filters.overdue is not None:
        queryset = queryset.filter(overdue) if filters.overdue else queryset.exclude(overdue)
    if filters.paused is not None:
        paused = Q(state__in=list(PAUSED))
        queryset = queryset.filter(paused) if filters.paused else queryset.exclude(paused)
    for field, model, column in (
        ("procedure", Procedure, "procedure_id"),
        ("agency", Agency, "competent_agency_id"),
        ("centre", Agency, "receiving_centre_id"),
    ):
        code = getattr(filters, field)
        if code:
            found = _code_filter(model, field, code)
            if isinstance(found, FieldError):
                errors.append(found)
            else:
                queryset = queryset.filter(**{column: found})
    if filters.channel:
        queryset = queryset.filter(channel=filters.channel)
    if (
        filters.received_from
        and filters.received_to
        and filters.received_to < filters.received_from
    ):
        errors.append(FieldError("received_to", _("The end of the period is before its start.")))
    if filters.received_from:
        queryset = queryset.filter(received_at__gte=start_of_local_day(filters.received_from))
    if filters.received_to:
        until = start_of_local_day(filters.received_to + timedelta(days=1))
        queryset = queryset.filter(received_at__lt=until)
    if filters.due_before:
        queryset = queryset.filter(due_at__lt=filters.due_before)
    if filters.q and filters.q.strip():
        queryset = _search(queryset, filters.q)
    if errors:
        raise ValidationFailed(_("Invalid filter."), errors)
    return queryset


def ordering_key(ordering: str) -> OrderBy:
    """``due_at``, ``-received_at``…: the sort of a list, dossiers without the date last."""
    key = ordering.lstrip("-")
    return F(key).desc(nulls_last=True) if ordering.startswith("-") else F(key).asc(nulls_last=True)


def search_dossiers(
    actor: Actor, filters: DossierFilters, now: datetime | None = None
) -> Page[Dossier]:
    queryset = filter_dossiers(visible_dossiers(actor), filters, now or timezone.now())
    queryset = queryset.select_related(*LIST_RELATIONS).order_by(
        ordering_key(filters.ordering), "pk"
    )
    return paginate(queryset, filters.page, filters.page_size)


# A piece of a dossier code worth searching: only the characters of a code
# (``importing.lines.CODE``) and at least a digit, dot or hyphen, since the only letters of a code
# are the one of its agency's identifier (``000.00.08.H20``). Anything else names an applicant.
_CODE_TEXT = re.compile(r"[0-9A-Za-z.\-]*[0-9.\-][0-9A-Za-z.\-]*")


def _search(queryset: QuerySet[Dossier], q: str) -> QuerySet[Dossier]:
    text = q.strip()
    by_code = Q(code__icontains=text)
    terms = search_terms(text)
    if not terms:
        return queryset.filter(by_code)
    # ``applicant_folded`` is stored folded, so the terms match it as they are: one trigram
    # index scan per term on PostgreSQL (migration 0004), whatever the scope.
    by_name = Q()
    for term in terms:
        by_name &= Q(applicant_folded__contains=term)
    if _CODE_TEXT.fullmatch(text):
        return queryset.filter(by_code | by_name)
    # Without an OR on the code, which no index serves, PostgreSQL answers a name search from the
    # trigram index instead of reading every dossier of the scope (seconds on a million).
    return queryset.filter(by_name)
