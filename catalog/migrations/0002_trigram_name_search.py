"""PostgreSQL only: trigram indexes so `?q=` (name ILIKE '%text%') stays fast on a large catalog.

Django's `name__icontains` compiles to `UPPER("name"::text) LIKE UPPER(%s)`, so the indexes are on
that expression. SQLite skips this migration's work (it has no pg_trgm).
"""

from django.db import migrations

TABLES = ("catalog_genre", "catalog_artist", "catalog_album", "catalog_track")


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table in TABLES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{table}_name_trgm" ON "{table}" USING gin ((UPPER("name"::text)) gin_trgm_ops)'
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{table}_name_trgm"')


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(create_trigram_indexes, drop_trigram_indexes)]
