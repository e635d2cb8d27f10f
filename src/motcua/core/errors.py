"""Domain errors raised by services and selectors.

Every layer above translates them the same way: the API into RFC 9457 problem details, the CLI
into a message on stderr and a non-zero exit code, the web UI into a message on the form. A
service raises before it writes anything, or inside the transaction it rolls back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class FieldError:
    """One problem with one input field. ``field`` is a dotted path (``procedures[3].workflow``)."""

    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


@dataclass
class DomainError(Exception):
    """Base class: a request motcua understood and refuses."""

    detail: str
    errors: list[FieldError] = field(default_factory=list)
    status = 400
    type_slug = "bad-request"
    title: ClassVar[str | Promise] = _("Bad request")

    def __post_init__(self) -> None:
        super().__init__(self.detail)

    def __str__(self) -> str:
        if not self.errors:
            return self.detail
        lines = [self.detail] + [f"{e.field}: {e.message}" for e in self.errors]
        return "\n".join(lines)


class ValidationFailed(DomainError):
    status = 422
    type_slug = "validation-error"
    title = _("Invalid data")


class NotFound(DomainError):
    status = 404
    type_slug = "not-found"
    title = _("Not found")


class PermissionDenied(DomainError):
    status = 403
    type_slug = "forbidden"
    title = _("Not allowed")


class Conflict(DomainError):
    """The request is valid but not in the current state (wrong state, concurrent change)."""

    status = 409
    type_slug = "conflict"
    title = _("Conflict")


def invalid(field_path: str, message: str, detail: str | None = None) -> ValidationFailed:
    """Shorthand for a single-field validation error."""
    return ValidationFailed(detail or message, [FieldError(field_path, message)])
