"""The applicant's notifications for dossier events (texts in the applicant's language)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import override

from motcua.core.localtime import local
from motcua.notifications.models import Notification
from motcua.notifications.services import queue

from ..models import Dossier, DossierEvent


def _format(moment: datetime | None) -> str:
    return f"{local(moment):%H:%M %d/%m/%Y}" if moment else "—"


def _when(dossier: Dossier) -> str:
    return _format(dossier.appointment_at or dossier.due_at)


def _texts(dossier: Dossier, template: str, event: DossierEvent) -> tuple[str, str]:
    code = dossier.code
    lookup = f"{settings.PUBLIC_URL}/tra-cuu/{code}"
    # Only the chosen template is translated (eighteen gettext calls on every intake else).
    texts: dict[str, Callable[[], tuple[str, str]]] = {
        "received": lambda: (
            _("Dossier %(code)s received"),
            _("Your dossier %(code)s has been received. Appointment: %(when)s. Track it: %(url)s"),
        ),
        "completion_requested": lambda: (
            _("Dossier %(code)s: please complete it"),
            _("Dossier %(code)s is not complete. Missing: %(items)s. Details: %(url)s"),
        ),
        "rejected_at_reception": lambda: (
            _("Dossier %(code)s not accepted"),
            _("Dossier %(code)s was not accepted: %(note)s"),
        ),
        "supplement_requested": lambda: (
            _("Dossier %(code)s: supplement requested"),
            # The limit matters: past it the dossier is cancelled by the scheduled work.
            _(
                "Dossier %(code)s needs: %(items)s. Please supplement it by %(limit)s. "
                "Details: %(url)s"
            ),
        ),
        "suspended": lambda: (
            _("Dossier %(code)s suspended"),
            _("Processing of dossier %(code)s is suspended: %(note)s"),
        ),
        "apology": lambda: (
            _("Dossier %(code)s: apology and new appointment"),
            _("We apologise: dossier %(code)s is late (%(note)s). New appointment: %(when)s."),
        ),
        "result_ready": lambda: (
            _("Dossier %(code)s: result ready"),
            _("The result of dossier %(code)s is ready. Details: %(url)s"),
        ),
        "refused": lambda: (
            _("Dossier %(code)s refused"),
            _("Dossier %(code)s was refused: %(note)s"),
        ),
        "cancelled": lambda: (
            _("Dossier %(code)s cancelled"),
            _("Dossier %(code)s was cancelled: %(note)s"),
        ),
    }
    title, body = texts[template]()
    values = {
        "code": code,
        "url": lookup,
        "when": _when(dossier),
        "note": event.note,
        "items": "; ".join(event.payload.get("items", [])),
        "limit": _format(dossier.supplement_due_at),
    }
    return title % values, body % values


def applicant(dossier: Dossier, template: str, event: DossierEvent) -> list[Notification]:
    """Queue the applicant's messages for an event; returns them (none without a phone or an
    e-mail address)."""
    if not (dossier.applicant_phone or dossier.applicant_email):
        return []
    with override(settings.LANGUAGE_CODE):
        title, body = _texts(dossier, template, event)
    return queue(
        subject_type="dossier",
        subject_id=dossier.pk,
        template=template,
        title=title,
        body=body,
        phone=dossier.applicant_phone,
        email=dossier.applicant_email,
    )
