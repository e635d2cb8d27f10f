"""``motcua serve``: the production web server (gunicorn) running ``motcua.wsgi``."""

from __future__ import annotations

import gc
import socket
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser
from django.db import connections
from django.utils.translation import gettext as _
from gunicorn.app.base import BaseApplication

from motcua.cli.base import MotcuaCommand
from motcua.core.errors import invalid

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_WORKERS = 2
DEFAULT_THREADS = 4


class MotcuaServer(BaseApplication):
    """gunicorn configured from Python rather than from its own command line."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            # Settings newer than the installed gunicorn (e.g. the control socket of 24+) are
            # skipped rather than fatal: pyproject allows gunicorn>=23.
            if key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self) -> Any:
        from motcua.wsgi import application

        return application


def check_port_free(host: str, port: int) -> None:
    """Refuse early, with one clear line, rather than let gunicorn retry and print a trace."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        raise invalid(
            "port",
            _("Cannot listen on %(host)s:%(port)s: %(reason)s.")
            % {"host": host, "port": port, "reason": exc.strerror or exc},
        ) from exc


def release_connections() -> None:
    """Close the database connections (and pools) of this process before gunicorn forks:
    a connection or a pool thread shared by several processes corrupts the protocol."""
    for connection in connections.all(initialized_only=True):
        connection.close()
        close_pool = getattr(connection, "close_pool", None)
        if close_pool is not None:
            close_pool()


def settle_worker(worker: Any) -> None:
    """gunicorn's ``post_worker_init``: load the URL configuration (every view module) now
    rather than on the first request, then move every object alive so far — Django, the apps,
    the views — out of the garbage collector's reach (``gc.freeze``). A full collection then
    scans only what requests created: measured on the province's dashboard at 1M dossiers, the
    full collections every ~10 requests took 50–80 ms each, the p95 of the page."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 — imports the views
    gc.collect()
    gc.freeze()


def run_server(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    workers: int = DEFAULT_WORKERS,
    threads: int = DEFAULT_THREADS,
) -> None:
    check_port_free(host, port)
    # WhiteNoise warns on every worker boot when STATIC_ROOT is missing; in embedded mode
    # static files come from the apps (WHITENOISE_USE_FINDERS) and the folder stays empty.
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    release_connections()
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    def when_ready(arbiter: Any) -> None:
        # With reuse_port the master holds no socket and gunicorn's own line names none.
        arbiter.log.info("Listening at: http://%s (each worker on its own socket)", bind)

    options = {
        "bind": bind,
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "proc_name": "motcua",
        "timeout": 60,
        "graceful_timeout": 10,
        "errorlog": "-",
        "accesslog": "-" if settings.DEBUG else None,
        "loglevel": "info",
        # gunicorn's runtime control socket would be created under the user's home directory;
        # motcua is stopped and reloaded with signals like any service.
        "control_socket_disable": True,
        "post_worker_init": settle_worker,
        # Each worker listens on its own socket (SO_REUSEPORT) and the kernel shares new
        # connections out between them. On one shared socket, kept-alive connections stay with
        # whichever worker accepted them first: measured with 16 client connections, one worker
        # served 99% of a run and the other stood idle (bench/README.md).
        "reuse_port": True,
        "when_ready": when_ready,
    }
    MotcuaServer(options).run()


class Command(MotcuaCommand):
    help = (
        "Run the web application with the production server (gunicorn, threaded workers). "
        "Put a reverse proxy with TLS in front of it in production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=DEFAULT_HOST, help="address to listen on")
        parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port to listen on")
        parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help="worker processes")
        parser.add_argument(
            "--threads", type=int, default=DEFAULT_THREADS, help="threads per worker"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for name in ("port", "workers", "threads"):
            if options[name] < 1 or (name == "port" and options[name] > 65535):
                raise invalid(name, _("Out of range."))
        run_server(options["host"], options["port"], options["workers"], options["threads"])
