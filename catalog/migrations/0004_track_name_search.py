"""PostgreSQL only: a narrow copy of the track names for `?q=`, kept in step with catalog_track by triggers.

A trigram search over catalog_track rechecks every candidate row in the wide table (JSON columns and all):
at 1M tracks a two-word search read ~1,400 scattered heap blocks, mostly not in the buffer cache.
`catalog_track_search` holds only (track id, UPPER(name)): 47 MB against 215 MB at 900k tracks, so its
pages stay cached and the recheck is cheap. catalog_track keeps its own trigram index (name__iexact
lookups, e.g. recommendation seeds by name, use it).
Statement-level triggers with transition tables keep it in step with every write (ORM saves, bulk upserts,
deletes, TRUNCATE) at one extra statement per statement, not per row. SQLite skips this migration's work.
"""

from django.db import migrations

CREATE = """
CREATE TABLE IF NOT EXISTS catalog_track_search (track_id bigint PRIMARY KEY, name text NOT NULL);
INSERT INTO catalog_track_search (track_id, name) SELECT id, UPPER(name::text) FROM catalog_track
    ON CONFLICT (track_id) DO NOTHING;
CREATE INDEX IF NOT EXISTS catalog_track_search_name_trgm ON catalog_track_search USING gin (name gin_trgm_ops);

CREATE OR REPLACE FUNCTION catalog_track_search_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO catalog_track_search (track_id, name) SELECT id, UPPER(name::text) FROM new_rows
        ON CONFLICT (track_id) DO UPDATE SET name = EXCLUDED.name;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION catalog_track_search_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Most updates (modified_at, popularity) keep the name: only renamed tracks are written.
    INSERT INTO catalog_track_search (track_id, name)
        SELECT new_rows.id, UPPER(new_rows.name::text) FROM new_rows JOIN old_rows ON old_rows.id = new_rows.id
        WHERE new_rows.name IS DISTINCT FROM old_rows.name
        ON CONFLICT (track_id) DO UPDATE SET name = EXCLUDED.name;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION catalog_track_search_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM catalog_track_search USING old_rows WHERE catalog_track_search.track_id = old_rows.id;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION catalog_track_search_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE catalog_track_search;
    RETURN NULL;
END $$;

CREATE TRIGGER catalog_track_search_inserted AFTER INSERT ON catalog_track REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_track_search_inserted();
CREATE TRIGGER catalog_track_search_updated AFTER UPDATE ON catalog_track
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_track_search_updated();
CREATE TRIGGER catalog_track_search_deleted AFTER DELETE ON catalog_track REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_track_search_deleted();
CREATE TRIGGER catalog_track_search_truncated AFTER TRUNCATE ON catalog_track
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_track_search_truncated();
ANALYZE catalog_track_search;
"""

DROP = """
DROP TRIGGER IF EXISTS catalog_track_search_inserted ON catalog_track;
DROP TRIGGER IF EXISTS catalog_track_search_updated ON catalog_track;
DROP TRIGGER IF EXISTS catalog_track_search_deleted ON catalog_track;
DROP TRIGGER IF EXISTS catalog_track_search_truncated ON catalog_track;
DROP FUNCTION IF EXISTS catalog_track_search_inserted();
DROP FUNCTION IF EXISTS catalog_track_search_updated();
DROP FUNCTION IF EXISTS catalog_track_search_deleted();
DROP FUNCTION IF EXISTS catalog_track_search_truncated();
DROP TABLE IF EXISTS catalog_track_search;
"""


def create_track_search(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(CREATE)


def drop_track_search(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_trackaudiofeatures")]

    operations = [migrations.RunPython(create_track_search, drop_track_search)]
