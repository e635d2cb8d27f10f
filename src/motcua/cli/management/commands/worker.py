"""``motcua worker``: the background task worker (django-tasks-db's ``db_worker``), which also
keeps the scheduled work (``dossiers.tasks.tick``) on its schedule."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from motcua.cli.base import MotcuaCommand
from motcua.dossiers.tasks import ensure_tick_scheduled


class Command(MotcuaCommand, DbWorkerCommand):
    help = (
        "Run the background task worker (notifications, scheduled work, sync to other systems). "
        "Processes every queue by default; run several for more throughput. At start it "
        "enqueues the scheduled work (the tick) unless one is already waiting; --no-tick leaves "
        "that to 'motcua tick' from cron. Other options as db_worker."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        # motcua enqueues on several queues (default, notifications): one worker takes all.
        parser.set_defaults(queue_name="*")
        parser.add_argument(
            "--no-tick",
            action="store_false",
            dest="tick",
            help="do not start the self-rescheduling tick (scheduled work run by cron instead)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        tick = options.pop("tick", True)
        # A batch run works off what is queued and exits: it must not start a schedule.
        if tick and not options.get("batch"):
            ensure_tick_scheduled()
        super().handle(*args, **options)
