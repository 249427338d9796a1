from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.services.genres import genre_import_file


class Command(BaseCommand):
    help = 'Import genre names from a file: one per line (# comments), or a JSON list / {"genres": [...]}.'

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options):
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            result = genre_import_file(path=path)
        except ValueError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        self.stdout.write(f"Genres from {path.name}: {result.total} seen, {result.created} created.")
