"""``motcua import-catalog FILE.json``: agencies and procedures, all or nothing."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from motcua.catalog.services import ImportResult, import_catalog
from motcua.cli.base import MotcuaCommand
from motcua.core.errors import FieldError, ValidationFailed


class _DryRun(Exception):
    def __init__(self, result: ImportResult) -> None:
        self.result = result


def read_json(path: Path) -> Any:
    """The parsed file; a missing, unreadable or malformed file is a ``ValidationFailed``
    naming the line and column. Numbers with a fraction become ``Decimal`` (no float drift)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise ValidationFailed(_("No such file: %(path)s") % {"path": path}) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationFailed(
            _("Cannot read %(path)s as UTF-8 text: %(reason)s") % {"path": path, "reason": exc}
        ) from exc
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        where = _("line %(line)s, column %(column)s") % {"line": exc.lineno, "column": exc.colno}
        raise ValidationFailed(
            _("%(path)s is not valid JSON.") % {"path": path},
            [FieldError(where, exc.msg)],
        ) from exc


def summary(result: ImportResult, dry_run: bool = False) -> str:
    lines = [
        _("Agencies: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.")
        % {
            "created": len(result.agencies.created),
            "updated": len(result.agencies.updated),
            "unchanged": len(result.agencies.unchanged),
        },
        _("Fields: %(created)s created, %(renamed)s renamed.")
        % {"created": len(result.fields_created), "renamed": len(result.fields_renamed)},
        _(
            "Procedures: %(created)s created, %(versioned)s new versions, %(updated)s drafts "
            "or statuses updated, %(unchanged)s unchanged; %(published)s published, "
            "%(retired)s retired."
        )
        % {
            "created": len(result.created),
            "versioned": len(result.versioned),
            "updated": len(result.updated),
            "unchanged": len(result.unchanged),
            "published": len(result.published),
            "retired": len(result.retired),
        },
    ]
    if dry_run:
        lines.append(_("Dry run: nothing was written."))
    return "\n".join(lines)


class Command(MotcuaCommand):
    help = (
        "Import agencies and procedures from a catalogue file (docs/catalog-format.md): "
        "upsert by code, all or nothing; every problem is reported as 'path: message'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="catalogue file (JSON)")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="validate and report what would change, then roll back",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        data = read_json(Path(options["file"]))
        if options["dry_run"]:
            try:
                with transaction.atomic():
                    raise _DryRun(import_catalog(data))
            except _DryRun as done:
                self.stdout.write(summary(done.result, dry_run=True))
            return
        self.stdout.write(summary(import_catalog(data)))
