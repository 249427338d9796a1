"""Fill an empty database with the demo catalog, a trained model and a local admin (development only)."""

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from catalog.models import Track
from recommender.models import ModelArtifact

DEMO_CATALOG = Path(settings.BASE_DIR) / "demo" / "spotify_songs_sample.csv"


def admin_credentials_path() -> Path:
    """Kept beside the SQLite database it belongs to (var/ for the default database)."""
    return Path(settings.SQLITE_PATH).parent / "admin-credentials.txt"


class Command(BaseCommand):
    help = "Load the demo catalog and train the demo model when the database has none (safe to re-run)."

    def handle(self, *args, **options):
        if not settings.IS_DEVELOPMENT:
            raise CommandError("seed_demo only runs with JUKE_RUNTIME_ENV=development.")
        if Track.objects.exists():
            self.stdout.write("Catalog present: demo catalog not loaded again.")
        else:
            call_command("import_catalog", str(DEMO_CATALOG))
        if ModelArtifact.objects.filter(is_active=True).exists():
            self.stdout.write("A trained model is active: not retraining.")
        else:
            call_command("retrain")
        self._ensure_local_admin()

    def _ensure_local_admin(self) -> None:
        user_model = get_user_model()
        if user_model.objects.filter(is_superuser=True).exists():
            return
        password = secrets.token_urlsafe(12)
        user_model.objects.create_superuser(username="admin", email="admin@juke.local", password=password)
        credentials = admin_credentials_path()
        credentials.parent.mkdir(parents=True, exist_ok=True)
        credentials.write_text(f"user admin, password {password}\n")
        self.stdout.write(f"Created the local admin: user admin, password {password} (saved in {credentials}).")
