from django.core.management.base import BaseCommand

from catalog.services.genres import genre_sync_from_spotify


class Command(BaseCommand):
    help = "Create a genre for every Spotify genre seed (calls Spotify; the stub in stub mode)."

    def handle(self, *args, **options):
        result = genre_sync_from_spotify()
        self.stdout.write(f"Genres from Spotify {result.source}: {result.total} seen, {result.created} created.")
