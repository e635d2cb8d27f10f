"""The applicant's name stored folded (``core.text.fold``) for the name search, filled for the
dossiers already there, with a trigram index on PostgreSQL so that ``LIKE '%word%'`` is an index
scan instead of folding every row of the scope at query time.

SQLite gets no index: the databases it serves (development, small offices) are scanned, as the
catalogue's are. The extension ``pg_trgm`` is created by catalog 0003 (and again here, in case
this migration runs first: it needs a role allowed to create it, the database owner for this
trusted extension on PostgreSQL 13+).
"""

from django.db import migrations, models

from motcua.core.text import fold

INDEX = "dossier_applicant_trgm"
BATCH = 2000


def _fold_map() -> tuple[str, str]:
    """Every letter with a diacritic (Latin ranges, Vietnamese included) and its folded letter,
    for PostgreSQL's ``translate``: the same folding as ``fold`` for precomposed letters."""
    source, target = [], []
    for cp in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        ch = chr(cp)
        folded = fold(ch)
        if len(folded) == 1 and folded.isascii() and folded.isalpha() and folded != ch:
            source.append(ch)
            target.append(folded)
    return "".join(source), "".join(target)


def fill(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        # One statement over the table: NFC first so that names typed decomposed meet the
        # precomposed letters of the map, then any combining mark left is dropped, and white
        # space collapsed as ``fold`` does.
        source, target = _fold_map()
        schema_editor.execute(
            "UPDATE dossiers_dossier SET applicant_folded = btrim(regexp_replace("
            "regexp_replace(translate(lower(normalize(applicant_name, NFC)), %s, %s),"
            " '[\\u0300-\\u036f]', '', 'g'), '\\s+', ' ', 'g'))",
            [source, target],
        )
        return
    Dossier = apps.get_model("dossiers", "Dossier")
    last = 0
    while True:
        batch = list(
            Dossier.objects.filter(pk__gt=last).order_by("pk").only("pk", "applicant_name")[:BATCH]
        )
        if not batch:
            return
        for dossier in batch:
            dossier.applicant_folded = fold(dossier.applicant_name)
        Dossier.objects.bulk_update(batch, ["applicant_folded"])
        last = batch[-1].pk


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON dossiers_dossier "
        "USING gin (applicant_folded gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0003_queue_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="dossier",
            name="applicant_folded",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(create_index, drop_index),
    ]
