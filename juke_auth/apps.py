from django.apps import AppConfig


class JukeAuthConfig(AppConfig):
    name = "juke_auth"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from juke_auth import schema  # noqa: F401 - registers the OpenAPI auth extension
