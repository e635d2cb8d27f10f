"""Mẫu 07 — Sổ theo dõi hồ sơ: the register of one desk over a period, as PDF or Excel.

One line per dossier received at the desk (the receiving centre) between two local dates, in
the order received: code, procedure, applicant, competent agency, channel, received, due,
returned, and the timeliness (or, for an open dossier, where it stands as of printing). The
desk's own officials and those supervising it (agency and province administrators,
inspectors above it) may print it: ``register_centre`` says who.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.agencies.models import Agency
from motcua.core.errors import FieldError, NotFound, PermissionDenied, ValidationFailed
from motcua.core.localtime import local, start_of_local_day

from ..actor import Actor
from ..models import Dossier
from . import wording as vi
from .forms import issuer_block
from .pdf import html_to_pdf

FORMATS = ("pdf", "xlsx")
MAX_DAYS = 366
# A larger register is refused (choose a shorter period, or Excel): files are made within the
# request, and WeasyPrint lays a table out at a few milliseconds a line (1,000 lines are about
# 40 pages), openpyxl writes some 10,000 lines a second.
MAX_ROWS = {"pdf": 1000, "xlsx": 50_000}
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {"pdf": "application/pdf", "xlsx": XLSX_CONTENT_TYPE}


@dataclass(frozen=True)
class RegisterRow:
    number: int
    code: str
    procedure: str
    applicant: str
    competent_agency: str
    channel: str
    received_at: datetime | None
    due_at: datetime | None
    returned_at: datetime | None
    timeliness: str
    standing: str
    note: str


def register_centre(actor: Actor, code: str) -> Agency:
    """The desk ``code`` names, if ``actor`` works there or supervises it."""
    centre = Agency.objects.select_related("parent").filter(code=code).first()
    if centre is None:
        raise NotFound(_("No agency has code %(code)r.") % {"code": code})
    if actor.kind != "official" or centre.pk not in actor.scope.agency_ids():
        raise PermissionDenied(
            _("Only officials of %(centre)s, or those supervising it, may print its register.")
            % {"centre": centre.name}
        )
    return centre


def _check(date_from: date, date_to: date, fmt: str) -> None:
    errors = []
    if fmt not in FORMATS:
        errors.append(FieldError("format", _("Choose pdf or xlsx.")))
    if date_to < date_from:
        errors.append(FieldError("to", _("The period ends before it starts.")))
    elif (date_to - date_from).days + 1 > MAX_DAYS:
        errors.append(
            FieldError("to", _("A register covers at most %(n)s days.") % {"n": MAX_DAYS})
        )
    if errors:
        raise ValidationFailed(_("The register cannot be printed."), errors)


def _dossiers(centre: Agency, date_from: date, date_to: date) -> Any:
    start = start_of_local_day(date_from)
    end = start_of_local_day(date_to + timedelta(days=1))
    return Dossier.objects.filter(
        receiving_centre=centre, received_at__gte=start, received_at__lt=end
    ).order_by("received_at", "pk")


def _note(state: str, appointment_at: datetime | None) -> str:
    parts = [] if state == "returned" else [vi.STATES.get(state, state)]
    if appointment_at is not None:
        parts.append(vi.NEW_APPOINTMENT % vi.short_text(appointment_at))
    return "; ".join(parts)


def register_rows(
    centre: Agency, date_from: date, date_to: date, *, now: datetime
) -> Iterator[RegisterRow]:
    rows = _dossiers(centre, date_from, date_to).values_list(
        "code",
        "procedure_version__name",
        "applicant_name",
        "competent_agency__name",
        "channel",
        "received_at",
        "due_at",
        "returned_at",
        "timeliness",
        "state",
        "appointment_at",
    )
    for number, row in enumerate(rows.iterator(chunk_size=2000), start=1):
        code, procedure, applicant, agency, channel, received, due, returned = row[:8]
        timeliness, state, appointment = row[8:]
        yield RegisterRow(
            number=number,
            code=code,
            procedure=procedure,
            applicant=applicant,
            competent_agency=agency,
            channel=vi.CHANNELS.get(channel, channel),
            received_at=received,
            due_at=due,
            returned_at=returned,
            timeliness=timeliness,
            standing=vi.step_standing(timeliness, due, now),
            note=_note(state, appointment),
        )


def render_register(
    centre: Agency,
    date_from: date,
    date_to: date,
    fmt: str,
    *,
    now: datetime | None = None,
) -> bytes:
    """Mẫu 07 of ``centre`` for the local dates ``date_from``–``date_to`` (inclusive)."""
    _check(date_from, date_to, fmt)
    now = now or timezone.now()
    count = _dossiers(centre, date_from, date_to).count()
    if count > MAX_ROWS[fmt]:
        raise ValidationFailed(
            _("The register cannot be printed."),
            [
                FieldError(
                    "to",
                    _(
                        "%(count)s dossiers were received in this period, more than the "
                        "%(max)s one %(format)s file holds: choose a shorter period."
                    )
                    % {"count": count, "max": MAX_ROWS[fmt], "format": fmt},
                )
            ],
        )
    rows = register_rows(centre, date_from, date_to, now=now)
    heading = {
        **issuer_block(centre, now),
        "title": vi.REGISTER_TITLE,
        "period": vi.PERIOD % (vi.short_date(date_from), vi.short_date(date_to)),
        "printed": vi.PRINTED % vi.short_text(now),
        "columns": vi.REGISTER_COLUMNS,
        "count": count,
    }
    if fmt == "xlsx":
        return _xlsx(centre, heading, rows)
    html = render_to_string(
        "dossiers/forms/07_register.html",
        {**heading, "centre": centre, "rows": [_texts(row) for row in rows]},
    )
    return html_to_pdf(html)


def _texts(row: RegisterRow) -> dict[str, Any]:
    return {
        **row.__dict__,
        "received": vi.short_text(row.received_at),
        "due": vi.short_text(row.due_at),
        "returned": vi.short_text(row.returned_at),
    }


def _naive_local(value: datetime | None) -> datetime | None:
    # Excel has no time zones: cells hold the local wall-clock time the register shows.
    return local(value).replace(tzinfo=None) if value is not None else None


_WIDTHS = (6, 26, 48, 28, 30, 14, 17, 17, 17, 24, 30)


def _xlsx(centre: Agency, heading: dict[str, Any], rows: Iterator[RegisterRow]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    book = Workbook(write_only=True)
    book.properties.title = f"{heading['title']} - {centre.name}"
    book.properties.creator = "motcua"
    sheet: Any = book.create_sheet(heading["title"][:31])
    for index, width in enumerate(_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    header_row = 6
    sheet.freeze_panes = f"C{header_row + 1}"
    # Printed from Excel too: A4 landscape, the column titles repeated on every page.
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.print_title_rows = f"{header_row}:{header_row}"

    def cell(value: Any, **style: Any) -> WriteOnlyCell:
        c = WriteOnlyCell(sheet, value=value)
        for key, val in style.items():
            setattr(c, key, val)
        return c

    bold = Font(bold=True)
    sheet.append([cell(heading["issuer"]["parent"])])
    sheet.append([cell(heading["issuer"]["name"], font=bold)])
    sheet.append([cell(heading["title"], font=Font(bold=True, size=14))])
    sheet.append([cell(heading["period"])])
    sheet.append([cell(heading["printed"])])
    fill = PatternFill("solid", fgColor="DDDDDD")
    wrap = Alignment(wrap_text=True, vertical="top", horizontal="center")
    sheet.append([cell(name, font=bold, fill=fill, alignment=wrap) for name in heading["columns"]])
    when = "dd/mm/yyyy hh:mm"
    for row in rows:
        sheet.append(
            [
                row.number,
                row.code,
                row.procedure,
                row.applicant,
                row.competent_agency,
                row.channel,
                cell(_naive_local(row.received_at), number_format=when),
                cell(_naive_local(row.due_at), number_format=when),
                cell(_naive_local(row.returned_at), number_format=when),
                cell(row.standing, font=bold) if row.timeliness == "late" else row.standing,
                row.note,
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
