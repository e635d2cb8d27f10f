"""Writes to the catalogue: the only path by which procedures, versions and fields change.

The import (``importing.py``), the admin and the demo loader all come through here, so the
versioning rules, the publishing rules and the derived search text cannot be bypassed.
Published versions are never edited in place: dossiers keep the version they were received
under, so a change is a new draft, published in its turn.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.agencies.models import AgencyKind, Level
from motcua.core.errors import Conflict, FieldError, ValidationFailed

from .canonical import version_to_dict
from .exporting import export_catalog, render_catalog
from .importing import SAMPLE_CATALOG, ImportResult, import_catalog, import_sample_catalog
from .models import (
    Field,
    Procedure,
    ProcedureVersion,
    Status,
    StepAgency,
    TargetGroup,
    WorkflowStep,
)
from .rules import STEP_ROLES, publication_problems
from .writing import refresh_current, refresh_search, search_texts, write_version

__all__ = [
    "SAMPLE_CATALOG",
    "ImportResult",
    "create_draft",
    "draft_problems",
    "export_catalog",
    "import_catalog",
    "import_sample_catalog",
    "publish",
    "render_catalog",
    "retire",
    "save_draft",
    "save_draft_steps",
    "save_field",
    "step_problems",
]


def _locked(version: ProcedureVersion) -> tuple[Procedure, ProcedureVersion]:
    procedure = Procedure.objects.select_for_update().get(pk=version.procedure_id)
    fresh = ProcedureVersion.objects.select_related("procedure", "field").get(pk=version.pk)
    return procedure, fresh


@transaction.atomic
def publish(version: ProcedureVersion) -> ProcedureVersion:
    """Publish a draft: the 7 mandatory parts present and the workflow hours equal to the
    legal time; it becomes the procedure's current version."""
    procedure, version = _locked(version)
    if version.status != Status.DRAFT:
        raise Conflict(
            _("Only a draft can be published; version %(n)s of %(code)s is %(status)s.")
            % {"n": version.version, "code": procedure.code, "status": version.status}
        )
    problems = publication_problems(version_to_dict(version))
    if problems:
        raise ValidationFailed(
            _("Version %(n)s of %(code)s cannot be published.")
            % {"n": version.version, "code": procedure.code},
            problems,
        )
    version.status = Status.PUBLISHED
    version.published_at = timezone.now()
    version.save(update_fields=["status", "published_at"])
    refresh_current(procedure)
    return version


@transaction.atomic
def retire(version: ProcedureVersion) -> ProcedureVersion:
    """Retire a published version (the procedure is no longer offered under that text)."""
    procedure, version = _locked(version)
    if version.status != Status.PUBLISHED:
        raise Conflict(
            _("Only a published version can be retired; version %(n)s of %(code)s is %(status)s.")
            % {"n": version.version, "code": procedure.code, "status": version.status}
        )
    version.status = Status.RETIRED
    version.save(update_fields=["status"])
    refresh_current(procedure)
    return version


@transaction.atomic
def create_draft(procedure: Procedure) -> ProcedureVersion:
    """A new draft version, a copy of the current one, to be edited and published."""
    procedure = Procedure.objects.select_for_update().get(pk=procedure.pk)
    head = procedure.versions.order_by("-version").first()
    if head is not None and head.status == Status.DRAFT:
        raise Conflict(
            _("%(code)s already has a draft (version %(n)s); edit or publish it.")
            % {"code": procedure.code, "n": head.version}
        )
    source = procedure.current or head
    if source is None:
        raise Conflict(_("%(code)s has no version to copy.") % {"code": procedure.code})
    row = version_to_dict(source)
    row["status"] = Status.DRAFT.value
    agencies = {a.code: a for a in source.agencies.all()}
    agencies.update(
        {s.agency.code: s.agency for s in source.steps.select_related("agency") if s.agency}
    )
    number = (procedure.versions.aggregate(n=Max("version"))["n"] or 0) + 1
    draft = write_version(
        ProcedureVersion(procedure=procedure, version=number), row, source.field, agencies
    )
    refresh_current(procedure)
    return draft


def _require_draft(version: ProcedureVersion) -> None:
    stored = ProcedureVersion.objects.filter(pk=version.pk).values_list("status", flat=True).first()
    if stored is not None and stored != Status.DRAFT:
        raise Conflict(
            _("A published or retired version is never edited; create a new draft instead.")
        )


def draft_problems(version: ProcedureVersion) -> list[FieldError]:
    """What is wrong with a draft edited field by field (the admin form shows these)."""
    errors: list[FieldError] = []
    if not (version.name or "").strip():
        errors.append(FieldError("name", _("Must not be empty.")))
    if not isinstance(version.levels, list) or not version.levels:
        errors.append(FieldError("levels", _("At least one level.")))
    elif any(level not in Level.values for level in version.levels):
        errors.append(
            FieldError("levels", _("One of: %(values)s.") % {"values": ", ".join(Level.values)})
        )
    if not isinstance(version.target_groups, list) or any(
        g not in TargetGroup.values for g in version.target_groups
    ):
        errors.append(
            FieldError(
                "target_groups",
                _("One of: %(values)s.") % {"values": ", ".join(TargetGroup.values)},
            )
        )
    if version.processing_value is None or version.processing_value <= 0:
        errors.append(FieldError("processing_value", _("Must be > 0.")))
    if (
        version.effective_from
        and version.effective_to
        and version.effective_to < version.effective_from
    ):
        errors.append(FieldError("effective_to", _("Must not be before effective_from.")))
    return errors


@transaction.atomic
def save_draft(version: ProcedureVersion) -> ProcedureVersion:
    """Save a draft edited field by field (the admin); keeps it a draft and its search text."""
    _require_draft(version)
    errors = draft_problems(version)
    if errors:
        raise ValidationFailed(_("The draft is not valid."), errors)
    version.status = Status.DRAFT
    version.search_text, version.search_name = search_texts(
        version.procedure.code, version.name, version.field
    )
    version.save()
    return version


def step_problems(steps: Iterable[WorkflowStep]) -> list[FieldError]:
    """What is wrong with workflow steps edited one by one (checked like an import)."""
    errors: list[FieldError] = []
    for i, step in enumerate(steps):
        where = f"workflow[{i}]"
        if step.hours is None or step.hours <= Decimal(0):
            errors.append(FieldError(f"{where}.hours", _("Must be > 0.")))
        if step.role not in STEP_ROLES:
            errors.append(
                FieldError(
                    f"{where}.role", _("One of: %(values)s.") % {"values": ", ".join(STEP_ROLES)}
                )
            )
        if step.agency_mode == StepAgency.NAMED and step.agency_id is None:
            errors.append(FieldError(f"{where}.agency", _("Required when agency_mode is named.")))
        if step.agency_mode == StepAgency.KIND and step.agency_kind not in AgencyKind.values:
            errors.append(
                FieldError(f"{where}.agency_kind", _("Required when agency_mode is kind."))
            )
    return errors


@transaction.atomic
def save_draft_steps(
    version: ProcedureVersion,
    steps: Iterable[WorkflowStep],
    deleted: Iterable[WorkflowStep] = (),
) -> None:
    """Save the workflow steps of a draft (the admin inline)."""
    _require_draft(version)
    steps = list(steps)
    errors = step_problems(steps)
    if errors:
        raise ValidationFailed(_("The workflow is not valid."), errors)
    for step in deleted:
        if step.pk:
            step.delete()
    for step in steps:
        if step.agency_mode != StepAgency.NAMED:
            step.agency = None
        if step.agency_mode != StepAgency.KIND:
            step.agency_kind = ""
        step.version = version
        step.save()


@transaction.atomic
def save_field(field: Field) -> Field:
    """Create or rename a field; the search text of its procedures follows the new name."""
    errors = []
    field.code = (field.code or "").strip()
    field.name = (field.name or "").strip()
    if not field.code:
        errors.append(FieldError("code", _("Must not be empty.")))
    if not field.name:
        errors.append(FieldError("name", _("Must not be empty.")))
    if field.code and Field.objects.filter(code=field.code).exclude(pk=field.pk).exists():
        errors.append(FieldError("code", _("Another field has this code.")))
    if errors:
        raise ValidationFailed(_("The field is not valid."), errors)
    field.save()
    refresh_search(ProcedureVersion.objects.filter(field=field))
    return field
