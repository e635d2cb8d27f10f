"""Admin of the catalogue: read-mostly. Procedures arrive by import; here an administrator
publishes, retires or starts a new draft, and edits a draft's text and workflow. Every save
goes through ``services`` so that the versioning and publishing rules hold here too."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from motcua.core.errors import DomainError
from motcua.core.text import search_terms

from . import services
from .models import (
    DocumentRequirement,
    Fee,
    Field,
    Procedure,
    ProcedureVersion,
    Status,
    WorkflowStep,
)


def _report(request: HttpRequest, modeladmin: admin.ModelAdmin, exc: DomainError) -> None:
    modeladmin.message_user(request, str(exc), level=messages.ERROR)


def _folded_search(queryset: QuerySet[Any], term: str, field: str) -> QuerySet[Any]:
    """Accent-insensitive admin search: every folded word must occur in ``field``."""
    for word in search_terms(term):
        queryset = queryset.filter(**{f"{field}__contains": word})
    return queryset


@admin.register(Field)
class FieldAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")

    def save_model(self, request: HttpRequest, obj: Field, form: Any, change: bool) -> None:
        services.save_field(obj)

    def has_delete_permission(self, request: HttpRequest, obj: Field | None = None) -> bool:
        # Versions keep their field for ever (dossiers refer to the version).
        return False


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class FeeInline(_ReadOnlyInline):
    model = Fee
    fields = ("position", "name", "amount_vnd", "note")


class DocumentInline(_ReadOnlyInline):
    model = DocumentRequirement
    fields = ("position", "name", "originals", "copies", "required", "template", "reusable_type")


class _StepFormSet(BaseInlineFormSet):
    """Checks and saves the steps of a draft through the services."""

    def _kept(self) -> list[WorkflowStep]:
        return [
            f.instance
            for f in self.forms
            if getattr(f, "cleaned_data", None) and f not in self.deleted_forms
        ]

    def clean(self) -> None:
        super().clean()
        problems = services.step_problems(self._kept())
        if problems:
            raise ValidationError([f"{p.field}: {p.message}" for p in problems])

    def save(self, commit: bool = True) -> list[WorkflowStep]:
        steps = super().save(commit=False)
        services.save_draft_steps(self.instance, self._kept(), self.deleted_objects)
        return steps


class WorkflowStepInline(admin.TabularInline):
    model = WorkflowStep
    formset = _StepFormSet
    fields = ("position", "code", "name", "role", "agency_mode", "agency", "agency_kind", "hours")
    raw_id_fields = ("agency",)
    extra = 0

    def _editable(self, obj: ProcedureVersion | None) -> bool:
        return obj is not None and obj.status == Status.DRAFT

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_delete_permission(request, obj)


EDITABLE = (
    "name",
    "field",
    "levels",
    "legal_basis",
    "effective_from",
    "effective_to",
    "agency_scope",
    "agencies",
    "target_groups",
    "sequence",
    "processing_value",
    "processing_unit",
    "cutoff",
    "supplement_policy",
    "supplement_limit_days",
    "online_level",
    "postal",
    "result_name",
    "result_kind",
    "is_sample",
    "note",
)


class VersionForm(forms.ModelForm):
    class Meta:
        model = ProcedureVersion
        fields = EDITABLE

    def _post_clean(self) -> None:
        # The instance holds the submitted values only once the model form has built it.
        super()._post_clean()  # type: ignore[misc]
        for problem in services.draft_problems(self.instance):
            self.add_error(problem.field if problem.field in self.fields else None, problem.message)


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(admin.ModelAdmin):
    form = VersionForm
    list_display = ("procedure", "version", "name", "field", "status", "online_level", "is_sample")
    list_filter = ("status", "online_level", "is_sample", "field")
    search_fields = ("procedure__code",)
    list_select_related = ("procedure", "field")
    inlines = (WorkflowStepInline, FeeInline, DocumentInline)
    actions = ("publish_selected", "retire_selected")
    readonly_fields = ("procedure", "version", "status", "published_at", "created_at")
    fields = (
        "procedure",
        "version",
        "status",
        "published_at",
        "name",
        "field",
        "levels",
        "legal_basis",
        "effective_from",
        "effective_to",
        "agency_scope",
        "agencies",
        "target_groups",
        "sequence",
        ("processing_value", "processing_unit", "cutoff"),
        ("supplement_policy", "supplement_limit_days"),
        ("online_level", "postal"),
        ("result_name", "result_kind"),
        "is_sample",
        "note",
        "created_at",
    )
    # Thousands of commune agencies: pick them by id rather than in a select box.
    raw_id_fields = ("agencies",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and obj.status != Status.DRAFT:
            return [
                f for group in self.fields for f in ((group,) if isinstance(group, str) else group)
            ]
        return self.readonly_fields

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        return _folded_search(queryset, search_term, "search_text"), False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # new versions come from an import or the "new draft" action

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: ProcedureVersion, form: Any, change: bool
    ) -> None:
        services.save_draft(obj)

    @admin.action(description=_("Publish the selected drafts"))
    def publish_selected(self, request: HttpRequest, queryset: QuerySet[ProcedureVersion]) -> None:
        done = 0
        for version in queryset:
            try:
                services.publish(version)
                done += 1
            except DomainError as exc:
                _report(request, self, exc)
        if done:
            self.message_user(request, _("%(n)s version(s) published.") % {"n": done})

    @admin.action(description=_("Retire the selected published versions"))
    def retire_selected(self, request: HttpRequest, queryset: QuerySet[ProcedureVersion]) -> None:
        done = 0
        for version in queryset:
            try:
                services.retire(version)
                done += 1
            except DomainError as exc:
                _report(request, self, exc)
        if done:
            self.message_user(request, _("%(n)s version(s) retired.") % {"n": done})


class VersionInline(_ReadOnlyInline):
    model = ProcedureVersion
    fields = ("version", "name", "status", "published_at")
    show_change_link = True


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ("code", "current_name", "current_status")
    search_fields = ("code",)
    list_select_related = ("current",)
    readonly_fields = ("code", "current")
    inlines = (VersionInline,)
    actions = ("new_draft",)

    @admin.display(description=_("procedure name"))
    def current_name(self, obj: Procedure) -> str:
        return obj.current.name if obj.current else ""

    @admin.display(description=_("status"))
    def current_status(self, obj: Procedure) -> str:
        return obj.current.get_status_display() if obj.current else ""

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        return _folded_search(queryset, search_term, "current__search_text"), False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Start a new draft version (a copy of the current one)"))
    def new_draft(self, request: HttpRequest, queryset: QuerySet[Procedure]) -> None:
        for procedure in queryset:
            try:
                draft = services.create_draft(procedure)
            except DomainError as exc:
                _report(request, self, exc)
            else:
                self.message_user(
                    request,
                    _("Draft version %(n)s of %(code)s created.")
                    % {"n": draft.version, "code": procedure.code},
                )
