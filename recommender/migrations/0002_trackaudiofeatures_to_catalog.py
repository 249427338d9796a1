# TrackAudioFeatures moved to the catalog app (catalog 0003 renamed its table); forget it here.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("recommender", "0001_initial"),
        ("catalog", "0003_trackaudiofeatures"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="TrackAudioFeatures")]),
    ]
