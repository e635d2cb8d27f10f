"""The ``motcua`` command: Django management commands under friendlier names.

``motcua import-catalog FILE`` runs the ``import_catalog`` command; any other Django command
(``motcua migrate``, ``motcua createsuperuser``) passes through unchanged.
"""

from __future__ import annotations

import os
import sys

COMMANDS = {
    "init": "create or migrate the database, seed the calendar, load the provinces (idempotent)",
    "demo": "init, load the sample province and catalogue, print logins, serve on :8000",
    "serve": "run the web application with the production server (gunicorn)",
    "worker": "run the background task worker",
    "deadline": "compute a due time on the working-day calendar",
    "import-catalog": "import agencies and procedures from a JSON file",
    "export-catalog": "export agencies and procedures as JSON",
    "import-divisions": "import communes/wards from the statistics office's CSV list",
    "tick": "run the scheduled work once (supplement-limit cancellations, lost deliveries)",
    "import-dossiers": "import dossiers from another system (JSON Lines)",
    "report": "the period report (Biểu II.06a) as json, table, xlsx or pdf",
    "stats-rebuild": "rebuild the statistics' daily flows from the dossiers (after a repair)",
    "service-index": "the service index (Decision 766) for a period and scope",
    "create-token": "create an API token for an official (shown once)",
    "revoke-token": "revoke an API token",
    "totp-code": "print an official's current second-factor code (demo and tests only)",
    "openapi": "write or check docs/openapi.json",
}


def _usage() -> str:
    lines = ["usage: motcua COMMAND [options]", "", "commands:"]
    lines += [f"  {name:<18} {text}" for name, text in COMMANDS.items()]
    lines += [
        "",
        "Every Django management command is also available (motcua migrate, …).",
        "Run 'motcua COMMAND --help' for the options of a command.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    if not args or args[0] in {"-h", "--help", "help"}:
        print(_usage())
        return
    if args[0] == "demo":
        os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["motcua", args[0].replace("-", "_"), *args[1:]])


if __name__ == "__main__":
    main()
