"""PostgreSQL only: a trigram index so that ``search_text LIKE '%word%'`` is an index scan.

SQLite has no such index type; there the catalogue (a few thousand rows) is scanned, which the
benchmark shows is fast enough. Creating the extension needs a role allowed to do so (the
owner of the database on PostgreSQL 13+ for trusted extensions such as pg_trgm).
"""

from django.db import migrations

INDEX = "catalog_version_search_trgm"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON catalog_procedureversion "
        "USING gin (search_text gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # The extension stays: other apps may use it, and dropping it is not needed to go back.
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0002_note_search_name"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index),
    ]
