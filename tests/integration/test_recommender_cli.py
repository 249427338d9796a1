"""`manage.py recommend` (offline and through the engine) and its errors."""

import io

import pytest
from django.core.management import CommandError, call_command

from catalog.models import Artist
from juke_auth.models import JukeUser, MusicProfile
from recommender.services.training import model_retrain
from tests.plugins.engine_server import free_port, refresh_engine
from tests.recommender_catalog import demo_catalog_create


def _run(*args) -> str:
    out = io.StringIO()
    call_command("recommend", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def trained(db):
    demo_catalog_create(step=3)
    return model_retrain()


def _table_ids(text: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("name")) + 2
    return [line.split()[-1] for line in lines[start:]]


def test_offline_by_name_prints_a_table_without_the_seed(trained):
    seed = Artist.objects.get(name="Guns N' Roses")
    text = _run("--artists", "Guns N' Roses", "--resource-types", "artists", "--limit", "5", "--offline")
    assert f"Model {trained.artifact.version} (offline); seeds: juke:artist:{seed.spotify_id}" in text
    assert text.splitlines()[1].split() == ["name", "type", "likeness", "spotify_id"]
    ids = _table_ids(text)
    assert len(ids) == 5
    assert seed.spotify_id not in ids
    assert all(" artist " in line for line in text.splitlines()[3:])


def test_offline_uri_and_profile_seeds(trained):
    green_day = Artist.objects.get(name="Green Day")
    user = JukeUser.objects.create_user(username="cli-fan", email="cli@example.com", password="x")
    MusicProfile.objects.create(user=user, favorite_artists=[f"spotify:artist:{green_day.spotify_id}"])
    by_uri = _run("--seeds", f"juke:artist:{green_day.spotify_id}", "--limit", "3", "--offline")
    by_profile = _run("--profiles", "cli-fan", "--limit", "3", "--offline")
    assert _table_ids(by_uri) == _table_ids(by_profile)
    assert len(_table_ids(by_uri)) == 9  # 3 per type
    assert green_day.spotify_id not in _table_ids(by_uri)


def test_offline_genres_and_seed_weight(trained):
    text = _run("--genres", "big room", "--tracks", "Nothing Like This Title", "--seed-weight", "0", "--offline")
    assert "seeds: genre:big room" in text
    assert "Unresolved: Nothing Like This Title" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "Provide at least one artist, album, track, or genre."),
        (("--seeds", "juke:artist:nope-nope-nope"), "Unknown seed: 'juke:artist:nope-nope-nope'"),
        (("--profiles", "ghost"), "Unknown profile: 'ghost'."),
        (("--artists", "X", "--limit", "99"), "--limit must be between 1 and 50."),
        (("--artists", "X", "--seed-weight", "2"), "--seed-weight must be between 0 and 1."),
    ],
)
def test_errors_are_clear(trained, args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _run(*args, "--offline")


def test_engine_mode_without_an_engine_names_the_url_and_the_two_ways_out(trained, settings):
    url = f"http://127.0.0.1:{free_port()}"
    settings.RECOMMENDER_ENGINE_BASE_URL = url
    with pytest.raises(CommandError) as raised:
        _run("--artists", "Green Day")
    message = str(raised.value)
    assert f"did not answer at {url}" in message
    assert "make engine" in message
    assert "--offline" in message


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_engine_mode_matches_offline_mode(engine_server):
    demo_catalog_create(step=3)
    model_retrain()
    refresh_engine(engine_server)
    online = _run("--artists", "Guns N' Roses", "--limit", "5")
    offline = _run("--artists", "Guns N' Roses", "--limit", "5", "--offline")
    assert "(engine)" in online
    assert _table_ids(online) == _table_ids(offline)
