from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Juke core"

    def ready(self) -> None:
        from core import answer_cache  # noqa: PLC0415 - connects its connection_created receiver

        answer_cache.watch_open_connections()
