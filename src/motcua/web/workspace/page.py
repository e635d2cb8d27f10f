"""What the dossier page shows an official who may see the dossier: everything the API's
detail holds (applicant in full, steps, pauses, notifications, allowed actions), its events,
the documents its procedure version requires, and the printed forms it has.

The dossier comes from ``dossiers.selectors.get_visible`` (404 outside the official's scope),
the rest from the selectors the API uses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from motcua.core.localtime import local, parse_instant
from motcua.dossiers.actor import Actor
from motcua.dossiers.models import Dossier, DossierEvent, DossierStep, Pause
from motcua.dossiers.selectors import events, steps_of
from motcua.dossiers.services import allowed_actions
from motcua.dossiers.states import PAUSED, ReturnMethod, State
from motcua.dossiers.states import Action as A
from motcua.notifications.selectors import for_subject

from ..views.lookup import due_state
from . import actions
from .queues import hours_left, light

FORM_TITLES: dict[str, str | Promise] = {
    "01": _("Receipt and appointment"),
    "02": _("Completion or supplement request"),
    "03": _("Refusal notice"),
    "04": _("Apology and new appointment"),
    "05": _("Suspension notice"),
    "06": _("Control sheet"),
}


@dataclass(frozen=True)
class PrintedForm:
    number: str
    title: str | Promise
    url: str


@dataclass(frozen=True)
class StepRow:
    step: DossierStep
    due_state: str


@dataclass(frozen=True)
class EventRow:
    """An event with what its payload says, in words (a template cannot tell a payload's
    ``items`` key from the dict's ``items`` method)."""

    event: DossierEvent
    items: list[str]
    details: list[tuple[str | Promise, str]]


def _instant_text(value: Any) -> str:
    try:
        return f"{local(parse_instant(str(value))):%H:%M %d/%m/%Y}" if value else "—"
    except ValueError:
        return str(value)


# Payload keys worth showing, with their label and how to write the value.
_DETAILS: list[tuple[str, str | Promise, Any]] = [
    ("to_step", _("To step"), str),
    ("to_agency", _("To agency"), str),
    ("from_agency", _("From agency"), str),
    ("hours", _("Working hours allotted"), str),
    ("assignee", _("Assigned to"), str),
    ("request_number", _("Request number"), str),
    ("supplement_due_at", _("Supplement limit"), _instant_text),
    ("result", _("Result"), str),
    (
        "method",
        _("Returned"),
        lambda v: str(ReturnMethod(v).label) if v in ReturnMethod.values else v,
    ),
    ("recipient", _("Handed to"), str),
    ("new_appointment", _("New appointment"), _instant_text),
    ("from", _("Due time before"), _instant_text),
    ("to", _("Due time after"), _instant_text),
]


def event_row(event: DossierEvent) -> EventRow:
    payload = event.payload if isinstance(event.payload, dict) else {}
    items = payload.get("items") or []
    details = [
        (label, write(payload[key]))
        for key, label, write in _DETAILS
        if payload.get(key) not in (None, "")
    ]
    if payload.get("repeated"):
        details.append((_("Repeated request"), str(_("yes: counted against the agency"))))
    return EventRow(event, [str(i) for i in items] if isinstance(items, list) else [], details)


def printed_forms(
    dossier: Dossier, history: list[DossierEvent], steps: list[DossierStep]
) -> list[PrintedForm]:
    """The forms 01–06 this dossier has (docs/forms.md, "Available when"), from what the page
    already loaded: the PDF endpoint answers 409 for the others."""
    done = {e.action for e in history}
    has = {
        "01": dossier.received_at is not None,
        "02": bool(done & {A.REQUEST_COMPLETION, A.REQUEST_SUPPLEMENT}),
        "03": bool(done & {A.REJECT_AT_RECEPTION, A.REFUSE}),
        "04": A.APOLOGISE in done,
        "05": A.SUSPEND in done,
        "06": bool(steps),
    }
    return [
        PrintedForm(
            number,
            FORM_TITLES[number],
            reverse("web:workspace:form_pdf", kwargs={"code": dossier.code, "form": number}),
        )
        for number, present in has.items()
        if present
    ]


def dossier_context(actor: Actor, dossier: Dossier, now: datetime) -> dict[str, Any]:
    steps = list(steps_of(dossier))
    history = list(events(dossier))
    pauses = list(Pause.objects.filter(dossier=dossier).order_by("start", "pk"))
    open_pause = next((p for p in reversed(pauses) if p.end is None), None)
    version = dossier.procedure_version
    return {
        "d": dossier,
        "version": version,
        "documents": list(version.documents.order_by("position")),
        "light": light(dossier, now),
        "paused": dossier.state in PAUSED,
        "hours": hours_left(dossier, now, open_pause.start if open_pause else None),
        "open_pause": open_pause,
        "steps": [StepRow(s, due_state(s.timeliness, s.ended_at, s.due_at, now)) for s in steps],
        "pauses": pauses,
        "events": [event_row(e) for e in history],
        "notifications": list(for_subject("dossier", dossier.pk)),
        "forms": printed_forms(dossier, history, steps),
        "actions": actions.offered(dossier, allowed_actions(actor, dossier), now),
        # Online and postal dossiers are checked and received at the reception desk.
        "at_desk": dossier.state == State.SUBMITTED,
        "now": now,
    }
