"""Produce the items of an iterator in a background thread while the caller consumes the previous ones.

The CSV import parses rows in Python and then waits for PostgreSQL to write them; with the parsing in a
thread, the next batch is parsed while the database writes this one (the thread holds the GIL only while
the main thread waits on the database socket, which releases it).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")
_DONE = object()


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def read_ahead(items: Iterator[T], *, depth: int = 2) -> Iterator[T]:
    """The items of `items` in order, produced up to `depth` ahead in a thread; its exceptions are re-raised here."""
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                buffer.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which re-raises it
            put(_Failed(exc))
            return
        put(_DONE)

    thread = threading.Thread(target=produce, name="read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item = buffer.get()
            if item is _DONE:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        thread.join()
