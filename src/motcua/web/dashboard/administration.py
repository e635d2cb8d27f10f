"""``/quan-tri/``: what an administrator can do, with links into the admin site — agencies,
desks and officials with their roles, the catalogue and its workflows, the working calendar.

A link is shown only when the account holds the permission the admin page needs (an agency
administrator maintains agencies, desks and officials; a province administrator also the
catalogue and the calendar; ``agencies.services.officials`` grants them with the role). The
admin site limits every list to the agencies the account administers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from motcua.agencies.models import Agency
from motcua.agencies.selectors import official_scope
from motcua.core.errors import PermissionDenied

from ..roles import ADMIN_ROLES, me
from .units import DASHBOARD_ROLES


@dataclass(frozen=True)
class Task:
    label: Promise
    description: Promise
    permission: str  # app_label.codename, needed to open the page
    url_name: str
    add_url_name: str = ""  # shown with the add permission
    add_label: Promise | None = None


@dataclass(frozen=True)
class Area:
    title: Promise
    tasks: tuple[Task, ...]


AREAS = (
    Area(
        gettext_lazy("Agencies and officials"),
        (
            Task(
                gettext_lazy("Agencies"),
                gettext_lazy(
                    "Names, codes, kinds and levels of the agencies, where they sit in the "
                    "tree, their own working calendar; close an agency that merged."
                ),
                "agencies.view_agency",
                "admin:agencies_agency_changelist",
                "admin:agencies_agency_add",
                gettext_lazy("Add an agency"),
            ),
            Task(
                gettext_lazy("Reception points"),
                gettext_lazy("The desks of the service centres; open or close a desk."),
                "agencies.view_receptionpoint",
                "admin:agencies_receptionpoint_changelist",
                "admin:agencies_receptionpoint_add",
                gettext_lazy("Add a reception point"),
            ),
            Task(
                gettext_lazy("Officials and their roles"),
                gettext_lazy(
                    "Accounts of the officials, their roles at each agency (receiver, "
                    "specialist, leader, inspector, administrator), and resetting a lost "
                    "authenticator."
                ),
                "identity.view_user",
                "admin:identity_user_changelist",
                "admin:identity_user_add",
                gettext_lazy("Add an official"),
            ),
            Task(
                gettext_lazy("Administrative divisions"),
                gettext_lazy("Provinces and communes, and the dates their boundaries changed."),
                "agencies.view_division",
                "admin:agencies_division_changelist",
            ),
            Task(
                gettext_lazy("Login attempts"),
                gettext_lazy("Who tried to log in, from where, and which attempts failed."),
                "identity.view_loginattempt",
                "admin:identity_loginattempt_changelist",
            ),
        ),
    ),
    Area(
        gettext_lazy("Procedure catalogue and workflows"),
        (
            Task(
                gettext_lazy("Procedures"),
                gettext_lazy(
                    "The procedures of the catalogue and their versions: draft, published, retired."
                ),
                "catalog.view_procedure",
                "admin:catalog_procedure_changelist",
            ),
            Task(
                gettext_lazy("Procedure versions and workflows"),
                gettext_lazy(
                    "The seven published parts of each version, its fees and documents, and "
                    "its internal workflow: steps, roles, agencies and allotted hours."
                ),
                "catalog.view_procedureversion",
                "admin:catalog_procedureversion_changelist",
            ),
            Task(
                gettext_lazy("Fields"),
                gettext_lazy("The fields (lĩnh vực) procedures are grouped in."),
                "catalog.view_field",
                "admin:catalog_field_changelist",
                "admin:catalog_field_add",
                gettext_lazy("Add a field"),
            ),
        ),
    ),
    Area(
        gettext_lazy("Working calendar"),
        (
            Task(
                gettext_lazy("Calendars and office hours"),
                gettext_lazy("The working calendars and their office hours."),
                "clock.view_calendar",
                "admin:clock_calendar_changelist",
            ),
            Task(
                gettext_lazy("Holidays and amended days"),
                gettext_lazy(
                    "Public holidays, days off and make-up working days announced by the "
                    "government; an amendment recomputes the due times it touches."
                ),
                "clock.view_calendarday",
                "admin:clock_calendarday_changelist",
                "admin:clock_calendarday_add",
                gettext_lazy("Amend a day"),
            ),
            Task(
                gettext_lazy("Calendar changes"),
                gettext_lazy("Who changed the calendar, when and why (read only)."),
                "clock.view_calendarchange",
                "admin:clock_calendarchange_changelist",
            ),
        ),
    ),
    Area(
        gettext_lazy("Notifications"),
        (
            Task(
                gettext_lazy("Notifications to applicants"),
                gettext_lazy("Text messages and e-mails sent, waiting or failed; retry them."),
                "notifications.view_notification",
                "admin:notifications_notification_changelist",
            ),
        ),
    ),
)


@login_required
@require_safe
def administration(request: HttpRequest) -> HttpResponse:
    who = me(request)
    user: Any = request.user
    if not (who.is_admin_site_user or who.has(*ADMIN_ROLES)):
        raise PermissionDenied(_("This page is for administrators."))
    areas = []
    for area in AREAS:
        tasks = [
            {
                "label": task.label,
                "description": task.description,
                "url": reverse(task.url_name),
                "add_url": reverse(task.add_url_name)
                if task.add_url_name and user.has_perm(_add(task.permission))
                else None,
                "add_label": task.add_label,
            }
            for task in area.tasks
            if user.is_staff and user.has_perm(task.permission)
        ]
        if tasks:
            areas.append({"title": area.title, "tasks": tasks})
    context = {
        "areas": areas,
        "administered": _administered(user),
        "whole_system": user.is_superuser,
        "may_report": who.has(*DASHBOARD_ROLES),
    }
    return render(request, "web/dashboard/administration.html", context)


def _add(permission: str) -> str:
    app, codename = permission.split(".", 1)
    return f"{app}.{codename.replace('view_', 'add_', 1)}"


def _administered(user: Any) -> list[Agency]:
    """The topmost agencies the account administers (each with everything below it)."""
    ids = official_scope(user).admin_agency_ids()
    agencies = list(Agency.objects.filter(pk__in=ids).order_by("path"))
    tops: list[Agency] = []
    for agency in agencies:
        if not any(agency.path.startswith(top.path) for top in tops if top.path):
            tops.append(agency)
    return tops
