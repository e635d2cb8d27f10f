"""Admin for the working calendar. Every write goes through ``services``: office hours through
``set_office_hours``, amendments through ``amend_day`` / ``revoke_amendment`` (reason and
announcement required, audited); seeded days and the change log are read-only."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.core.errors import FieldError, ValidationFailed
from motcua.identity.models import User

from . import services
from .models import Calendar, CalendarChange, CalendarDay, DayKind, DaySource

_PERIOD = re.compile(r"^\s*(\d{2}:\d{2})\s*[-–]\s*(\d{2}:\d{2})\s*$")


def periods_to_text(periods: list[list[str]]) -> str:
    return ", ".join(f"{a}-{b}" for a, b in periods)


def text_to_periods(text: str) -> list[list[str]] | None:
    """'07:30-11:30, 13:00-17:00' → [["07:30", "11:30"], ["13:00", "17:00"]]; None if garbled."""
    periods = []
    for part in re.split(r"[,;\n]", text):
        if not part.strip():
            continue
        match = _PERIOD.match(part)
        if match is None:
            return None
        periods.append([match.group(1), match.group(2)])
    return periods


def _actor(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


def _add_errors(form: forms.BaseForm, errors: list[FieldError], rename: dict[str, str]) -> None:
    for error in errors:
        field = rename.get(error.field, error.field)
        form.add_error(field if field in form.fields else None, error.message)


class CalendarForm(forms.ModelForm):
    office_hours = forms.CharField(
        label=gettext_lazy("office hours"),
        help_text=gettext_lazy("Working periods of a day, e.g. 07:30-11:30, 13:00-17:00"),
    )

    class Meta:
        model = Calendar
        fields = ["code", "name", "base"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["office_hours"].initial = periods_to_text(
            self.instance.periods if self.instance.pk else [["07:30", "11:30"], ["13:00", "17:00"]]
        )
        if "base" in self.fields:
            # Inheritance is one level deep: only a calendar without a base can be a base.
            base_field = self.fields["base"]
            assert isinstance(base_field, forms.ModelChoiceField)
            base_field.queryset = Calendar.objects.filter(base__isnull=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        periods = text_to_periods(data.get("office_hours", ""))
        if periods is None:
            self.add_error(
                "office_hours", _("Give the office hours as HH:MM-HH:MM, separated by commas.")
            )
            return data
        data["periods"] = periods
        if self.instance.pk:
            errors = services.check_periods(periods)
        else:
            errors = services.check_new_calendar(
                data.get("code", ""), data.get("name", ""), periods
            )
        _add_errors(self, errors, {"periods": "office_hours"})
        return data


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    form = CalendarForm
    list_display = ("code", "name", "office_hours_display", "base", "is_default")
    search_fields = ("code", "name")

    @admin.display(description=gettext_lazy("office hours"))
    def office_hours_display(self, obj: Calendar) -> str:
        return periods_to_text(obj.periods)

    def get_readonly_fields(self, request: HttpRequest, obj: Calendar | None = None) -> Any:
        return ("code", "base", "is_default") if obj else ("is_default",)

    def has_delete_permission(self, request: HttpRequest, obj: Calendar | None = None) -> bool:
        return False  # agencies and the audit log refer to calendars

    def save_model(self, request: HttpRequest, obj: Calendar, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if not change:
            created = services.create_calendar(
                code=data["code"], name=data["name"], periods=data["periods"], base=data["base"]
            )
            obj.pk, obj.periods, obj.base = created.pk, created.periods, created.base
            return
        if "name" in form.changed_data:
            services.rename_calendar(obj, data["name"])
        if data["periods"] != Calendar.objects.get(pk=obj.pk).periods:
            services.set_office_hours(obj, data["periods"], actor=_actor(request))


class AmendmentForm(forms.ModelForm):
    kind = forms.ChoiceField(
        label=gettext_lazy("kind"),
        choices=[
            (DayKind.DAY_OFF.value, DayKind.DAY_OFF.label),
            (DayKind.WORKING_DAY.value, DayKind.WORKING_DAY.label),
        ],
    )
    reason = forms.CharField(label=gettext_lazy("reason"), widget=forms.Textarea(attrs={"rows": 3}))
    announcement = forms.CharField(
        label=gettext_lazy("announcement"),
        max_length=300,
        help_text=gettext_lazy(
            "The document the change comes from: its number, date and issuing body."
        ),
    )

    class Meta:
        model = CalendarDay
        fields = ["calendar", "date", "kind", "name", "reason", "announcement"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors or data.get("calendar") is None or data.get("date") is None:
            return data
        errors = services.check_amendment(
            data["calendar"],
            data["date"],
            data.get("kind", ""),
            name=data.get("name", ""),
            reason=data.get("reason", ""),
            announcement=data.get("announcement", ""),
        )
        _add_errors(self, errors, {})
        return data

    def _get_validation_exclusions(self) -> set[str]:
        # An amendment may replace a seeded row of the same date: the (calendar, date)
        # constraint is amend_day's decision, not the form's.
        return {*super()._get_validation_exclusions(), "date"}  # type: ignore[misc]


class RevokeForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("reason"), widget=forms.Textarea(attrs={"rows": 3}))
    announcement = forms.CharField(label=gettext_lazy("announcement"), max_length=300)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    form = AmendmentForm
    list_display = ("date", "name", "kind", "source", "calendar")
    list_filter = ("calendar", "kind", "source")
    date_hierarchy = "date"
    search_fields = ("name", "announcement")
    ordering = ("-date",)
    readonly_fields = (
        "calendar",
        "date",
        "kind",
        "name",
        "reason",
        "announcement",
        "source",
        "created_by",
        "created_at",
        "revoke_link",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[CalendarDay]:
        return super().get_queryset(request).select_related("calendar")

    def get_readonly_fields(self, request: HttpRequest, obj: CalendarDay | None = None) -> Any:
        return self.readonly_fields if obj else ()

    def get_fields(self, request: HttpRequest, obj: CalendarDay | None = None) -> Any:
        if obj is None:
            return ["calendar", "date", "kind", "name", "reason", "announcement"]
        return list(self.readonly_fields)

    def has_change_permission(self, request: HttpRequest, obj: CalendarDay | None = None) -> bool:
        return False  # an amendment is revoked and made again, never edited

    def has_delete_permission(self, request: HttpRequest, obj: CalendarDay | None = None) -> bool:
        return False  # revoke_view, with a reason and an announcement

    @admin.display(description=gettext_lazy("revoke"))
    def revoke_link(self, obj: CalendarDay) -> str:
        if obj.source != DaySource.ADMIN:
            return _("Set by law (holidays package): not revocable here.")
        url = reverse("admin:clock_calendarday_revoke", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Revoke this amendment"))

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        data = form.cleaned_data
        row = services.amend_day(
            data["calendar"],
            data["date"],
            data["kind"],
            name=data["name"],
            reason=data["reason"],
            announcement=data["announcement"],
            actor=_actor(request),
        )
        obj.pk = row.pk

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.revoke_view)
        return [
            path("<int:pk>/revoke/", view, name="clock_calendarday_revoke"),
            *super().get_urls(),
        ]

    def revoke_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("clock.delete_calendarday"):
            raise PermissionDenied
        row = get_object_or_404(CalendarDay.objects.select_related("calendar"), pk=pk)
        form = RevokeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.revoke_amendment(
                    row.calendar,
                    row.date,
                    reason=form.cleaned_data["reason"],
                    announcement=form.cleaned_data["announcement"],
                    actor=_actor(request),
                )
            except ValidationFailed as exc:
                _add_errors(form, exc.errors, {})
            else:
                self.message_user(
                    request,
                    _("The amendment of %(day)s has been revoked.")
                    % {"day": f"{row.date:%d/%m/%Y}"},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:clock_calendarday_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Revoke the amendment of %(day)s") % {"day": f"{row.date:%d/%m/%Y}"},
            "row": row,
            "form": form,
            "revocable": row.source == DaySource.ADMIN,
        }
        return TemplateResponse(request, "admin/clock/calendarday/revoke.html", context)


@admin.register(CalendarChange)
class CalendarChangeAdmin(admin.ModelAdmin):
    list_display = ("at", "calendar", "date", "action", "kind", "name", "announcement", "actor")
    list_filter = ("calendar", "action", "kind")
    date_hierarchy = "at"
    search_fields = ("name", "reason", "announcement")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
