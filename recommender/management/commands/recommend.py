"""Recommendations from the command line: `python manage.py recommend --seeds juke:artist:<id> [--offline]`."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from juke_ml.query import DEFAULT_SEED_WEIGHT
from recommender.errors import EngineUnavailable, SeedErrors
from recommender.services.recommendations import (
    RESOURCE_TYPES,
    recommendation_list,
    recommendation_list_offline,
)
from recommender.services.seeds import SeedRequest


def _split(values: list[str] | None) -> list[str]:
    """Accept both `--seeds a b` and `--seeds a,b`."""
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def _error_text(detail) -> str:
    if isinstance(detail, dict):
        return "; ".join(f"{key}: {_error_text(value)}" for key, value in detail.items())
    if isinstance(detail, list):
        return " ".join(_error_text(value) for value in detail)
    return str(detail)


class Command(BaseCommand):
    help = "Print recommendations (name, type, likeness, spotify_id) for seeds, names, genres or profiles."

    def add_arguments(self, parser):
        parser.add_argument("--seeds", nargs="*", help="Juke URIs: juke:artist:<id>, juke:album:<id>, juke:track:<id>.")
        parser.add_argument("--profiles", nargs="*", help="Usernames whose favourites become seeds.")
        parser.add_argument("--artists", nargs="*", help="Artist names (comma-separated or repeated).")
        parser.add_argument("--albums", nargs="*", help="Album names.")
        parser.add_argument("--tracks", nargs="*", help="Track names.")
        parser.add_argument("--genres", nargs="*", help="Genre names.")
        parser.add_argument("--resource-types", nargs="*", choices=RESOURCE_TYPES, help="Default: all three.")
        parser.add_argument("--limit", type=int, default=10, help="Results per type, 1-50 (default 10).")
        parser.add_argument("--seed-weight", type=float, default=DEFAULT_SEED_WEIGHT, help="0-1 (default 0.5).")
        parser.add_argument("--offline", action="store_true", help="Score in this process; no engine needed.")

    def handle(self, *args, **options):
        if not 1 <= options["limit"] <= 50:
            raise CommandError("--limit must be between 1 and 50.")
        if not 0.0 <= options["seed_weight"] <= 1.0:
            raise CommandError("--seed-weight must be between 0 and 1.")
        request = SeedRequest.from_mapping(
            {name: _split(options[name]) for name in ("seeds", "profiles", "artists", "albums", "tracks", "genres")}
        )
        resource_types = sorted(set(options["resource_types"] or [])) or None
        service = recommendation_list_offline if options["offline"] else recommendation_list
        try:
            result = service(
                request=request,
                seed_weight=options["seed_weight"],
                limit=options["limit"],
                resource_types=resource_types,
            )
        except SeedErrors as error:
            raise CommandError(_error_text(error.errors)) from error
        except EngineUnavailable as error:
            raise CommandError(
                f"The recommender engine did not answer at {settings.RECOMMENDER_ENGINE_BASE_URL}. "
                "Start it with `make engine` (or `make run`), or score in this process with --offline."
            ) from error
        except DomainError as error:
            raise CommandError(error.detail) from error

        rows = [
            (item["name"], resource_type[:-1], f"{item['likeness']:.3f}", str(item["extra"].get("spotify_id", "")))
            for resource_type in RESOURCE_TYPES
            for item in getattr(result, resource_type)
        ]
        mode = "offline" if options["offline"] else "engine"
        self.stdout.write(f"Model {result.model_version} ({mode}); seeds: {', '.join(result.seeds) or 'names only'}")
        if result.unresolved:
            self.stdout.write(f"Unresolved: {', '.join(result.unresolved)}")
        if not rows:
            self.stdout.write("No recommendations.")
            return
        headers = ("name", "type", "likeness", "spotify_id")
        widths = [min(max(len(headers[i]), *(len(row[i]) for row in rows)), 60) for i in range(4)]
        line = "  ".join(header.ljust(widths[i]) for i, header in enumerate(headers))
        self.stdout.write(line)
        self.stdout.write("  ".join("-" * width for width in widths))
        for row in rows:
            self.stdout.write("  ".join(value[:60].ljust(widths[i]) for i, value in enumerate(row)))
