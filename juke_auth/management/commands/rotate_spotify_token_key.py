"""Re-encrypt every stored Spotify token with the first key of JUKE_SPOTIFY_TOKEN_KEYS (see ADR 0013)."""

from django.core.management.base import BaseCommand

from juke_auth.services.spotify_credentials import spotify_credentials_rotate_all


class Command(BaseCommand):
    help = "Re-encrypt stored Spotify tokens with the newest key; afterwards the older keys can be removed."

    def handle(self, *args, **options):
        rotated = spotify_credentials_rotate_all()
        self.stdout.write(f"Re-encrypted the Spotify tokens of {rotated} linked account(s) with the newest key.")
