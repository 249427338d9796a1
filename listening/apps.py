from django.apps import AppConfig
from django.db.models.signals import post_save


class ListeningConfig(AppConfig):
    name = "listening"
    verbose_name = "Listening history"

    def ready(self) -> None:
        from social_django.models import UserSocialAuth

        from catalog.models import Track
        from listening import signals

        post_save.connect(signals.spotify_account_saved, sender=UserSocialAuth, dispatch_uid="listening-spotify-link")
        post_save.connect(signals.catalog_track_saved, sender=Track, dispatch_uid="listening-track-created")
