from django.apps import AppConfig


class JukeAuthConfig(AppConfig):
    name = "juke_auth"
    verbose_name = "Accounts"
