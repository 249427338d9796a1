"""Celery entry points for accounts: each calls one service."""

from celery import shared_task

from juke_auth.services.tokens import auth_tokens_purge_expired


@shared_task(name="juke_auth.auth_tokens_purge_expired")
def auth_tokens_purge_expired_task() -> int:
    return auth_tokens_purge_expired()
