from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from motcua.agencies.services import decode_csv, import_divisions_csv
from motcua.cli.base import MotcuaCommand
from motcua.core.errors import invalid


class Command(MotcuaCommand):
    help = (
        "Import communes, wards and special zones from the statistics office's list: a UTF-8 CSV "
        "with the header code,name,kind,parent_code[,valid_from,valid_to] (lines starting with # "
        "are comments). All or nothing; upsert by code. Format: docs/agencies.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the CSV file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise invalid(
                "file",
                _("Cannot read %(path)s: %(reason)s")
                % {
                    "path": path,
                    "reason": exc.strerror or exc,
                },
            ) from exc
        result = import_divisions_csv(decode_csv(data))
        if options["verbosity"]:
            self.stdout.write(
                _("Divisions: %(created)s added, %(updated)s updated, %(unchanged)s unchanged.")
                % {
                    "created": len(result.created),
                    "updated": len(result.updated),
                    "unchanged": len(result.unchanged),
                }
            )
