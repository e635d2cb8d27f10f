"""The engine's scheduled work, run every few minutes by the ``tick`` task (which re-enqueues
itself) or by ``motcua tick`` from cron / a systemd timer — either, or both: every part is
idempotent and safe with several workers at once.

- Dossiers whose supplement limit has passed are cancelled (``perform(…, "cancel")`` as the
  SYSTEM actor, so the transition table, the events and the statistics apply as for any action).
- Notification deliveries whose task was lost are enqueued again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from motcua.core.errors import DomainError
from motcua.core.localtime import local
from motcua.notifications.services import redeliver_lost

from ..actor import Actor
from ..models import Dossier
from ..states import Action as A
from ..states import State
from .engine import perform

logger = logging.getLogger(__name__)

# Per run: a backlog (the worker was down for a week) is worked off over a few ticks instead of
# one long run that would hold the queue.
BATCH = 500


@dataclass
class TickReport:
    cancelled: list[str] = field(default_factory=list)
    cancel_errors: dict[str, str] = field(default_factory=dict)
    redelivered: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "cancelled": self.cancelled,
            "cancel_errors": self.cancel_errors,
            "redelivered": self.redelivered,
        }


def expired_supplements(now: datetime, limit: int = BATCH) -> list[str]:
    """Codes of dossiers still awaiting a supplement whose limit has passed, oldest first."""
    return list(
        Dossier.objects.filter(state=State.AWAITING_SUPPLEMENT, supplement_due_at__lte=now)
        .order_by("supplement_due_at", "pk")
        .values_list("code", flat=True)[:limit]
    )


def cancel_expired_supplements(
    *, now: datetime | None = None, limit: int = BATCH, report: TickReport | None = None
) -> TickReport:
    """Cancel the dossiers whose supplement limit has passed (default 15 working days), one
    transaction each, so that one dossier's problem never holds back the others."""
    now = now or timezone.now()
    report = report or TickReport()
    system = Actor.system()
    for code in expired_supplements(now, limit):
        try:
            if _cancel(code, system, now):
                report.cancelled.append(code)
        except DomainError as exc:
            logger.warning("dossier %s: scheduled cancellation refused: %s", code, exc)
            report.cancel_errors[code] = str(exc)
        except Exception as exc:
            # Ordered by limit, a dossier that always breaks would come first in every batch:
            # it is reported and passed over, never allowed to stop the others.
            logger.exception("dossier %s: scheduled cancellation failed", code)
            report.cancel_errors[code] = f"{type(exc).__name__}: {exc}"
    return report


@transaction.atomic
def _cancel(code: str, system: Actor, now: datetime) -> bool:
    # Skip a dossier another transaction holds (another tick cancelling it, an official
    # recording the supplement at this very moment): the next tick sees what it decided.
    limit = (
        Dossier.objects.select_for_update(skip_locked=True)
        .filter(code=code, state=State.AWAITING_SUPPLEMENT, supplement_due_at__lte=now)
        .values_list("supplement_due_at", flat=True)
        .first()
    )
    if limit is None:
        return False
    perform(code, A.CANCEL, system, {"reason": _reason(limit)}, now=now)
    return True


def _reason(limit: datetime) -> str:
    # Stored in the dossier's history: in the deployment's language, whoever runs the tick.
    with override(settings.LANGUAGE_CODE):
        return _("The supplement was not received by the limit (%(limit)s).") % {
            "limit": f"{local(limit):%H:%M %d/%m/%Y}"
        }


def run_scheduled(*, now: datetime | None = None) -> TickReport:
    """One pass of all scheduled work."""
    now = now or timezone.now()
    report = cancel_expired_supplements(now=now)
    report.redelivered = redeliver_lost(now=now)
    return report
