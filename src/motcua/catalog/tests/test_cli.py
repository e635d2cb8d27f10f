"""``motcua import-catalog`` and ``motcua export-catalog``."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from motcua.catalog.models import Procedure
from motcua.catalog.services import export_catalog, render_catalog

from .conftest import SAMPLE_PATH, procedure

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_import_the_sample_prints_a_summary(sample_agencies):
    code, out, err = run("import_catalog", str(SAMPLE_PATH))
    assert code == 0, err
    assert "Procedures: 34 created" in out
    assert "34 published" in out
    code, out, _err = run("import_catalog", str(SAMPLE_PATH))
    assert "34 unchanged" in out


def test_invalid_json_names_the_line_and_column(tmp_path: Path):
    path = tmp_path / "broken.json"
    path.write_text(
        '{"procedures": [\n  {"code": "1.001193",\n   "name": }\n]}\n', encoding="utf-8"
    )
    code, _out, err = run("import_catalog", str(path))
    assert code == 2
    assert "is not valid JSON" in err
    assert "line 3, column 12: Expecting value" in err
    assert "Traceback" not in err


def test_every_problem_is_printed_and_nothing_written(tmp_path: Path):
    bad = procedure(online_level="sometimes")
    bad["workflow"][1]["hours"] = 3
    data = {"procedures": [procedure(code="9.000002"), bad], "colour": 1}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    code, _out, err = run("import_catalog", str(path))
    assert code == 2
    assert err.startswith("error: The catalogue file is not valid: 3 problem(s) found")
    assert "colour: Unknown key." in err
    assert "procedures[1].online_level: One of: full, partial, none." in err
    assert "procedures[1].workflow: The step hours add up to 7 working hours" in err
    assert not Procedure.objects.exists()


def test_missing_file(tmp_path: Path):
    code, _out, err = run("import_catalog", str(tmp_path / "nope.json"))
    assert code == 2
    assert "No such file" in err


def test_dry_run_writes_nothing(sample_agencies):
    code, out, _err = run("import_catalog", "--dry-run", str(SAMPLE_PATH))
    assert code == 0
    assert "34 created" in out
    assert "Dry run" in out
    assert not Procedure.objects.exists()


def test_fractions_are_read_exactly(tmp_path: Path):
    row = procedure(processing_time={"value": 0.3, "unit": "working_days"})
    row["workflow"] = [
        {"code": "A", "name": "A", "role": "receiver", "hours": 0.1},
        {"code": "B", "name": "B", "role": "specialist", "hours": 2.3},
    ]
    path = tmp_path / "fractions.json"
    path.write_text(json.dumps({"procedures": [row]}), encoding="utf-8")
    code, out, err = run("import_catalog", str(path))
    assert code == 0, err
    assert "1 published" in out


def test_export_to_stdout_and_to_a_file(loaded_sample, tmp_path: Path):
    expected = render_catalog(export_catalog())
    code, out, _err = run("export_catalog")
    assert code == 0
    assert out == expected
    target = tmp_path / "catalog.json"
    code, _out, _err = run("export_catalog", "--output", str(target))
    assert code == 0
    assert target.read_text(encoding="utf-8") == expected
    code, _out, err = run("export_catalog", "--output", str(tmp_path / "no" / "dir.json"))
    assert code == 2
    assert "Cannot write" in err
