"""Base for motcua's commands: domain errors become a message on stderr and exit code 2."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from motcua.core.errors import DomainError


class MotcuaCommand(BaseCommand):
    def execute(self, *args: Any, **options: Any) -> str | None:
        try:
            return super().execute(*args, **options)
        except DomainError as exc:
            self.stderr.write(f"{_('error')}: {exc}")
            sys.exit(2)
        except CommandError:
            raise
