"""Reading an action's input (a dict from the API, the web form or the CLI) with field errors."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from motcua.core.errors import FieldError, ValidationFailed
from motcua.core.localtime import parse_instant


class Reader:
    """Collects every problem of an input before anything is written."""

    def __init__(self, data: dict[str, Any] | None) -> None:
        self.data = data or {}
        self.errors: list[FieldError] = []

    def fail(self, field: str, message: str) -> None:
        self.errors.append(FieldError(field, message))

    def text(self, field: str, *, required: bool = False, max_length: int = 5000) -> str:
        value = self.data.get(field)
        if value is None or value == "":
            if required:
                self.fail(field, _("This field is required."))
            return ""
        if not isinstance(value, str):
            self.fail(field, _("Expected a text."))
            return ""
        value = value.strip()
        if required and not value:
            self.fail(field, _("This field is required."))
        if len(value) > max_length:
            self.fail(field, _("At most %(n)s characters.") % {"n": max_length})
        return value

    def items(self, field: str, *, required: bool = False) -> list[str]:
        value = self.data.get(field)
        if value in (None, []):
            if required:
                self.fail(field, _("List at least one item."))
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail(field, _("Expected a list of non-empty texts."))
            return []
        return [v.strip() for v in value]

    def instant(self, field: str, *, required: bool = False) -> datetime | None:
        value = self.data.get(field)
        if value in (None, ""):
            if required:
                self.fail(field, _("This field is required."))
            return None
        if isinstance(value, datetime):
            return value
        try:
            return parse_instant(str(value))
        except ValueError:
            self.fail(field, _("Expected an ISO 8601 date-time."))
            return None

    def decimal(self, field: str, *, required: bool = False) -> Decimal | None:
        value = self.data.get(field)
        if value in (None, ""):
            if required:
                self.fail(field, _("This field is required."))
            return None
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            self.fail(field, _("Expected a number."))
            return None
        if not number.is_finite() or number <= 0 or number > 10_000:
            self.fail(field, _("Expected a number greater than 0."))
            return None
        return number

    def choice(self, field: str, choices: list[str], *, required: bool = False) -> str:
        value = self.text(field, required=required)
        if value and value not in choices:
            self.fail(field, _("One of: %(values)s.") % {"values": ", ".join(choices)})
            return ""
        return value

    def check(self, detail: str | None = None) -> None:
        if self.errors:
            raise ValidationFailed(detail or _("The input is not valid."), self.errors)
