"""``motcua import-dossiers FILE.jsonl [--skip-invalid]``: dossiers from another system."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

import motcua.stats.sweep  # noqa: F401  (rebuilds the statistics of the imported range)
from motcua.cli.base import MotcuaCommand
from motcua.core.errors import FieldError, ValidationFailed
from motcua.dossiers.importing import ImportResult, import_history


def summary(result: ImportResult) -> list[str]:
    lines = [
        _("Imported %(n)s dossiers in %(seconds).1f s (%(rate)s dossiers/s).")
        % {
            "n": f"{result.imported:,}",
            "seconds": result.import_seconds,
            "rate": f"{result.rate:,.0f}",
        }
    ]
    if result.imported and result.first_received and result.last_instant:
        lines.append(
            _("Statistics rebuilt from %(first)s to %(last)s in %(seconds).1f s.")
            % {
                "first": f"{result.first_received:%Y-%m-%d}",
                "last": f"{result.last_instant:%Y-%m-%d}",
                "seconds": result.aggregate_seconds,
            }
        )
    if result.rejects_path is not None:
        lines.append(
            _(
                "%(n)s invalid lines skipped, written as they were to %(path)s "
                "(their reasons are on the error output)."
            )
            % {"n": f"{result.invalid_lines:,}", "path": result.rejects_path}
        )
    return lines


class Command(MotcuaCommand):
    help = (
        "Import dossiers from a JSON Lines file (docs/import-dossiers.md): all or nothing, "
        "every invalid line reported as 'line N: field: reason'; --skip-invalid imports the "
        "valid lines and writes the others, as they were, to FILE.rejected.jsonl."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="dossier file (JSON Lines, one dossier a line)")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="import the valid lines; write the invalid ones to FILE.rejected.jsonl",
        )
        parser.add_argument(
            "--batch-size", type=int, default=20_000, help="lines checked and written at once"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbose = options["verbosity"] >= 2

        def progress(read: int, imported: int, invalid: int) -> None:
            if verbose:
                sys.stderr.write(
                    _("%(read)s lines read, %(imported)s imported, %(invalid)s invalid")
                    % {"read": f"{read:,}", "imported": f"{imported:,}", "invalid": invalid}
                    + "\n"
                )

        def report(error: FieldError) -> None:
            # Every problem of every invalid line as it is found: a large file's are not
            # held in memory, nor cut to the first hundred.
            self.stderr.write(f"{error.field}: {error.message}")

        try:
            result = import_history(
                Path(options["file"]),
                skip_invalid=options["skip_invalid"],
                batch_size=max(1, options["batch_size"]),
                progress=progress,
                on_error=report,
            )
        except ValidationFailed as exc:
            raise ValidationFailed(exc.detail) from exc  # its lines are printed already
        for line in summary(result):
            self.stdout.write(line)
