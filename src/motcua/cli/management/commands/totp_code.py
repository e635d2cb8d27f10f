"""``motcua totp-code USERNAME``: the authenticator code USERNAME would type now.

For the demo and the browser tests only: it refuses unless DEBUG is on, since on a real
deployment it would let whoever runs commands on the server pass anyone's second factor.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from motcua.cli.base import MotcuaCommand
from motcua.core.errors import PermissionDenied
from motcua.identity.selectors import current_code


class Command(MotcuaCommand):
    help = (
        "Print the current authenticator (TOTP) code of USERNAME. Only with DEBUG on (the "
        "demo): it exists so that demo users and browser tests can log in without a phone."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise PermissionDenied(
                _(
                    "totp-code works only with DEBUG on (the demo): on a real deployment it "
                    "would bypass the second factor."
                )
            )
        self.stdout.write(current_code(options["username"]))
