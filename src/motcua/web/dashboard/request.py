"""What every dashboard page reads from its request: who asks, the agencies it may report on,
the period, and the agency the page is about — checked by the report service's own rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.agencies.models import Agency
from motcua.core.errors import ValidationFailed
from motcua.core.localtime import local_date
from motcua.dossiers.actor import Actor

from ..forms import add_domain_errors
from ..roles import Me, me
from .forms import Dates, PeriodForm
from .units import Choice, reportable, require_dashboard_role, scope_args_for


@dataclass
class Ask:
    """A parsed dashboard request. ``ok`` is False when the form has errors or the official
    has no agency to report on (``no_agency``); the page then shows why."""

    who: Me
    user: Any
    now: datetime
    choices: list[Choice]
    form: PeriodForm
    dates: Dates | None = None
    scope_args: dict[str, Any] = field(default_factory=dict)
    agency: Agency | None = None
    no_agency: bool = False

    @cached_property
    def actor(self) -> Actor:
        return Actor.for_user(self.user)

    @property
    def ok(self) -> bool:
        return self.dates is not None and self.agency is not None and not self.form.errors

    def query(self) -> dict[str, str]:
        """The query string that leads back to this period and agency."""
        assert self.dates is not None and self.agency is not None
        out = {"period": self.dates.kind, "agency": self.agency.code}
        if self.dates.kind == "custom":
            out["from"] = self.dates.first.isoformat()
            out["to"] = self.dates.last.isoformat()
        return out

    def report_args(self) -> dict[str, str]:
        """The report's arguments under the API's names (drill-down links, downloads)."""
        assert self.dates is not None and self.agency is not None
        return {
            "from": self.dates.first.isoformat(),
            "to": self.dates.last.isoformat(),
            "agency": self.agency.code,
        }

    def fail(self, error: ValidationFailed) -> None:
        add_domain_errors(self.form, error)


def parse(request: HttpRequest) -> Ask:
    """Raises ``PermissionDenied`` for an official without a dashboard role, or asking for an
    agency outside its reach (the middleware shows the 403 page)."""
    who = me(request)
    require_dashboard_role(who)
    choices = reportable(request.user)
    form = PeriodForm(request.GET, agencies=choices)
    ask = Ask(who=who, user=request.user, now=timezone.now(), choices=choices, form=form)
    if not form.is_valid():
        return ask
    ask.dates = form.dates(local_date(ask.now))
    try:
        ask.scope_args = scope_args_for(request.user, form.cleaned_data.get("agency"), choices)
    except ValidationFailed:
        # Several unrelated agencies and none reportable, or an agency with units below it
        # outside the official's scope: nothing this official may report on as a whole.
        ask.no_agency = True
        return ask
    code = ask.scope_args["agency"]
    ask.agency = Agency.objects.filter(code=code).first()
    if ask.agency is None:
        form.add_error("agency", _("No agency has code %(code)r.") % {"code": code})
    elif form.data.get("agency") != code:
        # The selector shows the agency the figures are about, also when it was the default.
        data = dict(form.data.items())
        data["agency"] = code
        form.data = data
    return ask
