"""Shape of agency codes (Decision 20/2020/QĐ-TTg electronic identifiers).

A code is dot-separated groups read from the most specific to the least: ``000.00.00.H30`` is
level 4 (3 digits), level 3 (2), level 2 (2) and level 1 (a letter and two digits: ``H`` for a
province, ``G`` for a ministry). Extended codes add groups; the whole is at most 35 characters.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

MAX_LENGTH = 35
_LEVEL1 = re.compile(r"^[A-Z]\d{2}$")
_DIGITS = re.compile(r"^\d{2,3}$")


def code_problem(code: str) -> str | None:
    """None when ``code`` has the shape of an agency code, otherwise why not."""
    if not code:
        return _("The agency code is empty.")
    if len(code) > MAX_LENGTH:
        return _("An agency code has at most %(n)s characters.") % {"n": MAX_LENGTH}
    if code != code.strip() or " " in code:
        return _("An agency code contains no spaces.")
    groups = code.split(".")
    if len(groups) < 4:
        return _("An agency code has at least 4 dot-separated groups, e.g. 000.00.00.H30.")
    if not _LEVEL1.match(groups[-1]):
        return _("The last group (level 1) is a capital letter and two digits, e.g. H30 or G14.")
    for group in groups[:-1]:
        if not _DIGITS.match(group):
            return _("Group %(group)r must have 2 or 3 digits.") % {"group": group}
    return None
