"""The applicant's folded name (``Dossier.applicant_folded``): written by intake, the history
import and migration 0004 exactly as ``core.text.fold``, and what a name search matches."""

from __future__ import annotations

import importlib
import unicodedata
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from motcua.core.text import fold
from motcua.dossiers.api_queries import filter_dossiers
from motcua.dossiers.models import Dossier
from motcua.dossiers.schemas import DossierFilters
from motcua.dossiers.services import intake

from .conftest import World, local
from .test_import import line, run

pytestmark = pytest.mark.django_db

NAME = "Đặng  Thị Ngọc Ánh"  # two spaces, as typed
FOLDED = "dang thi ngoc anh"
migration = importlib.import_module("motcua.dossiers.migrations.0004_applicant_folded")


def found(q: str) -> list[str]:
    filters = DossierFilters.model_validate({"q": q})
    queryset = filter_dossiers(Dossier.objects.all(), filters, local("2026-06-01T00:00"))
    return sorted(queryset.values_list("code", flat=True))


def test_intake_and_import_store_the_folded_name_and_the_search_matches_it(
    world: World, tmp_path: Path
) -> None:
    data = world.counter_data(applicant={"name": NAME, "national_id": "082090001234"})
    taken, _ = intake("receive", world.actor("receiver"), data, now=local("2026-03-02T10:00"))
    run(tmp_path, [line(world, applicant={"name": NAME})])
    imported = Dossier.objects.get(imported=True)
    other, _ = intake(
        "receive", world.actor("receiver"), world.counter_data(), now=local("2026-03-02T11:00")
    )

    assert Dossier.objects.get(pk=taken.pk).applicant_folded == FOLDED
    assert imported.applicant_folded == FOLDED
    assert Dossier.objects.get(pk=other.pk).applicant_folded == "nguyen van an"
    both = sorted([taken.code, imported.code])
    assert found("dang anh") == both  # without accents, words in any order
    assert found("ĐẶNG thị") == both  # đ and upper case
    assert found("Ngọc  ánh") == both
    assert found("dang an") == both  # "an" is inside "anh": a substring search
    assert found("nguyen van an") == [other.code]
    assert found("dang nguyen") == []  # every word must match the same name
    assert found(taken.code[-11:]) == [taken.code]  # a piece of a code is still a code


def test_saving_with_update_fields_keeps_the_folded_name(world: World) -> None:
    dossier, _ = intake("receive", world.actor("receiver"), world.counter_data())
    dossier.applicant_name = "Đỗ Thu Hà"
    dossier.save(update_fields=["applicant_name"])
    assert Dossier.objects.get(pk=dossier.pk).applicant_folded == "do thu ha"


VIETNAMESE = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"
)
WORDS = st.text(alphabet=VIETNAMESE + VIETNAMESE.upper(), min_size=1, max_size=8)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    words=st.lists(WORDS, min_size=1, max_size=4),
    form=st.sampled_from(["NFC", "NFD"]),
    gap=st.sampled_from([" ", "  ", "\t"]),
)
def test_the_migration_fills_existing_rows_as_fold_does(
    world: World, words: list[str], form: str, gap: str
) -> None:
    """On PostgreSQL the fill is one SQL ``UPDATE`` (translate + normalize), not Python."""
    text = unicodedata.normalize(form, f" {gap.join(words)}{gap}")
    pk = Dossier.objects.values_list("pk", flat=True).first()
    if pk is None:
        pk = intake("receive", world.actor("receiver"), world.counter_data())[0].pk
    Dossier.objects.filter(pk=pk).update(applicant_name=text, applicant_folded="")
    editor = SimpleNamespace(
        connection=connection,
        execute=lambda sql, params=(): connection.cursor().execute(sql, params),
    )
    migration.fill(_Apps(), editor)
    assert Dossier.objects.get(pk=pk).applicant_folded == fold(text)


class _Apps:
    """The registry ``RunPython`` would pass: the current model is the historical one here."""

    def get_model(self, app_label: str, name: str) -> type[Dossier]:
        return Dossier
