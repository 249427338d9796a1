"""Whole answers of hot reads, kept in the shared cache until the tables they come from change.

Catalog lists and details and recommendations by catalog seeds are the same for every signed-in user, and
most requests ask for the same few pages; a user's own music profile is read far more often than written.
Each such answer is stored as rendered JSON under its request, together with the generation of its scope
(the tables it reads) taken before it was computed, and served again while that generation is current.
Authentication, permissions and input validation still run on every request.

Every statement that writes a table of a scope moves that scope's generation on (`_note_write`, installed on
each database connection): at once, so the writing process never reads an older answer, and again when the
transaction commits, so an answer another process computed from the data before the commit is never served
after it. If Redis misses a change (unreachable at that moment), ANSWER_CACHE_SECONDS bounds how long an old
answer can live.
"""

from __future__ import annotations

import functools
import hashlib
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.http import HttpResponse
from rest_framework.response import Response

# Scope -> prefixes of the tables its answers are read from.
SCOPES = {
    "catalog": ("catalog_", "recommender_"),
    "profiles": ("juke_auth_musicprofile", "juke_auth_jukeuser"),
}
_WRITE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?|MERGE\s+INTO)\s+"?(\w+)', re.I)
# Every sign-in stamps the user's last_login (Django's update_last_login), which no cached answer shows: counted as
# a write, each sign-in would empty every user's cached profile.
_SIGN_IN_STAMP = re.compile(r'\s*UPDATE\s+"?juke_auth_jukeuser"?\s+SET\s+"?last_login"?\s*=\s*%s\s+WHERE\s', re.I)


def enabled() -> bool:
    return bool(settings.ANSWER_CACHE_SECONDS)


def _generation_key(scope: str) -> str:
    return f"answers:generation:{scope}"


def generation_bump(scope: str) -> None:
    cache.set(_generation_key(scope), uuid.uuid4().hex, timeout=None)


def not_cached(response: HttpResponse) -> HttpResponse:
    """Mark an answer that depends on more than its scope's tables, so that it is not stored."""
    response.not_cached = True  # type: ignore[attr-defined]
    return response


def cached_answer(request, *, scope: str, key: str, build: Callable[[], HttpResponse]) -> HttpResponse:
    """The answer `build()` gives for `key` (what the answer depends on besides the scope's tables), from the
    cache when it holds one of the scope's current generation. Only JSON answers with status 200 are kept."""
    renderer = getattr(request, "accepted_renderer", None)
    if not enabled() or renderer is None or renderer.format != "json":
        return build()
    digest = hashlib.sha256(f"{request.build_absolute_uri('/')}\n{key}".encode()).hexdigest()
    answer_key, generation_key = f"answers:{scope}:{digest}", _generation_key(scope)
    found = cache.get_many([generation_key, answer_key])
    generation = found.get(generation_key)
    if generation is None:  # first use, or Redis is down (then nothing below is stored either)
        generation_bump(scope)
        return build()
    stored = found.get(answer_key)
    if stored is not None and stored[0] == generation:
        return HttpResponse(stored[2], content_type=stored[1])
    response = build()
    if isinstance(response, Response) and response.status_code == 200 and not getattr(response, "not_cached", False):
        response.add_post_render_callback(
            lambda rendered: cache.set(
                answer_key, (generation, rendered["Content-Type"], rendered.content), settings.ANSWER_CACHE_SECONDS
            )
        )
    return response


_BUMP_ON_COMMIT = {scope: functools.partial(generation_bump, scope) for scope in SCOPES}


def table_written(connection, table: str) -> None:
    """Move on the generation of every scope that reads `table`. Statements run through Django's cursors are
    seen by themselves; a raw COPY (psycopg's `cursor.copy`) must say so."""
    if not enabled():
        return
    for scope, prefixes in SCOPES.items():
        if table.lower().startswith(prefixes):
            generation_bump(scope)
            if connection.in_atomic_block:
                bump = _BUMP_ON_COMMIT[scope]
                if not any(item[1] is bump for item in connection.run_on_commit):
                    connection.on_commit(bump)


def _note_write(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    write = _WRITE.match(sql) if isinstance(sql, str) else None
    if write is not None and not _SIGN_IN_STAMP.match(sql):
        table_written(context["connection"], write.group(1))
    return result


@receiver(connection_created, dispatch_uid="answer-cache-write-watch")
def _watch_writes(sender, connection, **kwargs) -> None:
    if _note_write not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, _note_write)  # first: `execute_wrapper()` blocks pop the last


def watch_open_connections() -> None:
    """Connections opened before this module was imported (e.g. by a management command) are watched too."""
    for connection in connections.all(initialized_only=True):
        _watch_writes(sender=None, connection=connection)
