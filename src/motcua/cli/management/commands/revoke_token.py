"""``motcua revoke-token USERNAME NAME``: the token stops working at once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from motcua.cli.base import MotcuaCommand
from motcua.identity.tokens import revoke_token


class Command(MotcuaCommand):
    help = "Revoke USERNAME's API token called NAME; requests with it are refused from now on."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("name")

    def handle(self, *args: Any, **options: Any) -> None:
        token = revoke_token(options["username"], options["name"])
        self.stdout.write(
            _("Token %(name)r of %(user)s revoked.")
            % {"name": token.name, "user": token.user.username}
        )
