"""manage.py import_listens <file>: a ListenBrainz JSON export, a Last.fm scrobble CSV, or HetRec play counts."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from listening.services.imports import (
    ImportReport,
    import_format_detect,
    listens_import,
    play_counts_import,
)

MAX_ERRORS_SHOWN = 50


class Command(BaseCommand):
    help = (
        "Import listens from a ListenBrainz JSON/JSONL export or a Last.fm scrobble CSV (for --user), or "
        "HetRec-style user,artist,plays counts (for --user with --source-user, or one user per source id with "
        "--user-prefix). Importing the same file again adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", help="The Juke username the listens belong to.")
        parser.add_argument("--format", choices=["listenbrainz", "lastfm", "hetrec"], help="Default: detected.")
        parser.add_argument("--source-user", help="HetRec: import only this source user's rows (with --user).")
        parser.add_argument("--user-prefix", help="HetRec: one inactive Juke user per source user, <prefix><id>.")
        parser.add_argument("--artists", type=Path, help="HetRec: artists.dat mapping artist ids to names.")

    def handle(self, *args, **options):
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        user = self._user(options["user"])
        try:
            file_format = options["format"] or import_format_detect(path=path)
            self.stdout.write(f"Importing {path} as {file_format}...")
            if file_format == "hetrec":
                if user is None and not options["user_prefix"]:
                    raise CommandError("Play counts need --user (with --source-user) or --user-prefix.")
                report = play_counts_import(
                    path=path,
                    user=user,
                    source_user=options["source_user"],
                    user_prefix=options["user_prefix"],
                    artists_path=options["artists"],
                    progress=self._progress,
                )
            else:
                if user is None:
                    raise CommandError("--user is required for listen exports.")
                report = listens_import(path=path, user=user, file_format=file_format, progress=self._progress)
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        self._summary(report)

    def _user(self, username: str | None):
        if not username:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No Juke user named {username!r}.")
        return user

    def _progress(self, report: ImportReport) -> None:
        self.stdout.write(f"  line {report.lines}: {report.created} stored, {len(report.errors)} errors")

    def _summary(self, report: ImportReport) -> None:
        for message in report.errors[:MAX_ERRORS_SHOWN]:
            self.stderr.write(message)
        if len(report.errors) > MAX_ERRORS_SHOWN:
            self.stderr.write(f"... and {len(report.errors) - MAX_ERRORS_SHOWN} more errors")
        self.stdout.write(
            self.style.SUCCESS(
                f"Done: {report.lines} lines, {report.created} stored, {report.duplicates} already there, "
                f"{len(report.errors)} errors."
            )
        )
