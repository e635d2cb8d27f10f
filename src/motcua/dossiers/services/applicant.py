"""Checks of the applicant's particulars."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from .fields import Reader

_PHONE = re.compile(r"^(0|\+84)\d{9,10}$")


def national_id_problem(value: str) -> str | None:
    """12 digits: province/country code 001–096, century-and-sex digit, birth year, 6 digits."""
    if not re.fullmatch(r"\d{12}", value):
        return _("A national ID number has exactly 12 digits.")
    province = int(value[:3])
    if not 1 <= province <= 96:
        return _("The first three digits (place of birth registration) must be 001–096.")
    return None


def read_applicant(read: Reader) -> dict[str, str]:
    data = read.data.get("applicant")
    if not isinstance(data, dict):
        read.fail("applicant", _("The applicant's particulars are required."))
        return {}
    sub = Reader(data)
    values = {
        "applicant_kind": sub.choice("kind", ["citizen", "organisation"]) or "citizen",
        "applicant_name": sub.text("name", required=True, max_length=300),
        "applicant_national_id": sub.text("national_id", max_length=20),
        "applicant_phone": sub.text("phone", max_length=20).replace(" ", "").replace(".", ""),
        "applicant_email": sub.text("email", max_length=254),
        "applicant_address": sub.text("address", max_length=500),
    }
    nid = values["applicant_national_id"]
    if nid and values["applicant_kind"] == "citizen":
        problem = national_id_problem(nid)
        if problem:
            sub.fail("national_id", problem)
    if values["applicant_phone"] and not _PHONE.match(values["applicant_phone"]):
        sub.fail("phone", _("A Vietnamese phone number: 10 digits starting with 0, or +84."))
    if values["applicant_email"]:
        try:
            validate_email(values["applicant_email"])
        except ValidationError:
            sub.fail("email", _("Not a valid e-mail address."))
    for error in sub.errors:
        read.fail(f"applicant.{error.field}", error.message)
    return values
