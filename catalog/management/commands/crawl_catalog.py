from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from catalog.services.crawl import DEFAULT_SEED_GENRES, catalog_crawl
from catalog.tasks import crawl_catalog
from integrations.spotify.errors import SpotifyError


class Command(BaseCommand):
    help = "Crawl Spotify: artists (of seed genres, or given ids) -> their albums -> tracks. Safe to re-run."

    def add_arguments(self, parser):
        parser.add_argument(
            "--genre", action="append", dest="genres", help=f"Seed genre (default {DEFAULT_SEED_GENRES})"
        )
        parser.add_argument("--artist", action="append", dest="artist_ids", help="Spotify artist id (repeatable)")
        parser.add_argument("--artists-per-genre", type=int, default=10)
        parser.add_argument("--albums-per-artist", type=int, default=20)
        parser.add_argument(
            "--background",
            action="store_true",
            help="Queue the crawl for a Celery worker and print its task id (follow it at /api/v1/tasks/<id>/).",
        )

    def handle(self, *args, genres, artist_ids, artists_per_genre, albums_per_artist, background, **options):
        if settings.SPOTIFY_USE_STUB_DATA:
            self.stderr.write(
                "Crawling the stub Spotify (SPOTIFY_USE_STUB_DATA is on): the catalog gets its made-up artists. "
                "Set SPOTIFY_USE_STUB_DATA=false and Spotify credentials to crawl the real one."
            )
        arguments = {
            "genres": genres,
            "artist_ids": artist_ids,
            "artists_per_genre": artists_per_genre,
            "albums_per_artist": albums_per_artist,
        }
        if background:
            task = crawl_catalog.delay(**arguments)
            self.stdout.write(f"Crawl queued: task {task.id} (GET /api/v1/tasks/{task.id}/ shows its progress).")
            return
        try:
            result = catalog_crawl(**arguments)
        except SpotifyError as exc:
            raise CommandError(f"Spotify failed: {exc.message}") from exc
        for failure in result.failures:
            self.stderr.write(f"failed: {failure}")
        self.stdout.write(
            f"Crawled {result.artists} artists, {result.albums} albums ({result.albums_skipped} already complete), "
            f"{result.tracks} tracks; {len(result.failures)} failures."
        )
