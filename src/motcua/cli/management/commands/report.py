"""``motcua report``: the period report (Biểu II.06a) as JSON, a screen table, Excel or PDF.

Read-only for dossiers. Every argument is checked before anything is written; a file is written
to a temporary name beside ``--output`` and renamed when complete, so a failure leaves nothing.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.db import DatabaseError
from django.utils.translation import gettext as _

from motcua.cli.base import MotcuaCommand
from motcua.core.errors import FieldError, NotFound, ValidationFailed
from motcua.stats.report import BREAKDOWNS, build_report
from motcua.stats.report_form import render_table

FORMATS = ("json", "table", "xlsx", "pdf")
BINARY = {"xlsx", "pdf"}
# The API's argument names, as this command's options.
OPTIONS = {
    "from": "--from",
    "to": "--to",
    "agency": "--agency",
    "level": "--level",
    "field": "--field",
    "procedure": "--procedure",
    "channel": "--channel",
    "as_of": "--as-of",
    "breakdown": "--breakdown",
}


class Command(MotcuaCommand):
    help = (
        "The period report (Biểu II.06a): dossiers carried over, received, resolved and in "
        "progress over a period, with the on-time and online rates; as JSON (default), a table, "
        "Excel or PDF."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        # Read as text and checked together in handle(), so every bad argument is reported
        # at once, by name, in the user's language.
        parser.add_argument("--from", dest="date_from", help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", help="last day (inclusive), YYYY-MM-DD")
        parser.add_argument("--agency", help="agency code: the agency and every agency below it")
        parser.add_argument("--level", help="central, province, district or commune")
        parser.add_argument("--field", help="field code (lĩnh vực)")
        parser.add_argument("--procedure", help="procedure code")
        parser.add_argument("--channel", help="counter, online or postal")
        parser.add_argument(
            "--as-of",
            help="evaluate as of this ISO 8601 instant (default and latest: the end of the "
            "period, or now if earlier)",
        )
        parser.add_argument("--format", default="json", help="json (default), table, xlsx, pdf")
        parser.add_argument(
            "--breakdown",
            help="rows by agency, level, field, procedure, channel or month "
            "(table, xlsx and pdf default to field, as on the form)",
        )
        parser.add_argument(
            "--output",
            help="file to write (default: standard output; for xlsx/pdf a file name "
            "built from the period in the current directory)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        errors: list[FieldError] = []
        fmt = (options["format"] or "json").strip()
        if fmt not in FORMATS:
            errors.append(
                FieldError("--format", _("One of: %(values)s.") % {"values": ", ".join(FORMATS)})
            )
        output = self._output(options["output"], fmt, options, errors)
        breakdown = options["breakdown"]
        if not breakdown and fmt in {"table", "xlsx", "pdf"}:
            breakdown = "field"
        scope_args = {
            key: options[key] for key in ("agency", "level", "field", "procedure", "channel")
        }
        try:
            report = build_report(
                scope_args,
                options["date_from"],
                options["date_to"],
                as_of=options["as_of"],
                breakdown=breakdown,
            )
        except ValidationFailed as exc:
            raise ValidationFailed(
                _("The arguments are not valid."),
                [FieldError(OPTIONS.get(e.field, e.field), e.message) for e in exc.errors] + errors,
            ) from None
        except DatabaseError:
            raise NotFound(_("The database is not ready: run `motcua init`.")) from None
        if errors:
            raise ValidationFailed(_("The arguments are not valid."), errors)

        if fmt == "json":
            content: bytes = (
                json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n"
            ).encode()
        elif fmt == "table":
            content = render_table(report).encode()
        elif fmt == "xlsx":
            from motcua.stats.report_xlsx import render_xlsx

            content = render_xlsx(report)
        else:
            from motcua.stats.report_pdf import render_pdf

            content = render_pdf(report)
        if output is None:
            self.stdout.write(content.decode(), ending="")
            return
        try:
            _write(output, content)
        except OSError as exc:
            raise ValidationFailed(
                _("The arguments are not valid."),
                [FieldError("--output", _("Cannot write the file: %(error)s") % {"error": exc})],
            ) from None
        if fmt in BINARY:
            self.stdout.write(_("Written: %(path)s") % {"path": output})

    @staticmethod
    def _output(
        text: str | None, fmt: str, options: dict[str, Any], errors: list[FieldError]
    ) -> Path | None:
        if not text or not text.strip():
            if fmt not in BINARY:
                return None
            first, last = options["date_from"] or "", options["date_to"] or ""
            return Path(f"bao-cao-II06a_{first}_{last}.{fmt}")
        path = Path(text.strip())
        if path.is_dir():
            errors.append(FieldError("--output", _("%(path)s is a directory.") % {"path": path}))
        elif not path.parent.resolve().is_dir():
            errors.append(
                FieldError("--output", _("No directory %(path)s.") % {"path": path.parent or "."})
            )
        return path


def _write(path: Path, content: bytes) -> None:
    directory = path.parent.resolve()
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


__all__ = ["BREAKDOWNS", "Command"]
