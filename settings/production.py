"""What production refuses to start with: each setting that would run it degraded, named with its variable."""

from django.core.exceptions import ImproperlyConfigured

DEVELOPMENT_ONLY_HOSTS = ("0.0.0.0", "10.0.2.2")  # noqa: S104 - a list of hosts production refuses


def refuse_degraded_production(
    *,
    allowed_hosts: list[str],
    backend_url: str,
    frontend_url: str,
    database_engine: str,
    cache_backend: str,
    broker_url: str,
    spotify_stub: bool,
) -> None:
    """Raise ImproperlyConfigured listing every problem, so one start-up shows all there is to fix."""
    problems = []
    if spotify_stub:
        problems.append("SPOTIFY_USE_STUB_DATA must be off: production serves real Spotify data.")
    for name, url in (("BACKEND_URL", backend_url), ("FRONTEND_URL", frontend_url)):
        if not url.startswith("https://"):
            problems.append(f"{name} must be an https:// origin (got {url!r}).")
    if "sqlite" in database_engine:
        problems.append(
            "DATABASE_URL (or POSTGRES_*) must select PostgreSQL: SQLite serves one writer at a time on one machine."
        )
    if "locmem" in cache_backend:
        problems.append(
            "CACHE_URL must point at Redis: an in-process cache makes throttles and sign-in state per process."
        )
    if broker_url.startswith("memory://"):
        problems.append("CELERY_BROKER_URL must point at Redis: without a broker tasks run inside API requests.")
    development_hosts = [host for host in allowed_hosts if host in DEVELOPMENT_ONLY_HOSTS]
    if development_hosts:
        problems.append(
            f"DJANGO_ALLOWED_HOSTS must list the public host names only, not {', '.join(development_hosts)} "
            f"(the development defaults apply while it is unset)."
        )
    if problems:
        raise ImproperlyConfigured("JUKE_RUNTIME_ENV=production refuses: " + " ".join(problems))
