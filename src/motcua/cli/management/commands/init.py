from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.utils.translation import gettext as _

from motcua.agencies.services import load_provinces
from motcua.cli.base import MotcuaCommand
from motcua.clock.selectors import calendar_range
from motcua.clock.services import ensure_default_calendar, seed_holidays


class Command(MotcuaCommand):
    help = (
        "Create or migrate the database, seed the default calendar and load the 34 provinces. "
        "Idempotent."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]
        call_command("migrate", interactive=False, verbosity=max(0, verbosity - 1))
        calendar = ensure_default_calendar()
        first, last = calendar_range()
        seeded = seed_holidays(calendar, first, last)
        provinces = load_provinces()
        if verbosity:
            self.stdout.write(
                _(
                    "Database ready. Working calendar %(first)s–%(last)s: "
                    "%(created)s days added, %(updated)s updated."
                )
                % {
                    "first": first,
                    "last": last,
                    "created": seeded.created,
                    "updated": seeded.updated,
                }
            )
            self.stdout.write(
                _(
                    "Provinces and cities: %(created)s added, %(updated)s updated, "
                    "%(unchanged)s unchanged."
                )
                % {
                    "created": len(provinces.created),
                    "updated": len(provinces.updated),
                    "unchanged": len(provinces.unchanged),
                }
            )
