"""The period report as a PDF: the II.06a table rendered from a template by WeasyPrint, A4
landscape. WeasyPrint is imported only here and only when a PDF is asked for: it needs the
pango library, which a server that never prints may lack."""

from __future__ import annotations

from typing import Any, ClassVar

from django.template.loader import render_to_string
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.core.errors import DomainError

from .report import Report
from .report_form import (
    COLUMNS,
    FORM_CODE,
    GROUPS,
    NOTES,
    NUMBERS,
    RECEIVING_UNIT,
    REPORTING_UNIT,
    RESULT,
    SIGN_HINT,
    SIGNERS,
    SUBTITLE,
    TITLE,
    UNIT,
    build_table,
    vn_number,
    vn_percent,
)

TEMPLATE = "stats/report_ii06a.html"


class ExportUnavailable(DomainError):
    """The server cannot produce this export (a system library is missing)."""

    status = 503
    type_slug = "export-unavailable"
    title: ClassVar[str | Promise] = gettext_lazy("Export unavailable")


def render_html(report: Report) -> str:
    table = build_table(report)
    rows = [
        {
            "number": row.number,
            "name": row.name,
            "depth": row.depth,
            "strong": row.strong,
            "values": [vn_number(v) for v in row.values],
        }
        for row in [*table.rows, table.total]
    ]
    context: dict[str, Any] = {
        "form_code": FORM_CODE,
        "title": TITLE,
        "subtitle": SUBTITLE,
        "unit_label": UNIT,
        "reporting": f"{REPORTING_UNIT}: {table.unit}",
        "receiving": f"{RECEIVING_UNIT}: {table.receiving_unit}",
        "period_line": table.period_line,
        "as_of_line": table.as_of_line,
        "scope_lines": table.scope_lines,
        "row_header": table.row_header,
        "received_group": GROUPS[0][0],
        "result_group": RESULT,
        "new_group": COLUMNS[1][0],
        "resolved_group": GROUPS[1][0],
        "open_group": GROUPS[2][0],
        "columns": [c[1] for c in COLUMNS],
        "numbers": NUMBERS,
        "rows": rows,
        "rates": [(label, vn_percent(value)) for label, value in table.rates],
        "notes": NOTES,
        "signers": [(s, SIGN_HINT) for s in SIGNERS],
    }
    return render_to_string(TEMPLATE, context)


def render_pdf(report: Report) -> bytes:
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:
        raise ExportUnavailable(
            _(
                "PDF export needs WeasyPrint and the pango library, which this server lacks "
                "(%(error)s). Install pango (Debian/Ubuntu: apt install libpango-1.0-0 "
                "libpangoft2-1.0-0) or export as xlsx."
            )
            % {"error": exc}
        ) from None
    pdf = HTML(string=render_html(report)).write_pdf()
    assert pdf is not None
    return bytes(pdf)
