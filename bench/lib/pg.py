"""PostgreSQL plumbing for the benchmarks: URLs, creating a database, the environment of the
``motcua`` subprocesses."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def motcua_bin() -> str:
    """The ``motcua`` entry point of the interpreter running the benchmark."""
    candidate = VENV_BIN / "motcua"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("motcua")
    if found is None:
        raise SystemExit("motcua is not installed in this environment (pip install -e .)")
    return found


def database_name(url: str) -> str:
    name = urlsplit(url).path.lstrip("/")
    if not name:
        raise SystemExit(f"no database name in {url!r}")
    return name


def conninfo(url: str) -> str:
    """A libpq URL (``postgres://`` and ``postgresql://`` both work with psycopg)."""
    return url


def admin_url(url: str) -> str:
    """The same server, database ``postgres`` (to create or drop the target)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, parts.fragment))


def database_exists(url: str) -> bool:
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        row = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [database_name(url)]
        ).fetchone()
    return row is not None


def create_database(url: str, *, drop: bool = False) -> None:
    name = database_name(url)
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        if drop:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def motcua_env(url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    """Environment of a ``motcua`` subprocess on ``url`` with its own var directory."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        MOTCUA_VAR_DIR=str(var_dir),
        DJANGO_SETTINGS_MODULE="motcua.settings",
    )
    env.pop("DEBUG", None)
    env.update(extra)
    return env


def default_var_dir(url: str) -> Path:
    """The var directory of the benchmarks on ``url`` when none is given (secret key, logs)."""
    return Path(f"/tmp/{database_name(url)}-var")


def migrate(url: str, var_dir: Path) -> None:
    """``motcua init`` on ``url``: migrations added since the fixture was loaded (idempotent)."""
    subprocess.run(
        [motcua_bin(), "init", "--verbosity", "0"], env=motcua_env(url, var_dir), check=True
    )


def setup_django(url: str, var_dir: Path) -> None:
    """Configure Django in this process on ``url`` (for reading the reference data)."""
    os.environ.update(motcua_env(url, var_dir))
    import django

    django.setup()
