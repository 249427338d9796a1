from django.core.management.base import BaseCommand, CommandError

from catalog.services.crawl import DEFAULT_SEED_GENRES, catalog_crawl
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

    def handle(self, *args, genres, artist_ids, artists_per_genre, albums_per_artist, **options):
        try:
            result = catalog_crawl(
                genres=genres,
                artist_ids=artist_ids,
                artists_per_genre=artists_per_genre,
                albums_per_artist=albums_per_artist,
            )
        except SpotifyError as exc:
            raise CommandError(f"Spotify failed: {exc.message}") from exc
        for failure in result.failures:
            self.stderr.write(f"failed: {failure}")
        self.stdout.write(
            f"Crawled {result.artists} artists, {result.albums} albums ({result.albums_skipped} already complete), "
            f"{result.tracks} tracks; {len(result.failures)} failures."
        )
