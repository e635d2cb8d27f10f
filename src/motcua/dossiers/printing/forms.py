"""The context of each printed form (Mẫu 01–06 of Circular 03/2025/TT-VPCP), from reads only.

A form prints what happened: the receipt shows the appointment given at reception, a notice
the request, refusal, apology or suspension it was issued for (the latest one of its kind),
with the official who acted and the agency they acted for — all taken from the dossier's
append-only events, so that a form printed again later says the same thing. A form that has
nothing to print (an apology before any apology) is refused with a ``Conflict`` naming why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

import segno
from django.conf import settings
from django.utils.translation import gettext as _

from motcua.agencies.models import Agency
from motcua.agencies.selectors import ancestors
from motcua.core.errors import Conflict, NotFound
from motcua.core.localtime import local

from .. import selectors
from ..models import Dossier, DossierEvent, DossierStep, Pause
from ..states import Action as A
from ..states import PauseKind
from . import wording as vi

Context = dict[str, Any]


@dataclass(frozen=True)
class Form:
    number: str
    template: str
    build: Callable[[Dossier, datetime], Context]


def lookup_url(code: str) -> str:
    """The public lookup page of a dossier, printed (and encoded as QR) on 01 and 04."""
    return f"{settings.PUBLIC_URL}/tra-cuu/{quote(code, safe='')}"


def qr_data_uri(url: str) -> str:
    # Always a full QR symbol (segno.make may pick a Micro QR, which phones do not read), with
    # the standard four-module quiet zone; SVG stays sharp at any print resolution.
    return segno.make_qr(url, error="m").svg_data_uri(scale=4, border=4)


# Shared blocks ---------------------------------------------------------------------------------


def _latest(dossier: Dossier, *actions: str) -> DossierEvent | None:
    return selectors.events(dossier).filter(action__in=actions).order_by("-seq").first()


def _place_of(agency: Agency) -> str | None:
    """The name of the administrative unit of the agency (or of the nearest one above)."""
    for candidate in [agency, *reversed(ancestors(agency))]:
        if candidate.division_id is not None and candidate.division is not None:
            return candidate.division.name
    return None


def issuer_block(agency: Agency, on: datetime) -> Context:
    """The header's agency block and the place-and-date line."""
    parent = agency.parent
    return {
        "issuer": {"parent": parent.name if parent else "", "name": agency.name},
        "place_date": vi.place_date(_place_of(agency), on),
    }


def _applicant(d: Dossier) -> Context:
    return {
        "name": d.applicant_name,
        "is_organisation": d.applicant_kind == "organisation",
        "address": d.applicant_address,
        "phone": d.applicant_phone,
        "email": d.applicant_email,
    }


def _dossier(d: Dossier, now: datetime) -> Context:
    version = d.procedure_version
    point = d.reception_point
    return {
        "code": d.code,
        "procedure": version.name,
        "procedure_code": d.procedure.code,
        "subject": d.subject,
        "channel": vi.CHANNELS.get(d.channel, d.channel),
        "state": vi.STATES.get(d.state, d.state),
        "applicant": _applicant(d),
        "submitter": d.submitter_name or d.applicant_name,
        "processing_time": vi.duration_text(version.processing_value, version.processing_unit),
        "competent_agency": d.competent_agency.name,
        "receiving_centre": d.receiving_centre.name,
        "reception_point": point.name if point else "",
        "reception_address": point.address if point else "",
        "submitted": vi.instant_text(d.submitted_at),
        "received": vi.instant_text(d.received_at),
        "received_at": local(d.received_at) if d.received_at else None,
        "due": vi.instant_text(d.due_at),
        "appointment": vi.instant_text(d.appointment_at),
        "resolved": vi.instant_text(d.resolved_at),
        "returned": vi.instant_text(d.returned_at),
        "return_method": vi.RETURN_METHODS.get(d.return_method, ""),
        "standing": (
            vi.step_standing(d.timeliness, d.due_at, now) if d.received_at is not None else ""
        ),
    }


def _base(d: Dossier, issuer: Agency, on: datetime, now: datetime) -> Context:
    return {"dossier": _dossier(d, now), "printed": vi.day_text(now), **issuer_block(issuer, on)}


def _instant(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value))


# Mẫu 01 — Giấy tiếp nhận hồ sơ và hẹn trả kết quả ------------------------------------------


def receipt(d: Dossier, now: datetime) -> Context:
    if d.received_at is None:
        raise Conflict(
            _("Form 01 (receipt) exists once the dossier has been received; %(code)s has not been.")
            % {"code": d.code}
        )
    # Imported dossiers were received elsewhere: no receive event, the dossier's own times.
    event = _latest(d, A.RECEIVE)
    url = lookup_url(d.code)
    documents = d.procedure_version.documents.order_by("position")
    return {
        **_base(d, d.receiving_centre, event.at if event else d.received_at, now),
        # The appointment given at reception: the receipt is what the applicant was handed.
        "appointment_at_reception": vi.instant_text(event.due_at if event else d.due_at),
        "received_by": event.actor_name if event else "",
        "documents": [
            {
                "name": doc.name,
                "originals": doc.originals,
                "copies": doc.copies,
                "required": doc.required,
            }
            for doc in documents
        ],
        "lookup_url": url,
        "qr": qr_data_uri(url),
    }


# Mẫu 02 — Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ ------------------------------------------


def supplement_request(d: Dossier, now: datetime) -> Context:
    event = _latest(d, A.REQUEST_COMPLETION, A.REQUEST_SUPPLEMENT)
    if event is None:
        raise Conflict(
            _(
                "Form 02 (completion or supplement request) exists only after such a request; "
                "none was made for %(code)s."
            )
            % {"code": d.code}
        )
    completion = event.action == A.REQUEST_COMPLETION
    issuer = event.agency or d.receiving_centre
    return {
        **_base(d, issuer, event.at, now),
        "completion": completion,
        "requested": vi.instant_text(event.at),
        "items": list(event.payload.get("items") or []),
        "reason": event.note,
        "request_number": event.payload.get("request_number", 1),
        "supplement_due": vi.instant_text(_instant(event.payload.get("supplement_due_at"))),
        "issuer_name": issuer.name,
        "signer": event.actor_name,
    }


# Mẫu 03 — Phiếu từ chối tiếp nhận, giải quyết hồ sơ ----------------------------------------


def refusal(d: Dossier, now: datetime) -> Context:
    event = _latest(d, A.REJECT_AT_RECEPTION, A.REFUSE)
    if event is None:
        raise Conflict(
            _(
                "Form 03 (refusal) exists only for a dossier rejected at reception or refused; "
                "%(code)s was neither."
            )
            % {"code": d.code}
        )
    at_reception = event.action == A.REJECT_AT_RECEPTION
    issuer = event.agency or (d.receiving_centre if at_reception else d.competent_agency)
    return {
        **_base(d, issuer, event.at, now),
        "at_reception": at_reception,
        "refused": vi.instant_text(event.at),
        "reason": event.payload.get("reason") or event.note,
        "issuer_name": issuer.name,
        "signer": event.actor_name,
    }


# Mẫu 04 — Phiếu xin lỗi và hẹn lại ngày trả kết quả ----------------------------------------


def apology(d: Dossier, now: datetime) -> Context:
    event = _latest(d, A.APOLOGISE)
    if event is None:
        raise Conflict(
            _("Form 04 (apology) exists only after an apology; none was issued for %(code)s.")
            % {"code": d.code}
        )
    issuer = event.agency or d.competent_agency
    url = lookup_url(d.code)
    new_at = _instant(event.payload.get("new_appointment")) or d.appointment_at
    return {
        **_base(d, issuer, event.at, now),
        "reason": event.payload.get("reason") or event.note,
        # The due time in force when the apology was issued (the event records it).
        "due_at_apology": vi.instant_text(event.due_at or d.due_at),
        "new_appointment": vi.instant_text(new_at),
        "issuer_name": issuer.name,
        "signer": event.actor_name,
        "lookup_url": url,
        "qr": qr_data_uri(url),
    }


# Mẫu 05 — Thông báo tạm dừng giải quyết hồ sơ ----------------------------------------------


def suspension(d: Dossier, now: datetime) -> Context:
    event = _latest(d, A.SUSPEND)
    if event is None:
        raise Conflict(
            _(
                "Form 05 (suspension notice) exists only after a suspension; "
                "%(code)s was never suspended."
            )
            % {"code": d.code}
        )
    pause = Pause.objects.filter(dossier=d, kind=PauseKind.SUSPENSION, start=event.at).first()
    issuer = event.agency or d.competent_agency
    still = pause is not None and pause.end is None
    return {
        **_base(d, issuer, event.at, now),
        "suspended": vi.instant_text(event.at),
        "resumed": vi.instant_text(pause.end) if pause and pause.end else "",
        "reason": event.payload.get("reason") or event.note,
        "remaining": (
            vi.duration_text(d.remaining_hours, "working_hours")
            if still and d.remaining_hours is not None
            else ""
        ),
        "issuer_name": issuer.name,
        "signer": event.actor_name,
    }


# Mẫu 06 — Phiếu kiểm soát quá trình giải quyết hồ sơ ---------------------------------------


def _party(step: DossierStep, official: str) -> Context:
    return {"step": step.name, "agency": step.agency.name, "official": official}


def control_sheet(d: Dossier, now: datetime) -> Context:
    steps = list(selectors.steps_of(d))
    if not steps:
        raise Conflict(
            _(
                "Form 06 (control sheet) lists the hand-overs of a received dossier; "
                "%(code)s has none."
            )
            % {"code": d.code}
        )
    # Who ended each step: the official whose action (forward, transfer, approve…) handed
    # the dossier on — the step's assignee when one was named is who held it.
    enders = {(e.at, e.action): e.actor_name for e in selectors.events(d)}

    def ender(step: DossierStep) -> str:
        return enders.get((step.ended_at, step.ended_by), "") if step.ended_at else ""

    rows: list[Context] = []
    giver: Context | None = None  # the first step takes the dossier from the applicant
    for step in steps:
        taker = _party(step, step.assignee.display_name if step.assignee else ender(step))
        rows.append(
            {
                "position": step.position,
                "code": step.code,
                "giver": giver,
                "taker": taker,
                "transfer": step.transfer,
                "hours": vi.number_text(step.hours),
                "started": vi.short_text(step.started_at),
                "due": vi.short_text(step.due_at),
                "ended": vi.short_text(step.ended_at),
                "timeliness": step.timeliness,
                "standing": vi.step_standing(step.timeliness, step.due_at, now),
            }
        )
        giver = _party(step, ender(step))
    # ``giver`` is now the last step, which hands the result over (when it has been returned).
    return {**_base(d, d.receiving_centre, now, now), "rows": rows, "last": giver}


FORMS: dict[str, Form] = {
    "01": Form("01", "dossiers/forms/01_receipt.html", receipt),
    "02": Form("02", "dossiers/forms/02_supplement_request.html", supplement_request),
    "03": Form("03", "dossiers/forms/03_refusal.html", refusal),
    "04": Form("04", "dossiers/forms/04_apology.html", apology),
    "05": Form("05", "dossiers/forms/05_suspension.html", suspension),
    "06": Form("06", "dossiers/forms/06_control_sheet.html", control_sheet),
}


def get_form(number: str) -> Form:
    form = FORMS.get(number)
    if form is None:
        raise NotFound(
            _(
                "There is no form %(form)s: forms 01 to 06 are printed per dossier "
                "(07 is the register of a desk)."
            )
            % {"form": number}
        )
    return form


def form_context(dossier: Dossier, number: str, now: datetime) -> tuple[str, Context]:
    """The template and context of form ``number`` for ``dossier``, or a domain error."""
    form = get_form(number)
    return form.template, form.build(dossier, now)
