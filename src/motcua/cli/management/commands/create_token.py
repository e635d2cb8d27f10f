"""``motcua create-token USERNAME NAME``: an API token acting as USERNAME; prints the secret
once (it is not stored, only its SHA-256 digest)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from motcua.cli.base import MotcuaCommand
from motcua.identity.tokens import create_token


class Command(MotcuaCommand):
    help = (
        "Create an API token acting as USERNAME (an official, or the portal's account) and "
        "print its secret, once: it cannot be shown again. Send it as 'Authorization: Bearer "
        "SECRET'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("name", help="what the token is for, e.g. 'national portal'")

    def handle(self, *args: Any, **options: Any) -> None:
        token, secret = create_token(options["username"], options["name"])
        # The secret alone on stdout, so that scripts can capture it; the rest on stderr.
        self.stderr.write(
            _("Token %(name)r created for %(user)s. Keep the secret now: it is not stored.")
            % {"name": token.name, "user": token.user.username}
        )
        self.stdout.write(secret)
