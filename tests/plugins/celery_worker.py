"""Fixture: a real Celery worker process on Redis for integration tests."""
