"""Admin pages for divisions, agencies, reception points and officials' roles.

Every save goes through the services; every list a non-superuser sees is limited to the
agencies it administers (``official_scope(...).admin_agency_ids()``). Agencies, divisions and
desks are never deleted here: they are closed with ``valid_to`` / ``is_active``, because
dossiers keep referring to them.

The role inline is added to the user admin here rather than in ``identity``: identity sits
below agencies in the layers and may not import it.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from motcua.core.errors import FieldError
from motcua.core.text import search_terms
from motcua.identity.admin import UserAdmin
from motcua.identity.models import User

from .models import Agency, AgencyKind, Division, ReceptionPoint, Role, RoleAssignment
from .selectors import official_scope
from .services import (
    assign_role,
    check_agency,
    check_assignment,
    check_division,
    check_reception_point,
    revoke_role,
    save_agency,
    save_division,
    save_reception_point,
)

_SCOPE_ATTR = "_motcua_admin_scope"


def admin_scope(request: HttpRequest) -> frozenset[int] | None:
    """Agency ids the requesting user administers; None for a superuser (no limit)."""
    if request.user.is_superuser:
        return None
    cached = getattr(request, _SCOPE_ATTR, None)
    if cached is None:
        cached = official_scope(request.user).admin_agency_ids()
        setattr(request, _SCOPE_ATTR, cached)
    return cached


def _report(form: forms.BaseForm, errors: list[FieldError]) -> None:
    """Put service validation errors on the form, next to their field when it is shown."""
    for error in errors:
        name = error.field.rsplit(".", 1)[-1]
        if name in form.fields:
            if not form.has_error(name):
                form.add_error(name, error.message)
        else:
            form.add_error(None, f"{error.field}: {error.message}")


class FoldedSearchMixin:
    """Admin search on the folded ``search_text``: "my tho" finds "Mỹ Tho"."""

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        for term in search_terms(search_term):
            queryset = queryset.filter(search_text__contains=term)
        return queryset, False


class ServiceCheckedForm(forms.ModelForm):
    """Runs the service's checks on the edited instance, so errors show on the form, not as
    an error page when the service refuses to save."""

    admin_scope: frozenset[int] | None = None

    def check_instance(self) -> list[FieldError]:
        return []

    def validate_unique(self) -> None:
        super().validate_unique()
        _report(self, self.check_instance())


class DivisionForm(ServiceCheckedForm):
    class Meta:
        model = Division
        fields = ["code", "name", "kind", "parent", "valid_from", "valid_to"]

    def check_instance(self) -> list[FieldError]:
        return check_division(self.instance)


@admin.register(Division)
class DivisionAdmin(FoldedSearchMixin, admin.ModelAdmin):
    form = DivisionForm
    list_display = ("code", "name", "kind", "parent", "valid_from", "valid_to")
    list_filter = ("kind",)
    search_fields = ("search_text",)
    autocomplete_fields = ("parent",)
    list_per_page = 50

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Division, form: Any, change: bool) -> None:
        save_division(obj)


class AgencyForm(ServiceCheckedForm):
    class Meta:
        model = Agency
        fields = [
            "code",
            "name",
            "short_name",
            "kind",
            "level",
            "parent",
            "division",
            "valid_from",
            "valid_to",
            "successor",
            "calendar",
        ]

    def check_instance(self) -> list[FieldError]:
        errors = check_agency(self.instance)
        scope = self.admin_scope
        if scope is not None and "parent" in self.fields:
            parent = self.instance.parent_id
            if parent is None or parent not in scope:
                errors.append(
                    FieldError("parent", str(_("Choose a parent among the agencies you manage.")))
                )
        return errors


@admin.register(Agency)
class AgencyAdmin(FoldedSearchMixin, admin.ModelAdmin):
    form = AgencyForm
    list_display = ("code", "name", "kind", "level", "parent", "valid_to")
    list_filter = ("kind", "level")
    search_fields = ("search_text",)
    autocomplete_fields = ("parent", "successor", "division")
    readonly_fields = ("path",)
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[Agency]:
        queryset = super().get_queryset(request).select_related("parent")
        scope = admin_scope(request)
        return queryset if scope is None else queryset.filter(pk__in=scope)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = ["path"]
        scope = admin_scope(request)
        if scope is not None and obj is not None:
            # An identifier other systems hold is changed by the system administrator only;
            # nor may an administrator move the root of what it manages out of its reach.
            fields.append("code")
            if obj.parent_id not in scope:
                fields.append("parent")
        return fields

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = cast(type[AgencyForm], super().get_form(request, obj, change=change, **kwargs))
        form.admin_scope = admin_scope(request)
        return form

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        scope = admin_scope(request)
        if db_field.name in ("parent", "successor") and scope is not None:
            kwargs["queryset"] = Agency.objects.filter(pk__in=scope)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Agency, form: Any, change: bool) -> None:
        save_agency(obj)


class ReceptionPointForm(ServiceCheckedForm):
    class Meta:
        model = ReceptionPoint
        fields = ["agency", "code", "name", "address", "is_active"]

    def check_instance(self) -> list[FieldError]:
        return check_reception_point(self.instance)


@admin.register(ReceptionPoint)
class ReceptionPointAdmin(admin.ModelAdmin):
    form = ReceptionPointForm
    list_display = ("name", "code", "agency", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name", "agency__search_text")
    list_select_related = ("agency",)
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReceptionPoint]:
        queryset = super().get_queryset(request)
        scope = admin_scope(request)
        return queryset if scope is None else queryset.filter(agency_id__in=scope)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "agency":
            centres = Agency.objects.filter(kind=AgencyKind.SERVICE_CENTRE)
            scope = admin_scope(request)
            kwargs["queryset"] = centres if scope is None else centres.filter(pk__in=scope)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: ReceptionPoint, form: Any, change: bool
    ) -> None:
        save_reception_point(obj)


class RoleAssignmentForm(forms.ModelForm):
    admin_scope: frozenset[int] | None = None
    may_grant_province_admin = True

    class Meta:
        model = RoleAssignment
        fields = ["agency", "role", "reception_point", "is_active"]

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or self.cleaned_data
        if self.cleaned_data.get("DELETE") or not self.cleaned_data.get("is_active", True):
            return data
        agency, role = data.get("agency"), data.get("role")
        if role is None:
            return data
        errors = check_assignment(agency, role, data.get("reception_point"))
        scope = self.admin_scope
        if scope is not None and agency is not None and agency.pk not in scope:
            errors.append(FieldError("agency", str(_("You do not administer this agency."))))
        if role == Role.PROVINCE_ADMIN and not self.may_grant_province_admin:
            errors.append(
                FieldError("role", str(_("Only a province administrator may grant this role.")))
            )
        _report(self, errors)
        return data


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    form = RoleAssignmentForm
    fk_name = "official"
    fields = ("agency", "role", "reception_point", "is_active")
    autocomplete_fields = ("agency", "reception_point")
    extra = 0
    verbose_name = _("role")
    verbose_name_plural = _("roles")

    def get_queryset(self, request: HttpRequest) -> QuerySet[RoleAssignment]:
        queryset = super().get_queryset(request).select_related("agency", "reception_point")
        scope = admin_scope(request)
        return queryset if scope is None else queryset.filter(agency_id__in=scope)

    def get_min_num(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> int:
        # An administrator sees only officials with a role in its agencies: one it creates
        # must get such a role at once, or it would vanish from its list.
        return 0 if request.user.is_superuser else 1

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        kwargs.setdefault("validate_min", not request.user.is_superuser)
        formset = super().get_formset(request, obj, **kwargs)
        # The factory made a fresh form class for this request: setting attributes on it does
        # not leak into other requests.
        form = cast(type[RoleAssignmentForm], formset.form)
        scope = admin_scope(request)
        form.admin_scope = scope
        form.may_grant_province_admin = scope is None or official_scope(request.user).has_role(
            Role.PROVINCE_ADMIN
        )
        return formset


class OfficialAdmin(UserAdmin):
    """The user admin with the official's roles; role changes go through the services."""

    inlines = [RoleAssignmentInline]
    _PRIVILEGED = ("is_superuser", "is_staff", "groups", "user_permissions")

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        queryset = super().get_queryset(request)
        scope = admin_scope(request)
        if scope is None:
            return queryset
        return queryset.filter(
            is_superuser=False, assignments__is_active=True, assignments__agency_id__in=scope
        ).distinct()

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser and obj is not None:
            fields += [*self._PRIVILEGED, "last_login", "date_joined"]
        return fields

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not RoleAssignment:
            super().save_formset(request, form, formset, change)
            return
        official: User = form.instance
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.forms:
            instance: RoleAssignment = inline_form.instance
            original = (
                RoleAssignment.objects.filter(pk=instance.pk).first() if instance.pk else None
            )
            deleted = inline_form in formset.deleted_forms
            if not deleted and not inline_form.has_changed():
                continue
            data = inline_form.cleaned_data
            if (
                original is not None
                and original.is_active
                and (
                    deleted
                    or not data.get("is_active", True)
                    or original.agency_id != data["agency"].pk
                    or original.role != data["role"]
                )
            ):
                revoke_role(official, original.agency, original.role)
                if deleted or not data.get("is_active", True):
                    formset.deleted_objects.append(original)
                    continue
            if deleted or not data.get("is_active", True):
                continue
            assignment = assign_role(
                official, data["agency"], data["role"], data.get("reception_point")
            )
            if original is None:
                formset.new_objects.append(assignment)
            else:
                formset.changed_objects.append((assignment, inline_form.changed_data))


admin.site.unregister(User)
admin.site.register(User, OfficialAdmin)
