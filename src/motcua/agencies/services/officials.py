"""Writes to officials and their roles: the only path by which a role is granted or revoked.

A revoked role is kept inactive, not deleted: who was a receiver at which desk, and when, is
part of a dossier's history.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.errors import FieldError, NotFound, ValidationFailed
from motcua.core.localtime import local_date
from motcua.identity.models import User

from ..models import Agency, AgencyKind, Level, ReceptionPoint, Role, RoleAssignment

ADMIN_ROLES = (Role.AGENCY_ADMIN, Role.PROVINCE_ADMIN)
# What an agency administrator may do in the admin site; the admin further limits every list
# to the agencies of its subtree.
AGENCY_ADMIN_PERMISSIONS = (
    "agencies.view_division",
    "agencies.view_agency",
    "agencies.change_agency",
    "agencies.view_receptionpoint",
    "agencies.add_receptionpoint",
    "agencies.change_receptionpoint",
    "agencies.view_roleassignment",
    "agencies.add_roleassignment",
    "agencies.change_roleassignment",
    "agencies.delete_roleassignment",
    "identity.view_user",
    "identity.add_user",
    "identity.change_user",
)
# A province administrator maintains agencies, officials, the catalogue and the calendar.
PROVINCE_ADMIN_APPS = ("agencies", "identity", "catalog", "clock")
GROUP_NAMES = {
    Role.AGENCY_ADMIN: "motcua: agency_admin",
    Role.PROVINCE_ADMIN: "motcua: province_admin",
}
_PHONE = re.compile(r"^\+?\d[\d .-]{7,18}$")
_USERNAME_MAX = User._meta.get_field("username").max_length or 150
_FULL_NAME_MAX = User._meta.get_field("full_name").max_length or 200


@dataclass(frozen=True)
class RoleSpec:
    """One role to grant: at ``agency``, and for a receiver optionally one desk."""

    agency: Agency
    role: str
    reception_point: ReceptionPoint | None = None


def check_assignment(
    agency: Agency | None,
    role: str,
    reception_point: ReceptionPoint | None = None,
    where: str = "",
) -> list[FieldError]:
    """Every reason why ``role`` cannot be held at ``agency`` (and ``reception_point``)."""
    prefix = f"{where}." if where else ""
    errors: list[FieldError] = []
    if role not in Role.values:
        errors.append(
            FieldError(
                f"{prefix}role", _("One of: %(values)s.") % {"values": ", ".join(Role.values)}
            )
        )
    if agency is None:
        errors.append(FieldError(f"{prefix}agency", _("Required.")))
        return errors
    today = local_date(timezone.now())
    if agency.valid_to and agency.valid_to < today:
        errors.append(
            FieldError(
                f"{prefix}agency",
                _("%(agency)s ceased to exist on %(date)s.")
                % {"agency": agency.code, "date": agency.valid_to.isoformat()},
            )
        )
    if role == Role.RECEIVER and agency.kind != AgencyKind.SERVICE_CENTRE:
        errors.append(
            FieldError(
                f"{prefix}agency",
                _("A receiver works at a service centre; %(agency)s is not one.")
                % {"agency": agency.code},
            )
        )
    if role == Role.PROVINCE_ADMIN and agency.level != Level.PROVINCE:
        errors.append(
            FieldError(
                f"{prefix}agency",
                _("A province administrator is attached to a provincial agency."),
            )
        )
    if reception_point is not None:
        if role != Role.RECEIVER:
            errors.append(
                FieldError(f"{prefix}reception_point", _("Only a receiver has a reception point."))
            )
        elif reception_point.agency_id != agency.pk:
            errors.append(
                FieldError(
                    f"{prefix}reception_point",
                    _("Reception point %(point)s does not belong to %(agency)s.")
                    % {"point": reception_point.code, "agency": agency.code},
                )
            )
        elif not reception_point.is_active:
            errors.append(
                FieldError(
                    f"{prefix}reception_point",
                    _("Reception point %(point)s is closed.") % {"point": reception_point.code},
                )
            )
    return errors


def _role_group(role: str) -> Group:
    group, _created = Group.objects.get_or_create(name=GROUP_NAMES[Role(role)])
    if role == Role.PROVINCE_ADMIN:
        perms = Permission.objects.filter(content_type__app_label__in=PROVINCE_ADMIN_APPS)
    else:
        pairs = [p.split(".", 1) for p in AGENCY_ADMIN_PERMISSIONS]
        perms = Permission.objects.filter(
            content_type__app_label__in={a for a, _c in pairs},
            codename__in={c for _a, c in pairs},
        )
    # Set on every sync: apps migrated later (the catalogue, dossiers) add permissions.
    group.permissions.set(perms)
    return group


def _sync_staff(official: User) -> None:
    """Admin roles give access to the admin site; losing the last one takes it away."""
    held = set(
        RoleAssignment.objects.filter(
            official=official, is_active=True, role__in=ADMIN_ROLES
        ).values_list("role", flat=True)
    )
    granted_before = official.groups.filter(name__in=GROUP_NAMES.values()).exists()
    for role in ADMIN_ROLES:
        group = _role_group(role)
        if role in held:
            official.groups.add(group)
        else:
            official.groups.remove(group)
    if held and not official.is_staff:
        official.is_staff = True
        official.save(update_fields=["is_staff"])
    elif not held and granted_before and official.is_staff and not official.is_superuser:
        official.is_staff = False
        official.save(update_fields=["is_staff"])


def _assign(
    official: User, agency: Agency, role: str, reception_point: ReceptionPoint | None
) -> RoleAssignment:
    assignment, created = RoleAssignment.objects.get_or_create(
        official=official,
        agency=agency,
        role=role,
        defaults={"reception_point": reception_point, "is_active": True},
    )
    if not created and (
        not assignment.is_active
        or assignment.reception_point_id != getattr(reception_point, "pk", None)
    ):
        assignment.is_active = True
        assignment.reception_point = reception_point
        assignment.save(update_fields=["is_active", "reception_point"])
    return assignment


@transaction.atomic
def assign_role(
    official: User,
    agency: Agency | None,
    role: str,
    reception_point: ReceptionPoint | None = None,
) -> RoleAssignment:
    """Grant ``role`` at ``agency``, or re-activate / re-point it; idempotent."""
    errors = check_assignment(agency, role, reception_point)
    if not official.is_active:
        errors.append(FieldError("official", _("This account is deactivated.")))
    if errors or agency is None:
        raise ValidationFailed(_("The role cannot be assigned."), errors)
    assignment = _assign(official, agency, role, reception_point)
    _sync_staff(official)
    return assignment


@transaction.atomic
def revoke_role(official: User, agency: Agency, role: str) -> RoleAssignment:
    """Withdraw an active role; the assignment stays, inactive, for the history."""
    assignment = RoleAssignment.objects.filter(
        official=official, agency=agency, role=role, is_active=True
    ).first()
    if assignment is None:
        raise NotFound(
            _("%(official)s holds no active role %(role)s at %(agency)s.")
            % {"official": official.username, "role": role, "agency": agency.code}
        )
    assignment.is_active = False
    assignment.save(update_fields=["is_active"])
    _sync_staff(official)
    return assignment


def check_official(
    username: str, full_name: str, email: str = "", phone: str = ""
) -> list[FieldError]:
    """Problems with an official's identity fields (before the account exists)."""
    errors: list[FieldError] = []
    if not username:
        errors.append(FieldError("username", _("Required.")))
    elif len(username) > _USERNAME_MAX:
        errors.append(FieldError("username", _("At most %(n)s characters.") % {"n": _USERNAME_MAX}))
    else:
        try:
            UnicodeUsernameValidator()(username)
        except DjangoValidationError:
            errors.append(
                FieldError("username", _("Letters, digits and @ . + - _ only, without spaces."))
            )
        if User.objects.filter(username__iexact=username).exists():
            errors.append(
                FieldError(
                    "username", _("The login %(username)r is taken.") % {"username": username}
                )
            )
    if not full_name.strip():
        errors.append(FieldError("full_name", _("Required: receipts carry the official's name.")))
    elif len(full_name) > _FULL_NAME_MAX:
        errors.append(
            FieldError("full_name", _("At most %(n)s characters.") % {"n": _FULL_NAME_MAX})
        )
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            errors.append(FieldError("email", _("Not a valid e-mail address.")))
    if phone and not _PHONE.match(phone):
        errors.append(FieldError("phone", _("Digits only, optionally a leading +, 8 to 19 long.")))
    return errors


@transaction.atomic
def create_official(
    username: str,
    full_name: str,
    *,
    password: str | None = None,
    email: str = "",
    phone: str = "",
    roles: Iterable[RoleSpec] = (),
) -> User:
    """Create an official's account with its roles; all or nothing.

    Without ``password`` the account cannot log in until one is set (by the official through
    a reset, or by an administrator).
    """
    username, email, phone = username.strip(), email.strip(), phone.strip()
    errors = check_official(username, full_name, email, phone)
    specs = list(roles)
    for i, spec in enumerate(specs):
        errors += check_assignment(spec.agency, spec.role, spec.reception_point, f"roles[{i}]")
    user = User(username=username, full_name=full_name.strip(), email=email, phone=phone)
    if password is not None:
        try:
            validate_password(password, user)
        except DjangoValidationError as exc:
            errors += [FieldError("password", str(message)) for message in exc.messages]
    if errors:
        raise ValidationFailed(_("The official cannot be created."), errors)
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save()
    for spec in specs:
        _assign(user, spec.agency, spec.role, spec.reception_point)
    _sync_staff(user)
    return user
