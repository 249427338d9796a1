# The audio features of a track belong to the catalog (it imports and ingests them); the recommender
# only reads them. The table moves from the recommender app without copying a row.
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_trigram_name_search"),
        ("recommender", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="TrackAudioFeatures",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("danceability", models.FloatField()),
                        ("energy", models.FloatField()),
                        ("key", models.SmallIntegerField(help_text="Pitch class 0-11; -1 when unknown.")),
                        ("loudness", models.FloatField()),
                        ("mode", models.SmallIntegerField()),
                        ("speechiness", models.FloatField()),
                        ("acousticness", models.FloatField()),
                        ("instrumentalness", models.FloatField()),
                        ("liveness", models.FloatField()),
                        ("valence", models.FloatField()),
                        ("tempo", models.FloatField()),
                        ("time_signature", models.SmallIntegerField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("modified_at", models.DateTimeField(auto_now=True)),
                        (
                            "track",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="audio_features",
                                to="catalog.track",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name_plural": "track audio features",
                        "db_table": "recommender_trackaudiofeatures",
                    },
                ),
            ],
        ),
        migrations.AlterModelTable(name="trackaudiofeatures", table=None),
    ]
