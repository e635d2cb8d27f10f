"""``motcua tick``: the engine's scheduled work, once — for cron or a systemd timer every few
minutes (the worker also runs it on its own schedule; running both is harmless)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from motcua.cli.base import MotcuaCommand
from motcua.dossiers.services.scheduled import run_scheduled


class Command(MotcuaCommand):
    help = (
        "Run the scheduled work once: cancel dossiers whose supplement limit has passed, and "
        "enqueue again notification deliveries whose task was lost. Idempotent; safe to run "
        "from cron every few minutes alongside the workers."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--json", action="store_true", help="print the report as one JSON object"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = run_scheduled()
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
        else:
            cancelled = len(report.cancelled)
            line = ngettext(
                "%(count)d dossier cancelled (supplement limit passed)",
                "%(count)d dossiers cancelled (supplement limit passed)",
                cancelled,
            ) % {"count": cancelled}
            if cancelled:
                line += ": " + ", ".join(report.cancelled)
            self.stdout.write(line)
            redelivered = len(report.redelivered)
            self.stdout.write(
                ngettext(
                    "%(count)d lost notification delivery enqueued again",
                    "%(count)d lost notification deliveries enqueued again",
                    redelivered,
                )
                % {"count": redelivered}
            )
            for code, error in report.cancel_errors.items():
                self.stderr.write(
                    _("dossier %(code)s not cancelled: %(error)s") % {"code": code, "error": error}
                )
        if report.cancel_errors:
            raise SystemExit(1)
