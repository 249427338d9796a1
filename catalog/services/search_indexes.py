"""The name-search indexes behind `?q=` (PostgreSQL trigram indexes, created by migrations 0002 and 0004).

Tracks are searched in `catalog_track_search` (track id, UPPER(name)), a narrow table that triggers keep
in step with catalog_track (migration 0004); its trigram index is dropped and rebuilt with the others.

Keeping a GIN trigram index up to date row by row roughly doubles the time of a large import, so
`import_catalog --defer-indexes` drops them first and rebuilds them once at the end (searches and
filters are slower in between). It does the same with the other non-unique indexes (foreign keys, names,
`_like`): one sorted build at the end instead of a random insert per row into each (measured together with
the other import changes only: bench/RESULTS.md, "Search table and import at 1M"). Primary keys and
unique indexes stay (the upserts need them). What is rebuilt is what migrations made (Django's index statements
for the models, and the trigram indexes): an index added by hand to these tables would not come back.
Re-running the command with the flag restores missing ones.
"""

from catalog.dialects import dialect_for
from catalog.models import Album, Artist, Genre, Track, TrackAudioFeatures

CATALOG_MODELS = (
    Genre, Artist, Album, Track, TrackAudioFeatures,
    Artist.genres.through, Album.artists.through, Track.artists.through,
)  # fmt: skip


def search_indexes_drop() -> bool:
    """Drop the name-search indexes; returns whether this database has any."""
    return dialect_for().search_indexes_drop()


def search_indexes_create() -> bool:
    """Create the name-search indexes if missing; returns whether this database has them."""
    return dialect_for().search_indexes_create()


def catalog_tables_analyze() -> None:
    """Refresh the planner's statistics (and the row estimate the list pagination reports) after a bulk load."""
    dialect_for().tables_analyze()


def secondary_indexes_drop() -> None:
    """Drop the catalog tables' non-unique indexes (search ones included) before a bulk load."""
    dialect_for().secondary_indexes_drop(CATALOG_MODELS)


def secondary_indexes_create() -> None:
    """Create the catalog tables' missing field, foreign-key and Meta indexes (as `migrate` made them)."""
    dialect_for().secondary_indexes_create(CATALOG_MODELS)
