"""``motcua deadline``: through ``call_command`` on the test database, and as a real process
(for the exit code and stderr) on a database of its own made by ``motcua init``."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation

from motcua.clock import services
from motcua.clock.models import Calendar, CalendarChange, CalendarDay, DayKind

MOTCUA = str(Path(sys.executable).with_name("motcua"))


def run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        with translation.override("en"):
            call_command("deadline", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--start", "2026-03-10T10:00", "--working-hours", "4"], "2026-03-10T15:30:00+07:00"),
        (
            [
                "--start",
                "2026-03-09T08:00",
                "--working-days",
                "3",
                "--pause",
                "2026-03-10T10:00/2026-03-12T10:00",
            ],
            "2026-03-16T08:00:00+07:00",
        ),
        (
            [
                "--start",
                "2026-03-09T08:00",
                "--working-days",
                "3",
                "--pause",
                "2026-03-10T10:00/2026-03-12T10:00",
                "--restart-at",
                "2026-03-12T10:00",
            ],
            "2026-03-17T10:00:00+07:00",
        ),
        (["--start", "2026-03-10T18:30", "--working-days", "1"], "2026-03-11T17:00:00+07:00"),
        (["--start", "2026-03-10T03:00:00Z", "--working-hours", "4"], "2026-03-10T15:30:00+07:00"),
        (["--start", "2026-03-10T10:00", "--working-hours", "0.5"], "2026-03-10T10:30:00+07:00"),
        (["--start", "2026-03-10T07:30", "--working-days", "1.5"], "2026-03-11T11:30:00+07:00"),
        (
            ["--start", "2026-03-10T15:01", "--working-hours", "1", "--cutoff", "15:00"],
            "2026-03-11T08:30:00+07:00",
        ),
        (
            ["--start", "2026-08-28T16:00", "--working-days", "1"],  # over the 2026 swap
            "2026-09-03T16:00:00+07:00",
        ),
        (
            [
                "--start",
                "2026-03-10T08:00",
                "--working-hours",
                "4",
                "--pause",
                "2026-03-10T09:00/2026-03-10T14:00",
                "--pause",
                "2026-03-10T13:30/2026-03-11T08:00",
            ],
            "2026-03-11T11:00:00+07:00",
        ),
    ],
)
def test_prints_one_line(calendar: Calendar, args: list[str], expected: str) -> None:
    code, out, err = run(*args)
    assert (code, out, err) == (0, expected + "\n", "")


def test_uses_the_calendar_in_the_database(calendar: Calendar) -> None:
    services.amend_day(
        calendar,
        __import__("datetime").date(2026, 3, 11),
        DayKind.DAY_OFF,
        name="Nghỉ",
        reason="Bão",
        announcement="CV 1",
    )
    assert run("--start", "2026-03-10T18:30", "--working-days", "1")[1] == (
        "2026-03-12T17:00:00+07:00\n"
    )


def test_agency_calendar(calendar: Calendar) -> None:
    services.create_calendar(
        code="xa-a", name="Xã A", periods=[["08:00", "12:00"], ["13:30", "17:30"]]
    )
    # 08:00–12:00 on the agency's hours; 13:15 on the default ones.
    code, out, _ = run("--start", "2026-03-10T07:45", "--working-hours", "4", "--calendar", "xa-a")
    assert (code, out) == (0, "2026-03-10T12:00:00+07:00\n")


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--start", "yesterday", "--working-days", "1"], ["--start"]),
        (["--working-days", "1"], ["--start"]),
        (["--start", "2026-03-10T10:00"], ["--working-days/--working-hours"]),
        (
            ["--start", "2026-03-10T10:00", "--working-days", "1", "--working-hours", "2"],
            ["--working-days/--working-hours"],
        ),
        (["--start", "2026-03-10T10:00", "--working-days", "0"], ["--working-days"]),
        (["--start", "2026-03-10T10:00", "--working-hours", "-2"], ["--working-hours"]),
        (["--start", "2026-03-10T10:00", "--working-hours", "two"], ["--working-hours"]),
        (["--start", "2026-03-10T10:00", "--working-hours", "inf"], ["--working-hours"]),
        (["--start", "2026-03-10T10:00", "--working-days", "1", "--cutoff", "3pm"], ["--cutoff"]),
        (
            ["--start", "2026-03-10T10:00", "--working-days", "1", "--cutoff", "15:00:00"],
            ["--cutoff"],
        ),
        (["--start", "2026-03-10T10:00", "--working-days", "1", "--cutoff", "25:00"], ["--cutoff"]),
        (
            ["--start", "2026-03-10T10:00", "--working-days", "1", "--pause", "2026-03-10T11:00"],
            ["--pause"],
        ),
        (
            ["--start", "2026-03-10T10:00", "--working-days", "1", "--pause", "2026-03-10T11:00/"],
            ["--pause"],
        ),
        (
            [
                "--start",
                "2026-03-10T10:00",
                "--working-days",
                "1",
                "--pause",
                "2026-03-10T11:00/2026-03-10T10:00",
            ],
            ["--pause"],
        ),
        (
            [
                "--start",
                "2026-03-10T10:00",
                "--working-days",
                "1",
                "--pause",
                "2026-03-10T11:00/2026-03-10T12:00",
                "--pause",
                "x/y",
            ],
            ["--pause #2", "--pause #2"],  # neither x nor y is an instant
        ),
        (
            ["--start", "2026-03-10T10:00", "--working-days", "1", "--restart-at", "2026-03-09"],
            ["--restart-at"],
        ),
        (["--start", "2040-03-10T10:00", "--working-days", "1"], ["--start"]),
        (["--start", "9999-12-31T23:00:00Z", "--working-days", "1"], ["--start"]),
        (["--start", "2026-03-10T10:00", "--working-hours", "1e308"], ["--working-hours"]),
        (["--start", "2026-03-10T10:00", "--working-hours", "nan"], ["--working-hours"]),
        (["--start", "2014-12-31T10:00", "--working-days", "1"], ["--start"]),
        (["--start", "2035-12-28T10:00", "--working-days", "10"], ["--working-days"]),
        (
            ["--start", "2026-03-10T10:00", "--working-days", "1", "--calendar", "nope"],
            ["--calendar"],
        ),
        (
            [
                "--start",
                "nope",
                "--working-days",
                "0",
                "--cutoff",
                "9",
                "--restart-at",
                "2041-01-01",
            ],
            ["--start", "--working-days", "--cutoff", "--restart-at"],
        ),
    ],
)
def test_bad_arguments(calendar: Calendar, args: list[str], named: list[str]) -> None:
    days_before = CalendarDay.objects.count()
    code, out, err = run(*args)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert lines[0].startswith("error: ")
    assert [line.split(": ", 1)[0] for line in lines[1:]] == named
    assert "Traceback" not in err
    assert CalendarDay.objects.count() == days_before
    assert not CalendarChange.objects.exists()


def test_no_calendar_yet(db: None) -> None:
    code, out, err = run("--start", "2026-03-10T10:00", "--working-days", "1")
    assert code == 2
    assert out == ""
    assert "motcua init" in err
    assert not Calendar.objects.exists()


# --- as a process ---------------------------------------------------------------------------


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        MOTCUA_VAR_DIR=str(tmp),
        DATABASE_URL=f"sqlite:///{tmp / 'motcua.sqlite3'}",
    )
    return env


@pytest.fixture(scope="module")
def initialised(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    env = _env(tmp_path_factory.mktemp("deadline"))
    subprocess.run([MOTCUA, "init", "--verbosity", "0"], env=env, check=True, timeout=300)
    return env


def test_process_prints_the_due_time(initialised: dict[str, str]) -> None:
    proc = subprocess.run(
        [MOTCUA, "deadline", "--start", "2026-03-10T10:00", "--working-hours", "4"],
        env=initialised,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "2026-03-10T15:30:00+07:00\n", "")


def test_process_exit_code_on_bad_arguments(initialised: dict[str, str]) -> None:
    proc = subprocess.run(
        [
            MOTCUA,
            "deadline",
            "--start",
            "2026-03-10T10:00",
            "--working-hours",
            "0",
            "--pause",
            "2026-03-10T11:00",
        ],
        env=initialised,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "--working-hours: " in proc.stderr
    assert "--pause: " in proc.stderr
    assert "Traceback" not in proc.stderr


def test_process_without_a_database(tmp_path: Path) -> None:
    proc = subprocess.run(
        [MOTCUA, "deadline", "--start", "2026-03-10T10:00", "--working-days", "1"],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.strip()
    assert "Traceback" not in proc.stderr
