"""The name-search indexes behind `?q=` (PostgreSQL trigram indexes, created by migrations 0002 and 0004).

Tracks are searched in `catalog_track_search` (track id, UPPER(name) with spaces stored as "q"), a narrow
table that triggers keep in step with catalog_track (migrations 0004, 0006); its trigram index is dropped and
rebuilt with the others.

Keeping a GIN trigram index up to date row by row roughly doubles the time of a large import, so
`import_catalog --defer-search-indexes` drops them first and rebuilds them once at the end (searches
are slower in between). Re-running the command, or `search_indexes_create()`, restores missing ones.
"""

from catalog.dialects import dialect_for


def search_indexes_drop() -> bool:
    """Drop the name-search indexes; returns whether this database has any."""
    return dialect_for().search_indexes_drop()


def search_indexes_create() -> bool:
    """Create the name-search indexes if missing; returns whether this database has them."""
    return dialect_for().search_indexes_create()


def catalog_tables_analyze() -> None:
    """Refresh the planner's statistics (and the row estimate the list pagination reports) after a bulk load."""
    dialect_for().tables_analyze()
