"""``motcua demo``: initialise, load the sample province and catalogue, print the logins, serve.

Idempotent: a second run reuses the database and the demo password kept under ``var/``.
"""

from __future__ import annotations

import importlib
import json
import secrets
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from motcua.agencies.models import Role
from motcua.agencies.services import SampleProvince, load_sample_province
from motcua.cli.base import MotcuaCommand
from motcua.cli.demo_history import seed_history
from motcua.cli.management.commands.serve import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    DEFAULT_WORKERS,
    check_port_free,
    run_server,
)
from motcua.core.errors import DomainError

DEMO_LOGIN_FILE = "demo_password"
SAMPLE_CATALOG = ("motcua.catalog", "data/sample_catalog.json")
PANGO_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0"


def demo_password(var_dir: Path) -> tuple[str, bool]:
    """The demo officials' password and whether it was just generated.

    Generated once per installation and kept in var/ (mode 0600): random rather than fixed,
    so that sample accounts in a database reachable by others do not open with a password
    published in the repository.
    """
    path = var_dir / DEMO_LOGIN_FILE
    if path.exists():
        password = path.read_text(encoding="utf-8").strip()
        if password:
            return password, False
    var_dir.mkdir(parents=True, exist_ok=True)
    password = "demo-" + secrets.token_urlsafe(9)
    path.write_text(password + "\n", encoding="utf-8")
    path.chmod(0o600)
    return password, True


def load_sample_catalog() -> tuple[int | None, str]:
    """Import the sample catalogue through the catalogue's own service, when it is installed.

    Returns (number of procedures in the file or None, a message when it could not be loaded).
    """
    try:
        services = importlib.import_module("motcua.catalog.services")
        import_catalog = services.import_catalog
    except (ImportError, AttributeError):
        return None, _("the catalogue importer is not available in this version")
    package, name = SAMPLE_CATALOG
    source = resources.files(package).joinpath(name)
    if not source.is_file():
        return None, _("%(file)s is missing") % {"file": name}
    data = json.loads(source.read_text(encoding="utf-8"))
    import_catalog(data)
    return len(data.get("procedures", [])), ""


def pdf_support_problem() -> str | None:
    """None when WeasyPrint loads; otherwise the one line that tells how to fix it."""
    try:
        import weasyprint  # noqa: F401
    except Exception:  # OSError when pango is missing; anything else is the same for the user
        return _(
            "PDF receipts and forms need Pango: apt-get install %(packages)s (Debian/Ubuntu)."
        ) % {"packages": PANGO_PACKAGES}
    return None


class Command(MotcuaCommand):
    help = (
        "Initialise the database, load the sample province (Đồng Tháp: divisions, agencies, "
        "reception points, officials), the sample catalogue and six months of simulated "
        "activity, print the logins and serve on http://127.0.0.1:8000 with DEBUG on. "
        "Idempotent. Sample data only: never on a production database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=DEFAULT_HOST)
        parser.add_argument("--port", type=int, default=DEFAULT_PORT)
        parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
        parser.add_argument(
            "--no-serve", action="store_true", help="load the data and print the logins only"
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="do not start the background worker beside the server (notifications, the "
            "bottlenecks of large scopes, scheduled work)",
        )
        parser.add_argument(
            "--no-history",
            action="store_true",
            help="do not simulate the province's past months (empty queues and statistics)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = options["host"], options["port"]
        if not options["no_serve"]:
            check_port_free(host, port)
        call_command("init", verbosity=options["verbosity"], stdout=self.stdout)
        password, new_password = demo_password(Path(settings.VAR_DIR))
        sample = load_sample_province(password=password, reset_passwords=new_password)
        procedures, catalog_problem = load_sample_catalog()
        history = self._history() if not options["no_history"] and procedures else ""
        self._report(sample, password, procedures, catalog_problem, host, port, history)
        if options["no_serve"]:
            return
        self.stdout.write(_("Serving; stop with Ctrl+C."))
        self.stdout.flush()
        # The background work (notifications, the dashboard's bottlenecks of a large scope,
        # the scheduled tick) needs a worker, as in production: one beside the server.
        worker = None
        if not options["no_worker"]:
            worker = subprocess.Popen(
                [sys.executable, "-m", "motcua.cli.main", "worker", "--verbosity", "0"]
            )
        try:
            run_server(host, port, options["workers"])
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()

    def _history(self) -> str:
        """Seed the simulated months (once) and say what was done."""
        started = time.perf_counter()
        try:
            result = seed_history()
        except DomainError as exc:
            # The demo still serves the province without its past; the reason is printed.
            return _("Simulated history not loaded: %(reason)s") % {"reason": exc}
        if result.skipped:
            return _("Simulated history: the database already holds dossiers, nothing added.")
        return _(
            "Simulated history %(first)s – %(last)s: %(imported)s dossiers imported, "
            "%(replayed)s recent ones played through the engine, in %(seconds).1f s."
        ) % {
            "first": result.first_day,
            "last": result.last_day,
            "imported": f"{result.imported:,}",
            "replayed": f"{result.replayed:,}",
            "seconds": time.perf_counter() - started,
        }

    def _report(
        self,
        sample: SampleProvince,
        password: str,
        procedures: int | None,
        catalog_problem: str,
        host: str,
        port: int,
        history: str = "",
    ) -> None:
        out = self.stdout.write
        out(
            _(
                "Sample province loaded: %(divisions)s divisions, %(agencies)s agencies, "
                "%(points)s reception points, %(officials)s officials (%(new)s new)."
            )
            % {
                "divisions": sum(
                    len(x)
                    for x in (
                        sample.divisions.created,
                        sample.divisions.updated,
                        sample.divisions.unchanged,
                    )
                ),
                "agencies": sum(
                    len(x)
                    for x in (
                        sample.agencies.created,
                        sample.agencies.updated,
                        sample.agencies.unchanged,
                    )
                ),
                "points": sum(
                    len(x)
                    for x in (
                        sample.reception_points.created,
                        sample.reception_points.updated,
                        sample.reception_points.unchanged,
                    )
                ),
                "officials": len({login.username for login in sample.logins}),
                "new": len(sample.officials_created),
            }
        )
        if procedures is None:
            out(_("Sample catalogue not loaded: %(reason)s.") % {"reason": catalog_problem})
        else:
            out(_("Sample catalogue loaded: %(n)s procedures.") % {"n": procedures})
        if history:
            out(history)
        problem = pdf_support_problem()
        if problem:
            out(problem)
        base = f"http://{host}:{port}"
        out("")
        out(_("Server:   %(url)s") % {"url": base + "/"})
        out(_("API docs: %(url)s") % {"url": base + "/api/v1/docs"})
        out(_("Admin:    %(url)s") % {"url": base + "/admin/"})
        out("")
        out(_("Logins (demo only), password for all: %(password)s") % {"password": password})
        out(
            _(
                "Second factor: after the password, type the code printed by "
                "'motcua totp-code <user>' (run it in another terminal)."
            )
        )
        labels = dict(Role.choices)
        for login in sample.logins:
            where = login.agency_name
            if login.reception_point:
                where = f"{where} – {login.reception_point}"
            out(f"  {labels.get(login.role, login.role)!s:<26} {login.username:<20} {where}")
        out("")
