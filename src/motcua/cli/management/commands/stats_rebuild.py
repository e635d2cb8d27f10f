"""``motcua stats-rebuild``: recompute the report's daily flows from the dossier table and forget
the open snapshots, after history was written around the engine (an import, a repair)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.db import DatabaseError
from django.utils.translation import gettext as _

from motcua.cli.base import MotcuaCommand
from motcua.core.errors import FieldError, NotFound, ValidationFailed
from motcua.stats.rebuild import rebuild
from motcua.stats.report_args import parse_date


class Command(MotcuaCommand):
    help = (
        "Recompute the daily flows of the period report from the dossiers, from --from (default: "
        "the first dossier received) to --to (default: today), and forget the open snapshots "
        "from --from on."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="date_from", help="first local day, YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", help="last local day, YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        errors: list[FieldError] = []
        first = last = None
        if options["date_from"] is not None:
            first = parse_date(options["date_from"], "--from", errors)
        if options["date_to"] is not None:
            last = parse_date(options["date_to"], "--to", errors)
        if first and last and first > last:
            errors.append(FieldError("--from", _("The range starts after it ends.")))
        if errors:
            raise ValidationFailed(_("The arguments are not valid."), errors)
        try:
            summary = rebuild(first, last)
        except DatabaseError:
            raise NotFound(_("The database is not ready: run `motcua init`.")) from None
        if summary.first is None:
            self.stdout.write(_("No dossier has been received: nothing to rebuild."))
            return
        self.stdout.write(
            _(
                "Daily flows rebuilt from %(first)s to %(last)s: %(rows)s rows, %(received)s "
                "dossiers received, %(resolved)s resolved; %(snapshots)s snapshots forgotten."
            )
            % {
                "first": summary.first.isoformat(),
                "last": summary.last.isoformat() if summary.last else "",
                "rows": summary.rows,
                "received": summary.received,
                "resolved": summary.resolved,
                "snapshots": summary.snapshots_forgotten,
            }
        )
