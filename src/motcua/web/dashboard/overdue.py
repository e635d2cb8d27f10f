"""The overdue dossiers of an agency and the agencies below it, most overdue first: open, clock
running, due time passed — one query on the queue index (competent agency × state × due time),
limited to what the official may see (``visible_dossiers``, the API's scoping)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from motcua.agencies.models import Agency
from motcua.agencies.selectors import agency_subtree
from motcua.dossiers.actor import Actor
from motcua.dossiers.models import Dossier
from motcua.dossiers.selectors import visible_dossiers
from motcua.dossiers.states import RUNNING


def overdue_dossiers(actor: Actor, agency: Agency, now: datetime) -> QuerySet[Dossier]:
    # The ids, not a join on the agencies' paths: the IN list is what the index is built for.
    agencies = list(agency_subtree(agency).values_list("pk", flat=True))
    return (
        visible_dossiers(actor)
        .filter(competent_agency_id__in=agencies, state__in=RUNNING, due_at__lt=now)
        .select_related(
            "procedure_version",
            "competent_agency",
            "current_step",
            "current_step__agency",
            "current_step__assignee",
        )
        .order_by("due_at", "code")
    )
