"""What became of a background job: its Celery state, progress, result or error (read from the result store)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from celery import current_app
from celery.backends.base import DisabledBackend
from celery.result import AsyncResult

from core.errors import DomainError, ErrorKind

PROGRESS = "PROGRESS"  # our custom state: `info` is {"done", "total", "unit"}
FAILED_STATES = {"FAILURE", "RETRY", "REVOKED"}


class TaskResultsNotStored(DomainError):
    """Without a result store (the embedded default runs tasks inline) there is nothing to read."""

    kind: ClassVar[ErrorKind] = ErrorKind.UNAVAILABLE
    default_detail: ClassVar[str] = "Task results are not stored here: set CELERY_RESULT_BACKEND to follow jobs."
    default_code: ClassVar[str] = "task_results_not_stored"


@dataclass(frozen=True)
class TaskStatus:
    id: str
    state: str  # PENDING (queued, or an id we never saw), STARTED, PROGRESS, RETRY, SUCCESS, FAILURE, REVOKED
    progress: dict | None
    result: Any
    error: str | None


def task_status_get(*, task_id: str) -> TaskStatus:
    """The job's state from the result store; raises TaskResultsNotStored when there is none."""
    result = AsyncResult(task_id, app=current_app)
    if isinstance(result.backend, DisabledBackend):
        raise TaskResultsNotStored()
    state, info = result.state, result.info
    return TaskStatus(
        id=task_id,
        state=state,
        progress=info if state == PROGRESS and isinstance(info, dict) else None,
        result=info if state == "SUCCESS" else None,
        error=f"{type(info).__name__}: {info}" if state in FAILED_STATES and isinstance(info, BaseException) else None,
    )


def task_progress_report(task, *, done: int, total: int, unit: str) -> None:
    """Record a running task's progress where `GET /api/v1/tasks/<id>/` reads it (no-op when run inline)."""
    if task.request.id and not task.request.is_eager:
        task.update_state(state=PROGRESS, meta={"done": done, "total": total, "unit": unit})
