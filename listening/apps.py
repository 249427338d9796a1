from django.apps import AppConfig
from django.db.models.signals import post_save


class ListeningConfig(AppConfig):
    name = "listening"
    verbose_name = "Listening history"

    def ready(self) -> None:
        # Models and handlers load only once the app registry is ready.
        from social_django.models import UserSocialAuth  # noqa: PLC0415

        from catalog.models import Track  # noqa: PLC0415
        from listening import signals  # noqa: PLC0415

        post_save.connect(signals.spotify_account_saved, sender=UserSocialAuth, dispatch_uid="listening-spotify-link")
        post_save.connect(signals.catalog_track_saved, sender=Track, dispatch_uid="listening-track-created")
