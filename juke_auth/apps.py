from django.apps import AppConfig


class JukeAuthConfig(AppConfig):
    name = "juke_auth"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from juke_auth import schema  # noqa: F401, PLC0415 - once apps are ready; registers the OpenAPI auth extension
