"""The PostgreSQL trigram indexes behind `?q=` (created by migration 0002).

Keeping a GIN trigram index up to date row by row roughly doubles the time of a large import, so
`import_catalog --defer-search-indexes` drops them first and rebuilds them once at the end (searches
are slower in between). Re-running the command, or `search_indexes_create()`, restores missing ones.
"""

from django.db import connection

TABLES = ("catalog_genre", "catalog_artist", "catalog_album", "catalog_track")


def search_indexes_drop() -> bool:
    """Drop the trigram name indexes (PostgreSQL only); returns whether anything was done."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f'DROP INDEX IF EXISTS "{table}_name_trgm"')
    return True


def search_indexes_create() -> bool:
    """Create the trigram name indexes if missing (PostgreSQL only)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        if connection.in_atomic_block:  # deferred FK checks pending in this transaction would block CREATE INDEX
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for table in TABLES:
            cursor.execute(
                f'CREATE INDEX IF NOT EXISTS "{table}_name_trgm" ON "{table}" '
                f'USING gin ((UPPER("name"::text)) gin_trgm_ops)'
            )
    return True


def catalog_tables_analyze() -> None:
    """Refresh the planner's statistics (and the row estimate the list pagination reports) after a bulk load."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        for table in (*TABLES, "catalog_artist_genres", "catalog_album_artists", "catalog_track_artists"):
            cursor.execute(f'ANALYZE "{table}"')
