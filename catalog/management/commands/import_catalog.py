"""`manage.py import_catalog <csv>`: bulk-load a Spotify tracks export (see catalog.services.import_csv)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from catalog.errors import CatalogImportError
from catalog.services.import_csv import BATCH_ROWS, catalog_import_csv
from catalog.services.search_indexes import catalog_tables_analyze, search_indexes_create, search_indexes_drop


class Command(BaseCommand):
    help = "Import genres, artists, albums, tracks and audio features from a Spotify tracks CSV export."

    def add_arguments(self, parser):
        parser.add_argument("csv_path", type=Path)
        parser.add_argument("--batch-size", type=int, default=BATCH_ROWS, help="Rows per transaction.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")
        parser.add_argument("--max-errors-shown", type=int, default=20)
        parser.add_argument(
            "--defer-search-indexes",
            action="store_true",
            help="PostgreSQL: drop the trigram name indexes during the import and rebuild them at the end "
            "(about twice as fast for large files; name searches are slow meanwhile).",
        )

    def handle(
        self,
        *args,
        csv_path: Path,
        batch_size: int,
        no_progress: bool,
        max_errors_shown: int,
        defer_search_indexes: bool,
        **options,
    ):
        if not csv_path.is_file():
            raise CommandError(f"No such file: {csv_path}")
        show_progress = not no_progress and options.get("verbosity", 1) >= 1
        # Bytes read against the file's size: the bar knows its total, so it shows a percentage and an ETA.
        bar = tqdm(
            total=csv_path.stat().st_size,
            unit="B",
            unit_scale=True,
            desc=csv_path.name,
            disable=not show_progress or None,
            file=self.stderr._out,
        )

        def progress(rows: int, bytes_read: int) -> None:
            bar.set_postfix_str(f"{rows:,} rows", refresh=False)
            bar.update(bytes_read - bar.n)

        if defer_search_indexes:
            search_indexes_drop()
        try:
            summary = catalog_import_csv(path=csv_path, batch_rows=batch_size, on_progress=progress)
        except CatalogImportError as exc:
            raise CommandError(exc.detail) from exc
        finally:
            bar.close()
            if defer_search_indexes and search_indexes_create():
                self.stderr.write("Search indexes rebuilt.")
        for warning in summary.warnings:
            self.stderr.write(f"warning: {warning}")
        catalog_tables_analyze()
        for error in summary.errors[:max_errors_shown]:
            self.stderr.write(f"skipped {error}")
        if len(summary.errors) > max_errors_shown:
            self.stderr.write(f"... and {summary.failed_rows - max_errors_shown} more bad rows")
        self.stdout.write(
            f"Imported {csv_path.name}: {summary.rows} rows; tracks created {summary.tracks_created}, "
            f"updated {summary.tracks_updated}, skipped {summary.skipped} "
            f"({summary.tracks_unchanged} unchanged, {summary.duplicate_rows} repeated rows), "
            f"failed {summary.failed_rows}; new genres {summary.genres_created}, artists {summary.artists_created}, "
            f"albums {summary.albums_created} (updated {summary.albums_updated}); "
            f"audio features written {summary.features_written}."
        )
