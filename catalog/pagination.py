"""Pagination for catalog lists that stays fast on a million rows: limit/offset, or a keyset cursor.

`?cursor=` (the `next` link of a cursor page; empty for the first page) pages by id: each page is
`WHERE id > <last id> ORDER BY id LIMIT n`, an index range scan, so page 1,000 costs what page 1 costs.
Offsets stay for the existing clients, up to CATALOG_MAX_OFFSET (deep OFFSET reads and drops every
skipped row); a deeper offset is a 400 that points to the cursor.

COUNT(*) over a large table is a sequential scan on PostgreSQL, so:
- an unfiltered list on PostgreSQL reports the planner's estimate (pg_class.reltuples) once the table
  holds more than CATALOG_ESTIMATED_COUNT_THRESHOLD rows (exact below that);
- a filtered list (search, filters) reads the ids of at most CATALOG_COUNT_CAP + 1 matches (default 1,000)
  in one query: when that is all of them, they give both the exact count and the page (fetched by primary
  key), so a selective search runs its trigram scan once; past the cap, PostgreSQL reports the planner's
  estimate for the filtered query (EXPLAIN), other databases the cap, and the page is a normal LIMIT/OFFSET.
"""

from __future__ import annotations

import base64
import binascii

from django.conf import settings
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from catalog.dialects import dialect_for
from core.pagination import JukePagination

MAX_OFFSET = 10_000
BAD_CURSOR = "Invalid cursor: use the `next` link of the previous page (or an empty cursor for the first page)."


def cursor_encode(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def cursor_decode(cursor: str) -> int:
    """The last id of the previous page (0 for the first page); ValidationError for anything else."""
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValidationError({"cursor": [BAD_CURSOR]}) from None
    prefix, _, number = text.partition(":")
    if prefix != "id" or not number.isascii() or not number.isdigit():
        raise ValidationError({"cursor": [BAD_CURSOR]})
    return int(number)


class CatalogPagination(JukePagination):
    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.cursor_mode = self.cursor_query_param in request.query_params
        self.limit = self.get_limit(request)
        if self.limit is None:
            return None
        if self.cursor_mode:
            return self._keyset_page(
                queryset, cursor_decode(request.query_params[self.cursor_query_param]), limit=self.limit
            )
        self.offset = self.get_offset(request)
        if self.offset > MAX_OFFSET:
            raise ValidationError({"offset": [f"At most {MAX_OFFSET}; page deeper with `cursor=` (keyset pages)."]})
        unfiltered = getattr(view, "selector", None)
        if queryset.query.where and unfiltered is not None:
            cap = settings.CATALOG_COUNT_CAP
            ids = list(queryset.order_by().values_list("pk", flat=True)[: cap + 1])
            if len(ids) <= cap:
                self.count = len(ids)
                page_ids = sorted(ids)[self.offset : self.offset + self.limit]
                # The selector's ordering (by id) and prefetches, without re-running the search.
                return list(unfiltered().filter(pk__in=page_ids)) if page_ids else []
            estimate = dialect_for(queryset.db).estimated_matches(queryset)
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
            estimate = dialect_for(queryset.db).estimated_rows(queryset.model)
            if estimate is not None and estimate > threshold:
                return estimate
            return queryset.order_by().count()
        exact = queryset.order_by()[: cap + 1].count()
        if exact <= cap:
            return exact
        estimate = dialect_for(queryset.db).estimated_matches(queryset)
        return max(cap, estimate) if estimate is not None else cap

    def _keyset_page(self, queryset, after_id: int, *, limit: int) -> list:
        page = list(queryset.filter(pk__gt=after_id).order_by("pk")[: limit + 1])
        self.has_more = len(page) > limit
        self.page = page[:limit]
        return self.page

    def get_paginated_response(self, data):
        if not self.cursor_mode:
            return super().get_paginated_response(data)
        url = self.request.build_absolute_uri()
        next_url = (
            replace_query_param(
                remove_query_param(url, "offset"), self.cursor_query_param, cursor_encode(self.page[-1].pk)
            )
            if self.has_more
            else None
        )
        return Response({"next": next_url, "results": data})

    def get_paginated_response_schema(self, schema):
        described = super().get_paginated_response_schema(schema)
        described["properties"]["next"]["description"] = "With `cursor=`: the next keyset page (no count, no previous)."
        return described
