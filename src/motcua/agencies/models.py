from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    CENTRAL = "central", _("Central")
    PROVINCE = "province", _("Province")
    COMMUNE = "commune", _("Commune")
    # Districts were abolished on 1 July 2025; kept for dossiers and agencies before that date.
    DISTRICT = "district", _("District (before 1 July 2025)")


class DivisionKind(models.TextChoices):
    CITY = "city", _("Centrally governed city")
    PROVINCE = "province", _("Province")
    WARD = "ward", _("Ward")
    COMMUNE = "commune", _("Commune")
    SPECIAL_ZONE = "special_zone", _("Special zone")
    DISTRICT = "district", _("District-level unit (before 1 July 2025)")


class Division(models.Model):
    """An administrative division (đơn vị hành chính) with its statistics-office code."""

    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=DivisionKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    search_text = models.CharField(max_length=300, editable=False, default="")

    class Meta:
        verbose_name = _("administrative division")
        verbose_name_plural = _("administrative divisions")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def level(self) -> str:
        if self.kind in (DivisionKind.CITY, DivisionKind.PROVINCE):
            return Level.PROVINCE
        if self.kind == DivisionKind.DISTRICT:
            return Level.DISTRICT
        return Level.COMMUNE


class AgencyKind(models.TextChoices):
    MINISTRY = "ministry", _("Ministry")
    DEPARTMENT = "department", _("Department")
    PEOPLE_COMMITTEE = "people_committee", _("People's Committee")
    SERVICE_CENTRE = "service_centre", _("Public administration service centre")
    VERTICAL = "vertical", _("Vertical agency")
    OTHER = "other", _("Other")


class Agency(models.Model):
    """An authority that receives or resolves dossiers."""

    code = models.CharField(_("identifier code"), max_length=35, unique=True)
    name = models.CharField(_("name"), max_length=300)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=AgencyKind.choices)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    division = models.ForeignKey(
        Division,
        verbose_name=_("division"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agencies",
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        verbose_name=_("successor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
    )
    calendar = models.ForeignKey(
        "clock.Calendar",
        verbose_name=_("own working calendar"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agencies",
    )
    # Materialised path of primary keys ("/3/17/42/"): a subtree is one indexed prefix match,
    # which the reports and the scoping of every query rely on.
    path = models.CharField(
        _("tree path"), max_length=255, editable=False, default="", db_index=True
    )
    search_text = models.CharField(max_length=400, editable=False, default="")

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name


class ReceptionPoint(models.Model):
    """A desk where dossiers are received and results returned (điểm tiếp nhận)."""

    agency = models.ForeignKey(
        Agency,
        verbose_name=_("service centre"),
        on_delete=models.PROTECT,
        related_name="reception_points",
    )
    code = models.CharField(_("code"), max_length=50)
    name = models.CharField(_("name"), max_length=300)
    address = models.CharField(_("address"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("reception point")
        verbose_name_plural = _("reception points")
        ordering = ["agency", "code"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "code"], name="agencies_point_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    RECEIVER = "receiver", _("Receiver")
    SPECIALIST = "specialist", _("Specialist")
    LEADER = "leader", _("Leader")
    AGENCY_ADMIN = "agency_admin", _("Agency administrator")
    PROVINCE_ADMIN = "province_admin", _("Province administrator")
    INSPECTOR = "inspector", _("Inspector")


class RoleAssignment(models.Model):
    """An official's role at one agency (and, for a receiver, optionally one reception point)."""

    official = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("official"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="assignments"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    reception_point = models.ForeignKey(
        ReceptionPoint,
        verbose_name=_("reception point"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["official", "agency", "role"], name="agencies_one_role_per_agency"
            )
        ]

    def __str__(self) -> str:
        return f"{self.official} — {self.get_role_display()} — {self.agency}"
