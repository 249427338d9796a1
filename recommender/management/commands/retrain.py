"""Train the embedding model on the catalog and re-embed everything: `python manage.py retrain`."""

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from recommender.services.training import TrainingRefused, model_retrain


class Command(BaseCommand):
    help = "Fit the music embedding model on the catalog, activate it, and re-embed the whole catalog."

    def add_arguments(self, parser):
        parser.add_argument("--dimension", type=int, default=None, help="Vector size (default RECOMMENDER_VECTOR_DIM).")
        parser.add_argument("--no-progress", action="store_true", help="Hide the progress bars.")

    def handle(self, *args, dimension=None, no_progress=False, **options):
        started = time.monotonic()
        show = not no_progress and options.get("verbosity", 1) > 0

        def progress(iterable, total, description):
            return tqdm(
                iterable, total=total, desc=description, unit="item", file=sys.stderr, disable=not show, leave=False
            )

        try:
            result = model_retrain(dimension=dimension, progress=progress)
        except TrainingRefused as error:
            raise CommandError(str(error)) from error
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(f"Warning: {warning}"))
        metrics = result.metrics
        embeddings = result.embeddings
        self.stdout.write(
            "\n".join(
                [
                    (
                        f"Model {result.artifact.version} unchanged (same corpus): kept active."
                        if metrics.get("unchanged_model")
                        else f"Model {result.artifact.version} trained and activated"
                        f" (dimension {result.artifact.dimension})."
                    ),
                    f"Corpus: {metrics['tracks']} tracks ({metrics['tracks_with_audio_features']} with audio features),"
                    f" {metrics['artists']} artists with genres.",
                    f"Genres: {metrics['genres']} (latent genre axes: {metrics['genre_rank']}).",
                    f"Explained variance: audio {metrics['audio_explained_variance']:.1%},"
                    f" genre co-occurrence {metrics['genre_explained_variance']:.1%}.",
                    f"Embeddings changed: {embeddings.changed} of {embeddings.total}"
                    f" ({sum(embeddings.created.values())} new, {sum(embeddings.relabelled.values())} with the same"
                    " vector relabelled to the new model version).",
                    f"Done in {time.monotonic() - started:.1f}s.",
                ]
            )
        )
