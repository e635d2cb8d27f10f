"""``motcua import-dossiers FILE.jsonl [--skip-invalid]``: dossiers from another system."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

import motcua.stats.sweep  # noqa: F401  (rebuilds the statistics of the imported range)
from motcua.cli.base import MotcuaCommand
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
            _("%(n)s invalid lines skipped, written with their reasons to %(path)s.")
            % {"n": f"{result.invalid_lines:,}", "path": result.rejects_path}
        )
    return lines


class Command(MotcuaCommand):
    help = (
        "Import dossiers from a JSON Lines file (docs/import-dossiers.md): all or nothing, "
        "every invalid line reported as 'line N: field: reason'; --skip-invalid imports the "
        "valid lines and writes the others to FILE.rejected.jsonl."
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

        result = import_history(
            Path(options["file"]),
            skip_invalid=options["skip_invalid"],
            batch_size=max(1, options["batch_size"]),
            progress=progress,
        )
        for line in summary(result):
            self.stdout.write(line)
        if result.rejects_path is not None and result.invalid_lines:
            listed = result.errors
            for error in listed:
                self.stderr.write(f"{error.field}: {error.message}")
