from celery import shared_task


@shared_task(name="core.tasks.ping")
def ping() -> str:
    """A no-op task: proves a worker consumes from the broker (used by health checks and tests)."""
    return "pong"
