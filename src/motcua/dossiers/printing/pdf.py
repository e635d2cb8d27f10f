"""HTML to PDF with WeasyPrint, loaded only when a PDF is asked for.

WeasyPrint needs pango, a system library; motcua runs without it (everything but PDFs works),
and a PDF asked for on such a machine is refused with ``PdfUnavailable`` (HTTP 503) saying
what to install. The forms use the DejaVu Sans files bundled in ``static/dossiers/fonts`` (never
system fonts, so a PDF looks the same everywhere); the only resources a form may load are those
fonts and ``data:`` URIs (the QR codes): nothing from the network or elsewhere on disk, whatever
a customised template says.
"""

from __future__ import annotations

import functools
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.core.errors import DomainError

from ..models import Dossier
from .forms import form_context

FONTS_DIR = (Path(__file__).resolve().parent.parent / "static" / "dossiers" / "fonts").resolve()
PANGO_HINT = _("PDF generation needs pango: apt-get install libpango-1.0-0 libpangoft2-1.0-0")


class PdfUnavailable(DomainError):
    """PDFs cannot be made on this machine (pango missing)."""

    status = 503
    type_slug = "pdf-unavailable"
    title = _("PDF generation unavailable")


def _weasyprint() -> Any:
    try:
        import weasyprint
    except (ImportError, OSError) as exc:
        # OSError: the Python package is there but cffi cannot load libpango / libpangoft2.
        raise PdfUnavailable(str(PANGO_HINT)) from exc
    return weasyprint


def allowed_resource(url: str) -> bool:
    """Whether a form may load ``url``: a ``data:`` URI or one of the bundled font files."""
    parts = urlsplit(url)
    if parts.scheme == "data":
        return True
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return False
    path = Path(unquote(parts.path)).resolve()
    return path.is_relative_to(FONTS_DIR) and path.is_file()


@functools.cache
def _fetcher_class(weasyprint: Any) -> type:
    class FormResources(weasyprint.urls.URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if not allowed_resource(url):
                raise ValueError(f"resource not allowed in a printed form: {url[:100]}")
            return super().fetch(url, headers)

    return FormResources


def html_to_pdf(html: str) -> bytes:
    """Render one HTML document (A4 pages, per its stylesheet) to PDF bytes."""
    weasyprint = _weasyprint()
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    document = weasyprint.HTML(
        string=html,
        base_url=FONTS_DIR.as_uri() + "/",
        url_fetcher=_fetcher_class(weasyprint)(),
    )
    return bytes(document.write_pdf(font_config=fonts))


def form_html(dossier: Dossier, form: str, *, now: datetime | None = None) -> str:
    """The HTML of form ``form`` ("01".."06") of ``dossier``; a domain error when it has none."""
    template, context = form_context(dossier, form, now or timezone.now())
    return render_to_string(template, context)


def render_form(dossier: Dossier, form: str, *, now: datetime | None = None) -> bytes:
    """Form ``form`` ("01".."06") of ``dossier`` as PDF. The caller has checked that the
    official may see the dossier (``selectors.get_visible``)."""
    html = form_html(dossier, form, now=now)
    return html_to_pdf(html)
