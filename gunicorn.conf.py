"""gunicorn settings for the API (read from the working directory by `gunicorn settings.wsgi:application`).

Threaded workers (gthread): a request waiting on a slow dependency holds one thread, not a whole process, so
WORKERS x THREADS requests can wait before an unrelated one queues. Timeouts on every outside call (engine
0.5 s, cache 0.25 s, broker 1 s) keep those waits short; GUNICORN_TIMEOUT only catches a worker that hangs.
"""

import gc
import os

bind = f"{os.environ.get('BACKEND_HOST', '127.0.0.1')}:{os.environ.get('BACKEND_PORT', '8000')}"
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# No keep-alive: a gthread worker serves every connection it accepted, so a few busy keep-alive clients can all
# land on one worker, which the GIL holds to one core. Measured (bench/RESULTS.md): with 5 s keep-alive, 16 wrk
# connections sat on a single worker in 3 of 6 runs, at half the throughput. A proxy in front keeps the clients'
# connections alive; each request to gunicorn then goes to whichever worker is free to accept it.
keepalive = 0
# Replace each worker now and then (with jitter, so not all at once): a leak costs a restart, not an outage.
# Measured (bench/RESULTS.md, mixed workload): a worker's boot costs 1.3-2 s of CPU, and at 5,000 requests the
# three workers restarted every ~15 s under load; 50,000 keeps that cost near nothing.
max_requests = 50_000
max_requests_jitter = 5_000
# The app is imported once in the master and workers are forked from it, so a replacement worker starts in
# milliseconds instead of re-importing Django and numpy. New code needs a restart of the master, not a HUP.
preload_app = True
accesslog = "-"


def when_ready(server):
    """In the master, once the app is loaded and before the first fork: import every view too, then freeze
    what exists so far. Frozen objects are left out of the workers' garbage collections: a full collection
    over the unfrozen app paused requests 80-150 ms in a profile (bench/RESULTS.md), and it no longer touches
    pages the workers share with the master."""
    if not server.cfg.preload_app:
        return
    from django.urls import get_resolver  # noqa: PLC0415 - Django is set up only once the app is loaded

    get_resolver().url_patterns  # noqa: B018 - imports the URLconf, hence every view and serializer
    gc.collect()
    gc.freeze()
