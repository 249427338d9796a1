"""What the catalog does differently on PostgreSQL and on SQLite (the embedded default), in one place.

Everything else in the catalog speaks the ORM. `dialect_for(alias)` returns the variant for a database:
`PortableDialect` uses only the ORM and works on every backend; `PostgresDialect` replaces the slow or
exact parts with PostgreSQL's own tools (COPY for large batches, `= ANY(array)` lookups, planner
estimates instead of COUNT(*), trigram indexes, ANALYZE).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

import orjson
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from psycopg.errors import UniqueViolation

from core.answer_cache import table_written

BATCH_SIZE = 1000
COPY_MIN_ROWS = 200  # below this, one INSERT ... ON CONFLICT beats COPY into a temp table and a merge
TRIGRAM_TABLES = ("catalog_genre", "catalog_artist", "catalog_album", "catalog_track")
LINK_TABLES = ("catalog_artist_genres", "catalog_album_artists", "catalog_track_artists")
TRACK_SEARCH_TABLE = "catalog_track_search"  # (track_id, name), kept in step by triggers: migrations 0004 and 0006
# How the search table stores a name, and how a pattern is written to match it: upper-cased, with spaces and
# lower-case "q"s swapped, so pg_trgm indexes the joins between words (migration 0006 says why).
TRACK_SEARCH_NAME = "translate(UPPER(%s), ' q', 'q ')"


class PortableDialect:
    """The ORM-only variant (SQLite and any other backend): exact counts, bulk_create upserts."""

    def __init__(self, alias: str = DEFAULT_DB_ALIAS) -> None:
        self.alias = alias

    # --- Reads ---------------------------------------------------------------------------------

    def name_search(self, queryset: QuerySet, search: str) -> QuerySet:
        """The items of `queryset` whose name contains `search`, case-insensitively."""
        return queryset.filter(name__icontains=search)

    def estimated_rows(self, model: type[models.Model]) -> int | None:
        """The planner's row count of the model's table, or None where there is no cheap estimate."""
        return None

    def estimated_matches(self, queryset: QuerySet) -> int | None:
        """The planner's estimate of how many rows the queryset matches, or None."""
        return None

    def rows_fetch(self, *, model: type[models.Model], key: str, values: Sequence, columns: list[str]) -> list[tuple]:
        """`columns` of the rows whose column `key` is in `values`."""
        if not values:
            return []
        names = {field.column: field.attname for field in model._meta.concrete_fields}
        queryset = model._default_manager.using(self.alias).filter(**{f"{names[key]}__in": list(values)})
        return list(queryset.values_list(*[names[column] for column in columns]))

    # --- Writes --------------------------------------------------------------------------------

    def rows_upsert(
        self,
        *,
        model: type[models.Model],
        columns: list[str],
        rows: Sequence[tuple],
        conflict: str,
        update_columns: list[str],
        returning: bool = True,
    ) -> dict:
        """Insert or update rows (tuples of `columns`; JSON columns hold Python values) keyed by the unique
        column `conflict`; returns {conflict value: pk} when `returning`."""
        if not rows:
            return {}
        fields = {field.column: field for field in model._meta.concrete_fields}
        objects = [
            model(**{fields[column].attname: value for column, value in zip(columns, row, strict=True)}) for row in rows
        ]
        model._default_manager.using(self.alias).bulk_create(
            objects,
            batch_size=BATCH_SIZE,
            update_conflicts=True,
            unique_fields=[fields[conflict].name],
            update_fields=[fields[column].name for column in update_columns],
        )
        if not returning:
            return {}
        key = fields[conflict].attname
        ids = {getattr(obj, key): obj.pk for obj in objects if obj.pk is not None}
        missing = [getattr(obj, key) for obj in objects if obj.pk is None]  # backends that return no ids
        ids.update(self.rows_fetch(model=model, key=conflict, values=missing, columns=[conflict, "id"]))
        return ids

    def links_insert(self, *, through: type[models.Model], columns: tuple[str, str], pairs: Iterable[tuple]) -> None:
        """Add many-to-many rows (pairs of ids for `columns`); existing ones are left alone."""
        rows = [through(**dict(zip(columns, pair, strict=True))) for pair in set(pairs)]
        if rows:
            through._default_manager.using(self.alias).bulk_create(
                rows, batch_size=BATCH_SIZE * 5, ignore_conflicts=True
            )

    def rows_insert_absent(
        self, *, model: type[models.Model], columns: list[str], rows: Sequence[tuple], key: str
    ) -> dict | None:
        """Insert rows whose unique column `key` was absent when read, with new ids; returns {key: pk}, or None
        (nothing written) where there is no faster way than `rows_upsert`, which the caller then uses."""
        return None

    def rows_copy(self, *, model: type[models.Model], columns: list[str], rows: Sequence[tuple]) -> None:
        """Insert rows that cannot conflict with stored ones (they hang off rows this transaction inserted)."""
        fields = {field.column: field for field in model._meta.concrete_fields}
        model._default_manager.using(self.alias).bulk_create(
            [
                model(**{fields[column].attname: value for column, value in zip(columns, row, strict=True)})
                for row in rows
            ],
            batch_size=BATCH_SIZE,
        )

    def bulk_transaction_begin(self) -> None:
        """Called first in each transaction of a bulk import (re-runnable: a lost last batch is re-imported)."""

    # --- Maintenance ---------------------------------------------------------------------------

    def search_indexes_drop(self) -> bool:
        """Drop the name-search indexes before a bulk load; returns whether there were any to drop."""
        return False

    def search_indexes_create(self) -> bool:
        """Create the name-search indexes if missing; returns whether this database has them."""
        return False

    def tables_analyze(self) -> None:
        """Refresh the planner's statistics after a bulk load."""


class PostgresDialect(PortableDialect):
    """PostgreSQL: COPY for large batches, one-query lookups, planner estimates, trigram indexes."""

    @property
    def connection(self):
        return connections[self.alias]

    def name_search(self, queryset: QuerySet, search: str) -> QuerySet:
        if queryset.model._meta.db_table != "catalog_track":
            return super().name_search(queryset, search)
        # The same match as name__icontains (UPPER(name) LIKE UPPER('%..%'), LIKE characters escaped), read
        # from the narrow search table: its trigram recheck touches few, cached pages (migration 0004).
        like = self.connection.ops.prep_for_like_query
        joins = _word_joins(search)
        if not joins:
            matching = f'SELECT "track_id" FROM "{TRACK_SEARCH_TABLE}" WHERE "name" LIKE {TRACK_SEARCH_NAME}'  # noqa: S608 - our identifier
            return queryset.filter(pk__in=RawSQL(matching, [f"%{like(search)}%"]))  # noqa: S611 - bound values
        # Several words: the index is asked only for the joins between them (short posting lists, migration
        # 0006), then the whole pattern is checked on those candidates. Every join is a piece of the search
        # text, so no match is lost; OFFSET 0 keeps the planner from handing the whole pattern's trigrams
        # (long lists when the words are common) to the index as well.
        candidates = " AND ".join([f'"name" LIKE {TRACK_SEARCH_NAME}'] * len(joins))
        matching = (
            f'SELECT "track_id" FROM (SELECT "track_id", "name" FROM "{TRACK_SEARCH_TABLE}" WHERE {candidates} '  # noqa: S608 - our identifiers
            f'OFFSET 0) AS "candidates" WHERE "name" LIKE {TRACK_SEARCH_NAME}'
        )
        params = [f"%{like(join)}%" for join in joins] + [f"%{like(search)}%"]
        return queryset.filter(pk__in=RawSQL(matching, params))  # noqa: S611 - the user's text is a bound value

    def estimated_rows(self, model: type[models.Model]) -> int | None:
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table])
            row = cursor.fetchone()
        return int(row[0]) if row and row[0] is not None and row[0] >= 0 else None

    def estimated_matches(self, queryset: QuerySet) -> int | None:
        sql, params = queryset.order_by().values("pk").query.sql_with_params()
        with self.connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
        if isinstance(plan, str):
            plan = json.loads(plan)
        return int(plan[0]["Plan"]["Plan Rows"])

    def rows_fetch(self, *, model: type[models.Model], key: str, values: Sequence, columns: list[str]) -> list[tuple]:
        if not values:
            return []
        with self.connection.cursor() as cursor:
            cursor.execute(
                f'SELECT {_column_list(columns)} FROM "{model._meta.db_table}" WHERE "{key}" = ANY(%s)',  # noqa: S608 - our identifiers, bound values
                [list(values)],
            )
            return cursor.fetchall()

    def rows_upsert(
        self,
        *,
        model: type[models.Model],
        columns: list[str],
        rows: Sequence[tuple],
        conflict: str,
        update_columns: list[str],
        returning: bool = True,
    ) -> dict:
        if len(rows) < COPY_MIN_ROWS:
            return super().rows_upsert(
                model=model,
                columns=columns,
                rows=rows,
                conflict=conflict,
                update_columns=update_columns,
                returning=returning,
            )
        rows = _json_as_text(model=model, columns=columns, rows=rows)
        table = model._meta.db_table
        updates = ", ".join(f'"{column}" = EXCLUDED."{column}"' for column in update_columns)
        sql = (
            f'INSERT INTO "{table}" ({_column_list(columns)}) SELECT {_column_list(columns)} FROM "{{temp}}" '  # noqa: S608 - our identifiers, bound values
            f'ON CONFLICT ("{conflict}") DO UPDATE SET {updates}'
        )
        with transaction.atomic(using=self.alias), self.connection.cursor() as cursor:
            temp = _copy_into_temp(cursor, table=table, columns=columns, rows=rows)
            if not returning:
                cursor.execute(sql.format(temp=temp))
                return {}
            cursor.execute(f'{sql.format(temp=temp)} RETURNING "{conflict}", "id"')
            return dict(cursor.fetchall())

    def links_insert(self, *, through: type[models.Model], columns: tuple[str, str], pairs: Iterable[tuple]) -> None:
        pairs = list(set(pairs))
        if len(pairs) < COPY_MIN_ROWS:
            super().links_insert(through=through, columns=columns, pairs=pairs)
            return
        table = through._meta.db_table
        with transaction.atomic(using=self.alias), self.connection.cursor() as cursor:
            temp = _copy_into_temp(cursor, table=table, columns=list(columns), rows=pairs)
            cursor.execute(
                f'INSERT INTO "{table}" ({_column_list(columns)}) SELECT {_column_list(columns)} FROM "{temp}" '  # noqa: S608 - our identifiers, bound values
                "ON CONFLICT DO NOTHING"
            )

    def rows_insert_absent(
        self, *, model: type[models.Model], columns: list[str], rows: Sequence[tuple], key: str
    ) -> dict | None:
        # COPY straight into the table, ids taken from its sequence: no staging table and no ON CONFLICT probe
        # of the unique index per row. A row another writer stored since the read is a unique violation: the
        # savepoint undoes this COPY alone and the caller upserts the batch as before.
        if len(rows) < COPY_MIN_ROWS:
            return None
        table = model._meta.db_table
        rows = _json_as_text(model=model, columns=columns, rows=rows)
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(rows)]
            )
            ids = [pk for (pk,) in cursor.fetchall()]
            try:
                with transaction.atomic(using=self.alias):
                    _copy_rows(
                        cursor,
                        table=table,
                        columns=["id", *columns],
                        rows=[(pk, *row) for pk, row in zip(ids, rows, strict=True)],
                    )
            except UniqueViolation:
                return None
        index = columns.index(key)
        return {row[index]: pk for pk, row in zip(ids, rows, strict=True)}

    def rows_copy(self, *, model: type[models.Model], columns: list[str], rows: Sequence[tuple]) -> None:
        if len(rows) < COPY_MIN_ROWS:
            super().rows_copy(model=model, columns=columns, rows=rows)
            return
        with self.connection.cursor() as cursor:
            _copy_rows(
                cursor,
                table=model._meta.db_table,
                columns=columns,
                rows=_json_as_text(model=model, columns=columns, rows=rows),
            )

    def bulk_transaction_begin(self) -> None:
        # Commit without waiting for the WAL flush: a crash can lose the last batches (not corrupt anything),
        # and the import is idempotent, so a re-run writes them again.
        with self.connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")

    def search_indexes_drop(self) -> bool:
        with self.connection.cursor() as cursor:
            for table in (*TRIGRAM_TABLES, TRACK_SEARCH_TABLE):
                cursor.execute(f'DROP INDEX IF EXISTS "{table}_name_trgm"')
        return True

    def search_indexes_create(self) -> bool:
        indexes = [(table, 'UPPER("name"::text)') for table in TRIGRAM_TABLES]
        if self._table_exists(TRACK_SEARCH_TABLE):  # its names are stored upper-cased (migration 0004)
            indexes.append((TRACK_SEARCH_TABLE, '"name"'))
        with self.connection.cursor() as cursor:
            if self.connection.in_atomic_block:  # deferred FK checks pending here would block CREATE INDEX
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            # A GIN build sorts in maintenance_work_mem: the 64 MB default spills a 1M-row build into passes.
            cursor.execute("SELECT set_config('maintenance_work_mem', '256MB', %s)", [self.connection.in_atomic_block])
            for table, expression in indexes:
                cursor.execute(
                    f'CREATE INDEX IF NOT EXISTS "{table}_name_trgm" ON "{table}" USING gin (({expression}) gin_trgm_ops)'
                )
            cursor.execute("RESET maintenance_work_mem")
        return True

    def _table_exists(self, table: str) -> bool:
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [table])
            return bool(cursor.fetchone()[0])

    def tables_analyze(self) -> None:
        if self.connection.in_atomic_block:  # ANALYZE inside a caller's transaction would hold its locks
            return
        with self.connection.cursor() as cursor:
            for table in (*TRIGRAM_TABLES, *LINK_TABLES):
                cursor.execute(f'ANALYZE "{table}"')


def dialect_for(alias: str = DEFAULT_DB_ALIAS) -> PortableDialect:
    """The catalog's dialect for this database (the one place that looks at the backend's vendor)."""
    if connections[alias].vendor == "postgresql":
        return PostgresDialect(alias)
    return PortableDialect(alias)


def _word_joins(search: str) -> list[str]:
    """Each space inside `search` with up to two characters either side ("love night" -> ["ve ni"])."""
    joins = [search[max(0, at - 2) : at + 3] for at in range(1, len(search) - 1) if search[at] == " "]
    return list(dict.fromkeys(joins))


def _column_list(columns: Iterable[str]) -> str:
    return ", ".join(f'"{column}"' for column in columns)


def _json_as_text(*, model: type[models.Model], columns: list[str], rows: Sequence[tuple]) -> Sequence[tuple]:
    """COPY takes JSON columns as text: encode the Python values there."""
    json_columns = {field.column for field in model._meta.concrete_fields if isinstance(field, models.JSONField)}
    indexes = {index for index, column in enumerate(columns) if column in json_columns}
    if not indexes:
        return rows
    # orjson: several times faster than json for these small values; PostgreSQL parses either text the same.
    encoded = []
    for row in rows:
        values = list(row)
        for index in indexes:
            values[index] = orjson.dumps(values[index]).decode()
        encoded.append(tuple(values))
    return encoded


def _copy_into_temp(cursor, *, table: str, columns: list[str], rows: Sequence[tuple]) -> str:
    """COPY the rows into a temporary table shaped like `table` (dropped at commit); returns its name."""
    temp = f"import_{table}"
    cursor.execute(f'DROP TABLE IF EXISTS "{temp}"')
    cursor.execute(
        f'CREATE TEMP TABLE "{temp}" ON COMMIT DROP AS SELECT {_column_list(columns)} FROM "{table}" WITH NO DATA'  # noqa: S608 - our identifiers, bound values
    )
    _copy_rows(cursor, table=temp, columns=columns, rows=rows)
    return temp


def _copy_rows(cursor, *, table: str, columns: list[str], rows: Iterable[Sequence]) -> None:
    with cursor.cursor.copy(f'COPY "{table}" ({_column_list(columns)}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)
    table_written(cursor.db, table)  # psycopg's COPY bypasses the cursor wrappers that see other writes
