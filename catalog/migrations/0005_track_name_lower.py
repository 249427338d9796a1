"""PostgreSQL only: a B-tree on LOWER(name) of catalog_track, for matching listens to tracks by name.

`listening.services.matching` looks tracks up by `LOWER(name) IN (...)`, a thousand names a batch; without
this index each batch reads the whole table (bench/listening_match.py measures both). A plain expression index
rather than `Meta.indexes`, like 0002's trigram indexes, so the catalog models stay as they are; SQLite skips it.
"""

from django.db import migrations

INDEX = "catalog_track_name_lower"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "catalog_track" (LOWER("name"))')


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{INDEX}"')


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_track_name_search")]

    operations = [migrations.RunPython(create_index, drop_index)]
