"""Error pages in the site's style. 403, 404 and 500 are Django's own handlers rendering
``403.html``, ``404.html`` and ``500.html`` from this app's templates."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form posted without its token, or with a stale one (the page was open too long, or
    the session ended): say so plainly instead of Django's technical page."""
    context = {
        "title": _("The form has expired"),
        "detail": _(
            "For your security, this form could not be accepted. Go back, reload the page "
            "and send it again."
        ),
    }
    return render(request, "403.html", context, status=403)
