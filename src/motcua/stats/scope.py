"""A report's scope and period, and how they filter dossiers and aggregates alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property

from django.db.models import Q
from django.utils.translation import gettext as _

from motcua.agencies.models import Agency
from motcua.core.errors import invalid
from motcua.core.localtime import isoformat_local, start_of_local_day


@dataclass(frozen=True)
class Scope:
    agency: Agency | None = None  # the agency and everything below it
    level: str | None = None
    field_id: int | None = None
    procedure_id: int | None = None
    channel: str | None = None

    def q(self, prefix: str = "") -> Q:
        """Filter for a model with competent agency / procedure / field / channel columns.
        ``prefix`` is empty for the aggregates; dossiers use their own field names."""
        agency = "competent_agency" if prefix == "dossier" else "agency"
        field = "procedure_version__field_id" if prefix == "dossier" else "field_id"
        q = Q()
        if self.agency is not None:
            q &= Q(**{f"{agency}_id__in": self.agency_ids})
        if self.level:
            q &= Q(**{f"{agency}__level": self.level})
        if self.field_id:
            q &= Q(**{field: self.field_id})
        if self.procedure_id:
            q &= Q(procedure_id=self.procedure_id)
        if self.channel:
            q &= Q(channel=self.channel)
        return q

    @cached_property
    def agency_ids(self) -> list[int]:
        """The agency and everything below it (its path's subtree), read once per scope.

        An IN list rather than a join on the agencies' paths: PostgreSQL estimates a path
        prefix at one agency whatever the subtree, and for a province (every agency) it then
        reads the year's daily flows agency by agency through the index, ~8 times slower than
        the scan it picks when it knows the ids."""
        assert self.agency is not None
        return list(
            Agency.objects.filter(path__startswith=self.agency.path).values_list("pk", flat=True)
        )


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def start(self) -> datetime:
        return start_of_local_day(self.first)

    @property
    def end(self) -> datetime:
        """00:00 local after the period's last day."""
        return start_of_local_day(self.last + timedelta(days=1))

    def as_of(self, now: datetime, requested: datetime | None = None) -> datetime:
        """The end of the period or now, whichever is earlier; a later request is the end.
        An instant before the period starts (or a period that has not started) is refused."""
        instant = min(self.end, now)
        if requested is not None:
            instant = min(instant, requested)
        if instant < self.start:
            raise invalid(
                "as_of",
                _("The report is evaluated as of %(at)s, before its period starts (%(start)s).")
                % {"at": isoformat_local(instant), "start": isoformat_local(self.start)},
            )
        return instant


def is_midnight(instant: datetime) -> bool:
    local = instant.astimezone(start_of_local_day(date(2000, 1, 1)).tzinfo)
    return (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0)
