"""Printed forms of the one-stop mechanism (Circular 03/2025/TT-VPCP): Mẫu 01–06 per dossier
as PDF, and the register of a desk (Mẫu 07) as PDF or Excel. See docs/forms.md."""

from .forms import FORMS, lookup_url
from .pdf import PdfUnavailable, form_html, render_form
from .register import CONTENT_TYPES, register_centre, render_register

__all__ = [
    "CONTENT_TYPES",
    "FORMS",
    "PdfUnavailable",
    "form_html",
    "lookup_url",
    "register_centre",
    "render_form",
    "render_register",
]
