"""The commands of this part: init (provinces), import-divisions, demo, serve, worker."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django_tasks import task
from django_tasks.base import TaskResultStatus

from motcua.agencies.models import Agency, Division
from motcua.identity.models import User

# The commands are driven by name (call_command) or as a process: the layering rules forbid
# a domain app, tests included, to import the command-line layer.


def run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_help_lists_the_commands() -> None:
    text = subprocess.run(
        [sys.executable, "-m", "motcua.cli.main", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name in ("init", "demo", "serve", "worker", "import-divisions"):
        assert f"  {name} " in text


@pytest.mark.django_db
def test_init_loads_the_provinces_idempotently() -> None:
    assert run("init")[0] == 0
    assert Division.objects.filter(parent=None).count() == 34
    code, out, _err = run("init")
    assert code == 0
    assert "34" in out
    assert Division.objects.count() == 34


@pytest.mark.django_db
def test_import_divisions(provinces: None, tmp_path: Path) -> None:
    path = tmp_path / "communes.csv"
    path.write_text(
        "# danh mục\ncode,name,kind,parent_code\n82001,Phường An Bình,ward,82\n", encoding="utf-8"
    )
    code, out, _err = run("import_divisions", str(path))
    assert code == 0
    assert "1" in out
    assert Division.objects.get(code="82001").name == "Phường An Bình"


@pytest.mark.django_db
def test_import_divisions_errors_exit_2_with_line_numbers(provinces: None, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "code,name,kind,parent_code\n82001,Phường An Bình,ward,82\n82002,Xã B,hamlet,82\n"
        "82003,Xã C,commune,77\n",
        encoding="utf-8",
    )
    code, _out, err = run("import_divisions", str(path))
    assert code == 2
    lines = err.strip().splitlines()
    assert lines[0].startswith("error: ")
    assert lines[1].startswith("line 3: kind: ")
    assert lines[2].startswith("line 4: parent_code: ")
    assert not Division.objects.filter(code="82001").exists()
    code, _out, err = run("import_divisions", str(tmp_path / "missing.csv"))
    assert code == 2
    assert "missing.csv" in err


@pytest.mark.django_db
def test_demo_loads_prints_and_is_idempotent(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path
    code, out, err = run("demo", "--no-serve", "--no-history")
    assert code == 0, err
    password_file = tmp_path / "demo_password"
    password = password_file.read_text().strip()
    assert len(password) >= 12
    assert password_file.stat().st_mode & 0o077 == 0  # readable by its owner only
    assert password in out
    for text in (
        "http://127.0.0.1:8000/",
        "http://127.0.0.1:8000/api/v1/docs",
        "http://127.0.0.1:8000/admin/",
        "tinh.tiepnhan",
        "tinh.quantri",
        "tinh.thanhtra",
        "mytho.lanhdao",
    ):
        assert text in out
    assert "catalogue" in out  # loaded, or why not
    counts = (Agency.objects.count(), User.objects.count(), Division.objects.count())
    assert counts == (220, 9, 136)
    assert User.objects.get(username="tuphap.lanhdao").check_password(password)
    code, out, _err = run("demo", "--no-serve", "--no-history")
    assert code == 0
    assert password in out
    assert (Agency.objects.count(), User.objects.count(), Division.objects.count()) == counts


def test_serve_refuses_a_busy_port() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, _out, err = run("serve", "--port", str(port))
    assert code == 2
    assert err.startswith("error: ")
    assert str(port) in err


def test_serve_rejects_a_bad_worker_count() -> None:
    code, _out, err = run("serve", "--workers", "0")
    assert code == 2
    assert "workers" in err


@task(queue_name="notifications")
def add(a: int, b: int) -> int:
    return a + b


@pytest.mark.django_db(transaction=True)
def test_worker_runs_every_queue_in_a_batch_and_stops() -> None:
    result = add.enqueue(2, 3)
    call_command("worker", "--batch", "--no-startup-delay", "--no-reload", stdout=StringIO())
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 5


def test_serve_starts_answers_and_stops(tmp_path: Path) -> None:
    """The real production server in a subprocess: it answers the OpenAPI document, then
    stops cleanly on SIGTERM."""
    port = free_port()
    env = {
        **os.environ,
        "MOTCUA_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "motcua.settings",
    }
    env.pop("DEBUG", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "motcua.cli.main", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}/api/v1/openapi.json"
        deadline = time.monotonic() + 60
        body = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    assert response.status == 200
                    body = json.loads(response.read())
                    break
            except OSError:
                time.sleep(0.3)
        assert body is not None, "the server did not answer"
        assert body["openapi"].startswith("3.1")
        assert "/api/v1/agencies" in body["paths"]
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            output = process.communicate(timeout=30)[0].decode()
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert process.returncode == 0, output
    assert "Listening at: http://127.0.0.1:" in output


@pytest.mark.django_db
def test_demo_starts_without_pango(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.VAR_DIR = tmp_path
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # as if pango could not be loaded
    code, out, err = run("demo", "--no-serve", "--no-history")
    assert code == 0, err
    hint = [line for line in out.splitlines() if "libpango-1.0-0 libpangoft2-1.0-0" in line]
    assert len(hint) == 1
    assert "apt-get install" in hint[0]


@pytest.mark.django_db
@pytest.mark.parametrize("flag", [None, "--no-worker"])
def test_demo_serves_with_a_worker_beside_the_server(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flag: str | None
) -> None:
    """Notifications and the dashboard's background figures need the worker, as in
    production: the demo starts one with the server and stops it with the server."""
    settings.VAR_DIR = tmp_path
    demo = "motcua.cli.management.commands.demo"
    real_popen = subprocess.Popen
    started: list[tuple[list[str], subprocess.Popen[bytes]]] = []

    def popen(args: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        if "motcua.cli.main" not in args:  # another library's (ctypes looking for pango)
            return real_popen(args, **kwargs)
        # A stand-in process: the real worker would poll the database of another test.
        process = real_popen([sys.executable, "-c", "import time; time.sleep(60)"])
        started.append((args, process))
        return process

    alive_while_serving: list[bool] = []
    monkeypatch.setattr(f"{demo}.subprocess.Popen", popen)
    monkeypatch.setattr(
        f"{demo}.run_server",
        lambda *args: alive_while_serving.extend(p.poll() is None for _a, p in started),
    )
    extra = [flag] if flag else []
    code, _out, err = run("demo", "--no-history", "--port", str(free_port()), *extra)
    assert code == 0, err
    if flag:
        assert started == [] and alive_while_serving == []
        return
    ((args, process),) = started
    assert args[0] == sys.executable and args[1:] == [
        "-m",
        "motcua.cli.main",
        "worker",
        "--verbosity",
        "0",
    ]
    assert alive_while_serving == [True]
    assert process.poll() is not None  # stopped with the server
