"""PostgreSQL only: the search table stores its names with each space swapped for a lower-case "q" (and back).

pg_trgm splits text into words at spaces, so a two-word query such as "love night" was answered from the
trigrams of each word alone ("lov", "ove", "nig", ...): in a catalog where both words are common, each of
those posting lists holds tens of thousands of tracks, and the GIN scan walks them all to find a few hundred.
With the space stored as "q", "LOVEqNIGHT" is one word to pg_trgm and its trigrams "veq", "eqn", "qni"
say which words are neighbours: their posting lists are short, and the scan is that much cheaper.

The swap `translate(text, ' q', 'q ')` is a one-to-one mapping of characters that leaves the LIKE
characters (%, _, \\) alone, so `swap(UPPER(name)) LIKE swap(UPPER(pattern))` holds exactly when
`UPPER(name) LIKE UPPER(pattern)`: the match is the same, only the index is more selective. A lower-case
"q" never survives UPPER(), so the stand-in does not collide with real text (if it did, results would
still be exact, only the index less selective). Reverting refills the table with plain upper-cased names.
"""

from django.db import migrations

SWAP = "translate(%s, ' q', 'q ')"  # catalog.dialects.TRACK_SEARCH_NAME: the same expression, for queries


def _functions(stored: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION catalog_track_search_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO catalog_track_search (track_id, name) SELECT id, {stored % "UPPER(name::text)"} FROM new_rows
        ON CONFLICT (track_id) DO UPDATE SET name = EXCLUDED.name;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION catalog_track_search_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Most updates (modified_at, popularity) keep the name: only renamed tracks are written.
    INSERT INTO catalog_track_search (track_id, name)
        SELECT new_rows.id, {stored % "UPPER(new_rows.name::text)"}
        FROM new_rows JOIN old_rows ON old_rows.id = new_rows.id
        WHERE new_rows.name IS DISTINCT FROM old_rows.name
        ON CONFLICT (track_id) DO UPDATE SET name = EXCLUDED.name;
    RETURN NULL;
END $$;
"""


def _refill(stored: str) -> str:
    # Refilled rather than updated in place: an UPDATE of every row leaves the table twice its size, and
    # writing rows under a live GIN index costs far more than building it once. Rows go in by id, the order
    # the triggers leave after an import: for a broad search under LIMIT the planner may walk the primary key
    # (a merge join), which is cheap only when the rows lie in that order (bench/RESULTS.md).
    return f"""
DROP INDEX IF EXISTS catalog_track_search_name_trgm;
TRUNCATE catalog_track_search;
INSERT INTO catalog_track_search (track_id, name)
    SELECT id, {stored % "UPPER(name::text)"} FROM catalog_track ORDER BY id;
SET LOCAL maintenance_work_mem = '256MB';
CREATE INDEX catalog_track_search_name_trgm ON catalog_track_search USING gin (name gin_trgm_ops);
ANALYZE catalog_track_search;
"""


def swap_spaces(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_functions(SWAP) + _refill(SWAP))


def restore_spaces(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_functions("%s") + _refill("%s"))


class Migration(migrations.Migration):
    dependencies = [("catalog", "0005_track_name_lower")]

    operations = [migrations.RunPython(swap_spaces, restore_spaces)]
