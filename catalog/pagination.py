"""Limit/offset pagination for catalog lists that stays fast on a million rows.

COUNT(*) over a large table is a sequential scan on PostgreSQL, so:
- an unfiltered list on PostgreSQL reports the planner's estimate (pg_class.reltuples) once the table
  holds more than CATALOG_ESTIMATED_COUNT_THRESHOLD rows (exact below that);
- a filtered list (search, filters) reads the ids of at most CATALOG_COUNT_CAP + 1 matches (default 1,000)
  in one query: when that is all of them, they give both the exact count and the page (fetched by primary
  key), so a selective search runs its trigram scan once; past the cap, PostgreSQL reports the planner's
  estimate for the filtered query (EXPLAIN), other databases the cap, and the page is a normal LIMIT/OFFSET.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connections

from core.pagination import JukePagination


def _estimated_rows(queryset) -> int | None:
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [queryset.model._meta.db_table]
        )
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] is not None and row[0] >= 0 else None


def _estimated_matches(queryset) -> int | None:
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        import json

        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class CatalogPagination(JukePagination):
    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.limit = self.get_limit(request)
        if self.limit is None:
            return None
        self.offset = self.get_offset(request)
        unfiltered = getattr(view, "selector", None)
        if queryset.query.where and unfiltered is not None:
            cap = settings.CATALOG_COUNT_CAP
            ids = list(queryset.order_by().values_list("pk", flat=True)[: cap + 1])
            if len(ids) <= cap:
                self.count = len(ids)
                page_ids = sorted(ids)[self.offset : self.offset + self.limit]
                # The selector's ordering (by id) and prefetches, without re-running the search.
                return list(unfiltered().filter(pk__in=page_ids)) if page_ids else []
            estimate = _estimated_matches(queryset)
            self.count = max(cap, estimate) if estimate is not None else cap
        else:
            self.count = self.get_count(queryset)
        if self.count > self.limit and self.template is not None:
            self.display_page_controls = True
        if self.count == 0 or self.offset > self.count:
            return []
        return list(queryset[self.offset : self.offset + self.limit])

    def get_count(self, queryset) -> int:
        threshold = settings.CATALOG_ESTIMATED_COUNT_THRESHOLD
        cap = settings.CATALOG_COUNT_CAP
        if not queryset.query.where:
            estimate = _estimated_rows(queryset)
            if estimate is not None and estimate > threshold:
                return estimate
            return queryset.order_by().count()
        exact = queryset.order_by()[: cap + 1].count()
        if exact <= cap:
            return exact
        estimate = _estimated_matches(queryset)
        return max(cap, estimate) if estimate is not None else cap
