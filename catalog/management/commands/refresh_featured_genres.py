from django.core.management.base import BaseCommand

from catalog.services.genres import featured_genres_refresh


class Command(BaseCommand):
    help = "Rebuild the cached featured genres (with their top artists from Spotify)."

    def handle(self, *args, **options):
        genres = featured_genres_refresh()
        filled = sum(1 for genre in genres if genre["top_artists"])
        self.stdout.write(f"Featured genres refreshed: {len(genres)} genres, {filled} with top artists.")
