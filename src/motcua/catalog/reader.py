"""Typed reads out of parsed JSON, each bad value recorded as a ``FieldError`` with its path.

Used by the catalogue validation; messages say what was expected, never echo the bad value.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from motcua.core.errors import FieldError

MAX_AMOUNT = Decimal("99999.99")  # DecimalField(max_digits=7, decimal_places=2)


class JsonReader:
    """Reads typed values out of JSON objects, recording one error per bad value."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append(FieldError(path, message))

    def obj(self, value: Any, path: str) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.error(path, _("Expected an object."))
            return None
        return value

    def unknown(self, obj: dict[str, Any], allowed: tuple[str, ...], path: str) -> None:
        for key in sorted(set(obj) - set(allowed), key=str):
            self.error(f"{path}.{key}", _("Unknown key."))

    def text(
        self,
        obj: dict[str, Any],
        key: str,
        path: str,
        *,
        max_length: int | None = None,
        required: bool = False,
    ) -> str:
        where = f"{path}.{key}"
        value = obj.get(key)
        if value is None:
            if required:
                self.error(where, _("Required."))
            return ""
        if not isinstance(value, str):
            self.error(where, _("Expected a text."))
            return ""
        value = value.strip()
        if required and not value:
            self.error(where, _("Must not be empty."))
        if max_length is not None and len(value) > max_length:
            self.error(where, _("At most %(n)s characters.") % {"n": max_length})
        return value

    def boolean(self, obj: dict[str, Any], key: str, path: str, default: bool) -> bool:
        value = obj.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.error(f"{path}.{key}", _("Expected true or false."))
            return default
        return value

    def integer(
        self, obj: dict[str, Any], key: str, path: str, default: int, low: int, high: int
    ) -> int:
        where = f"{path}.{key}"
        value = obj.get(key)
        if value is None:
            return default
        if isinstance(value, Decimal) and value == value.to_integral_value():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(where, _("Expected a whole number."))
            return default
        if value < low:
            self.error(where, _("Must be at least %(min)s.") % {"min": low})
        elif value > high:
            self.error(where, _("Must be at most %(max)s.") % {"max": high})
        return value

    def amount(self, value: Any, where: str) -> Decimal | None:
        """A positive number of days or hours with at most 2 decimal places."""
        if value is None:
            self.error(where, _("Required."))
            return None
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            self.error(where, _("Expected a number."))
            return None
        try:
            amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        except InvalidOperation:
            self.error(where, _("Expected a number."))
            return None
        if not amount.is_finite():
            self.error(where, _("Expected a number."))
            return None
        if amount <= 0:
            self.error(where, _("Must be > 0."))
            return None
        if amount > MAX_AMOUNT:
            self.error(where, _("Must be at most %(max)s.") % {"max": MAX_AMOUNT})
            return None
        if amount != amount.quantize(Decimal("0.01")):
            self.error(where, _("At most 2 decimal places."))
            return None
        return amount

    def choice(
        self,
        obj: dict[str, Any],
        key: str,
        path: str,
        values: tuple[str, ...] | list[str],
        default: str | None = None,
        required: bool = False,
    ) -> str | None:
        where = f"{path}.{key}"
        value = obj.get(key)
        if value is None:
            if required:
                self.error(where, _("Required."))
            return default
        if not isinstance(value, str) or value not in values:
            self.error(where, _("One of: %(values)s.") % {"values": ", ".join(values)})
            return default
        return value

    def day(self, obj: dict[str, Any], key: str, path: str) -> str | None:
        value = obj.get(key)
        if value is None:
            return None
        if isinstance(value, str) and len(value) == 10:
            try:
                return date.fromisoformat(value).isoformat()
            except ValueError:
                pass
        self.error(f"{path}.{key}", _("Expected a date YYYY-MM-DD."))
        return None

    def items(self, obj: dict[str, Any], key: str, path: str) -> list[Any]:
        value = obj.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(f"{path}.{key}", _("Expected a list."))
            return []
        return value
