from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.agencies.models import Agency, AgencyKind, Role


class Field(models.Model):
    """Lĩnh vực: the domain a procedure belongs to."""

    code = models.CharField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=300)

    class Meta:
        verbose_name = _("field")
        verbose_name_plural = _("fields")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class TimeUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("working days")
    WORKING_HOURS = "working_hours", _("working hours")


class SupplementPolicy(models.TextChoices):
    PAUSE = "pause", _("Clock paused while awaiting a supplement")
    RESTART = "restart", _("Full time runs again from the complete dossier")


class OnlineLevel(models.TextChoices):
    FULL = "full", _("Fully online")
    PARTIAL = "partial", _("Partly online")
    NONE = "none", _("Not online")


class TargetGroup(models.TextChoices):
    CITIZEN = "citizen", _("Vietnamese citizen")
    FOREIGNER = "foreigner", _("Foreigner")
    ORGANISATION = "organisation", _("Organisation or business")


class AgencyScope(models.TextChoices):
    LISTED = "listed", _("Listed agencies")
    LEVEL = "level", _("Every agency of its level")


class ResultKind(models.TextChoices):
    PAPER = "paper", _("Paper")
    ELECTRONIC = "electronic", _("Electronic")
    BOTH = "both", _("Paper and electronic")


class Procedure(models.Model):
    """A procedure's identity across versions (its national catalogue code)."""

    code = models.CharField(_("procedure code"), max_length=50, unique=True)
    current = models.ForeignKey(
        "ProcedureVersion",
        verbose_name=_("current version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class ProcedureVersion(models.Model):
    """One version of a procedure; dossiers keep the version they were received under."""

    procedure = models.ForeignKey(
        Procedure, on_delete=models.PROTECT, related_name="versions", verbose_name=_("procedure")
    )
    version = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("procedure name"), max_length=500)
    field = models.ForeignKey(Field, verbose_name=_("field"), on_delete=models.PROTECT)
    levels = models.JSONField(_("levels"), default=list)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    agency_scope = models.CharField(
        _("implementing agencies"),
        max_length=10,
        choices=AgencyScope.choices,
        default=AgencyScope.LEVEL,
    )
    agencies = models.ManyToManyField(Agency, verbose_name=_("agencies"), blank=True)
    processing_value = models.DecimalField(_("processing time"), max_digits=7, decimal_places=2)
    processing_unit = models.CharField(_("time unit"), max_length=15, choices=TimeUnit.choices)
    cutoff = models.TimeField(_("cut-off time"), null=True, blank=True)
    supplement_policy = models.CharField(
        _("supplement policy"),
        max_length=10,
        choices=SupplementPolicy.choices,
        default=SupplementPolicy.PAUSE,
    )
    supplement_limit_days = models.PositiveIntegerField(
        _("supplement limit (working days)"), default=15
    )
    online_level = models.CharField(
        _("online level"),
        max_length=10,
        choices=OnlineLevel.choices,
        default=OnlineLevel.NONE,
    )
    postal = models.BooleanField(_("by public post"), default=False)
    sequence = models.TextField(_("sequence"), blank=True)
    target_groups = models.JSONField(_("target groups"), default=list)
    result_name = models.CharField(_("result"), max_length=500, blank=True)
    result_kind = models.CharField(
        _("result kind"), max_length=12, choices=ResultKind.choices, blank=True
    )
    is_sample = models.BooleanField(_("sample data"), default=False)
    note = models.TextField(_("note"), blank=True)
    # Folded (accent-free, lower-case) text maintained by the services: ``search_text`` is what a
    # search matches (code, name, field), ``search_name`` ranks name matches first.
    search_text = models.TextField(editable=False, default="")
    search_name = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("procedure version")
        verbose_name_plural = _("procedure versions")
        ordering = ["procedure__code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "version"], name="catalog_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.procedure.code} v{self.version} — {self.name}"

    @property
    def code(self) -> str:
        return self.procedure.code

    @property
    def processing_hours(self) -> Decimal:
        """Legal time in working hours (1 working day = 8 working hours)."""
        if self.processing_unit == TimeUnit.WORKING_DAYS:
            return self.processing_value * 8
        return self.processing_value


class Fee(models.Model):
    """A fee or charge fixed by law; nothing outside this list may be collected."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="fees")
    position = models.PositiveSmallIntegerField(_("position"))
    name = models.CharField(_("fee name"), max_length=300)
    amount_vnd = models.PositiveBigIntegerField(_("amount (VND)"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("fee")
        verbose_name_plural = _("fees")
        ordering = ["version", "position"]

    def __str__(self) -> str:
        return f"{self.name}: {self.amount_vnd:,} đ"


class DocumentRequirement(models.Model):
    """A component of the dossier (thành phần hồ sơ)."""

    version = models.ForeignKey(
        ProcedureVersion, on_delete=models.CASCADE, related_name="documents"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    name = models.CharField(_("document name"), max_length=500)
    originals = models.PositiveSmallIntegerField(_("originals"), default=0)
    copies = models.PositiveSmallIntegerField(_("copies"), default=0)
    required = models.BooleanField(_("required"), default=True)
    template = models.CharField(_("form template"), max_length=300, blank=True)
    reusable_type = models.CharField(_("reusable document type"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("document requirement")
        verbose_name_plural = _("document requirements")
        ordering = ["version", "position"]

    def __str__(self) -> str:
        return self.name


class StepAgency(models.TextChoices):
    COMPETENT = "competent", _("Competent agency")
    RECEIVING_CENTRE = "receiving_centre", _("Receiving centre")
    NAMED = "named", _("Named agency")
    KIND = "kind", _("Agency of a kind (inter-agency)")


class WorkflowStep(models.Model):
    """One step of the published internal workflow (quy trình nội bộ)."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("position"))
    code = models.CharField(_("step code"), max_length=30)
    name = models.CharField(_("step name"), max_length=300)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    agency_mode = models.CharField(
        _("implementing agencies"),
        max_length=20,
        choices=StepAgency.choices,
        default=StepAgency.COMPETENT,
    )
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("agencies"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    agency_kind = models.CharField(
        _("agency kind"), max_length=20, choices=AgencyKind.choices, blank=True
    )
    hours = models.DecimalField(_("time (working hours)"), max_digits=7, decimal_places=2)

    class Meta:
        verbose_name = _("workflow step")
        verbose_name_plural = _("workflow steps")
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="catalog_step_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.name} ({self.hours} h)"
