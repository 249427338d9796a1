"""The Celery app used by the worker and beat: `celery -A settings.celery worker` / `beat`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.base")

app = Celery("juke")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
