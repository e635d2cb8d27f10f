"""``motcua deadline``: print the due time of an amount of working time, one ISO 8601 line.

Read-only: it computes on the calendar in the database and writes nothing.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.core.management.base import CommandParser
from django.db import DatabaseError
from django.utils.translation import gettext as _

from motcua.cli.base import MotcuaCommand
from motcua.clock.selectors import check_due_time, compute_due_time
from motcua.core.errors import FieldError, NotFound, ValidationFailed
from motcua.core.localtime import isoformat_local, parse_instant

_OPTIONS = {
    "start": "--start",
    "working_days": "--working-days",
    "working_hours": "--working-hours",
    "cutoff": "--cutoff",
    "restart_at": "--restart-at",
    "calendar": "--calendar",
}
_PAUSE_FIELD = re.compile(r"^pauses\[(\d+)\]")
_BOTH = "--working-days/--working-hours"
_AMOUNT_OPTIONS = {"--working-days", "--working-hours", _BOTH}


class Command(MotcuaCommand):
    help = (
        "Print the due time of an amount of working time from a start instant, on the working "
        "calendar in the database: one line, ISO 8601 with offset."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        # Everything is read as text and checked in handle(), so that every bad argument is
        # reported together, by name, in the user's language.
        parser.add_argument(
            "--start", help="ISO 8601 instant; without an offset it is local time (UTC+7)."
        )
        parser.add_argument("--working-days", help="amount in working days (8 h), e.g. 3 or 1.5")
        parser.add_argument("--working-hours", help="amount in working hours, e.g. 4 or 0.5")
        parser.add_argument(
            "--cutoff", help="HH:MM: received later on a working day, the clock starts next day"
        )
        parser.add_argument(
            "--pause",
            action="append",
            default=[],
            metavar="START/END",
            help="an interval during which the clock stops (repeatable)",
        )
        parser.add_argument(
            "--restart-at", help="restart policy: the whole amount runs again from this instant"
        )
        parser.add_argument("--calendar", help="calendar code (default: the default calendar)")

    def handle(self, *args: Any, **options: Any) -> None:
        errors: list[FieldError] = []
        start = self._instant(options["start"], "--start", errors, required=True)
        restart_at = self._instant(options["restart_at"], "--restart-at", errors)
        days = self._number(options["working_days"], "--working-days", errors)
        hours = self._number(options["working_hours"], "--working-hours", errors)
        amount_ok = all(e.field not in _AMOUNT_OPTIONS for e in errors)
        if options["working_days"] is None and options["working_hours"] is None:
            amount_ok = False
            errors.append(
                FieldError(_BOTH, _("Give the amount in working days or in working hours."))
            )
        elif options["working_days"] is not None and options["working_hours"] is not None:
            amount_ok = False
            errors.append(
                FieldError(_BOTH, _("Give either working days or working hours, not both."))
            )
        pauses, pause_names = self._pauses(options["pause"], errors)

        # The domain checks run on whatever parsed, so every problem is reported in one go;
        # a field already reported as unparsable is not reported twice.
        reported = {e.field for e in errors}
        checks = check_due_time(
            start=start,
            # An amount already refused above is replaced by a valid one, not checked again.
            working_days=days if amount_ok else None,
            working_hours=hours if amount_ok else 1.0,
            cutoff=options["cutoff"],
            pauses=pauses,
            restart_at=restart_at,
        )
        for e in checks:
            name = self._option(e.field, pause_names)
            if name not in reported:
                errors.append(FieldError(name, e.message))
        if errors or start is None:
            raise ValidationFailed(_("The arguments are not valid."), errors)

        try:
            result = compute_due_time(
                start=start,
                working_days=days,
                working_hours=hours,
                cutoff=options["cutoff"],
                pauses=pauses,
                restart_at=restart_at,
                calendar_code=options["calendar"],
            )
        except ValidationFailed as exc:
            raise ValidationFailed(
                _("The arguments are not valid."),
                [FieldError(self._option(e.field, pause_names), e.message) for e in exc.errors],
            ) from None
        except NotFound as exc:
            if options["calendar"]:
                raise ValidationFailed(
                    _("The arguments are not valid."), [FieldError("--calendar", exc.detail)]
                ) from None
            raise
        except DatabaseError:
            raise NotFound(
                _("The database has no working calendar yet: run `motcua init`.")
            ) from None
        assert result.due_at is not None  # the CLI refuses open pauses
        self.stdout.write(isoformat_local(result.due_at))

    def _pauses(
        self, texts: list[str], errors: list[FieldError]
    ) -> tuple[list[tuple[datetime, datetime | None]], list[str]]:
        """The pauses that parse, and the option name of each (``--pause #2``) for messages."""
        pauses: list[tuple[datetime, datetime | None]] = []
        names: list[str] = []
        for i, text in enumerate(texts):
            name = "--pause" if len(texts) == 1 else f"--pause #{i + 1}"
            parts = text.split("/")
            if len(parts) != 2:
                errors.append(
                    FieldError(name, _("Give a pause as START/END, two ISO 8601 instants."))
                )
                continue
            if not parts[1].strip():
                errors.append(FieldError(name, _("A pause needs an end (START/END).")))
                continue
            p_start = self._instant(parts[0], name, errors, required=True)
            p_end = self._instant(parts[1], name, errors)
            if p_start is not None and p_end is not None:
                pauses.append((p_start, p_end))
                names.append(name)
        return pauses, names

    @staticmethod
    def _instant(
        text: str | None, name: str, errors: list[FieldError], *, required: bool = False
    ) -> datetime | None:
        if text is None or not text.strip():
            if required:
                errors.append(FieldError(name, _("This argument is required.")))
            return None
        try:
            return parse_instant(text)
        except ValueError:
            errors.append(
                FieldError(
                    name,
                    _(
                        "%(text)r is not an ISO 8601 instant "
                        "(e.g. 2026-03-10T08:00 or 2026-03-10T08:00+07:00)."
                    )
                    % {"text": text},
                )
            )
            return None

    @staticmethod
    def _number(text: str | None, name: str, errors: list[FieldError]) -> float | None:
        if text is None:
            return None
        try:
            return float(text)
        except ValueError:
            errors.append(FieldError(name, _("%(text)r is not a number.") % {"text": text}))
            return None

    @staticmethod
    def _option(field: str, pause_names: list[str]) -> str:
        match = _PAUSE_FIELD.match(field)
        if match:
            return pause_names[int(match.group(1))]
        return _OPTIONS.get(field, field)
