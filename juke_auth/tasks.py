from celery import shared_task

from juke_auth.services.tokens import auth_tokens_purge_expired


@shared_task(name="juke_auth.auth_tokens_purge_expired")
def purge_expired_auth_tokens() -> int:
    return auth_tokens_purge_expired()
