"""``motcua export-catalog [--output FILE]``: the current catalogue as canonical JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from motcua.catalog.services import export_catalog, render_catalog
from motcua.cli.base import MotcuaCommand
from motcua.core.errors import ValidationFailed


class Command(MotcuaCommand):
    help = (
        "Export the current version of every procedure and the agencies they name, in the "
        "import format; the output is deterministic (export, import, export is identical)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", "-o", help="write to this file instead of stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        text = render_catalog(export_catalog())
        if not options["output"]:
            self.stdout.write(text, ending="")
            return
        path = Path(options["output"])
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ValidationFailed(
                _("Cannot write %(path)s: %(reason)s") % {"path": path, "reason": exc}
            ) from exc
        if options["verbosity"]:
            self.stderr.write(_("Wrote %(path)s.") % {"path": path})
