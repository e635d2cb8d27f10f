from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_PERIODS = [["07:30", "11:30"], ["13:00", "17:00"]]


def default_periods() -> list[list[str]]:
    return [list(p) for p in DEFAULT_PERIODS]


class Calendar(models.Model):
    """Office hours plus the dated exceptions to the Monday–Friday week.

    The deployment has one default calendar (seeded from the ``holidays`` package); an agency
    with other office hours gets its own calendar whose ``base`` is the default, so it inherits
    the national days off and adds its own amendments.
    """

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    periods = models.JSONField(
        _("office hours"),
        default=default_periods,
        help_text=_('Working periods of a day, e.g. [["07:30","11:30"],["13:00","17:00"]]'),
    )
    base = models.ForeignKey(
        "self",
        verbose_name=_("base calendar"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="derived",
    )
    is_default = models.BooleanField(_("default calendar"), default=False)
    # A new random token on every change; each process compares it with its compiled copy.
    # Random rather than a counter: a rolled-back change must never reuse a later one's value.
    revision = models.UUIDField(default=uuid.uuid4, editable=False)

    class Meta:
        verbose_name = _("working calendar")
        verbose_name_plural = _("working calendars")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="clock_one_default_calendar",
            )
        ]

    def __str__(self) -> str:
        return self.name


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday")
    DAY_OFF = "day_off", _("Day off (amendment)")
    WORKING_DAY = "working_day", _("Working day (swap)")


class DaySource(models.TextChoices):
    SEED = "seed", _("By law (holidays package)")
    ADMIN = "admin", _("Amended by an administrator")


class CalendarDay(models.Model):
    """An exception to the Monday–Friday week: a day off, or a weekend day worked."""

    calendar = models.ForeignKey(
        Calendar, on_delete=models.CASCADE, related_name="days", verbose_name=_("calendar")
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=20, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=200)
    reason = models.TextField(_("reason"), blank=True)
    announcement = models.CharField(_("announcement"), max_length=300, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=DaySource.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="clock_one_entry_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.name}"


class CalendarChange(models.Model):
    """Append-only audit of amendments: who changed which day, why, on which announcement."""

    class Action(models.TextChoices):
        ADD = "add", _("Add")
        REMOVE = "remove", _("Remove")

    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="changes")
    date = models.DateField(_("date"))
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=200)
    reason = models.TextField(_("reason"))
    announcement = models.CharField(_("announcement"), max_length=300)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("calendar change")
        verbose_name_plural = _("calendar changes")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.date:%d/%m/%Y} {self.name}"
