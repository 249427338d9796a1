"""Juke World: GET /api/v1/music-profiles/globe/ (issue 11.1)."""

import pytest

from juke_auth.serializers import GlobeQuerySerializer
from tests.factories_auth import MusicProfileFactory, UserFactory, token_client

pytestmark = pytest.mark.django_db

GLOBE = "/api/v1/music-profiles/globe/"


def place(lat, lng, clout, **fields):
    return MusicProfileFactory(city_lat=lat, city_lng=lng, clout=clout, **fields)


@pytest.fixture
def client():
    return token_client(UserFactory())[0]


def test_the_globe_is_a_bare_array_of_points_in_the_documented_shape(client):
    profile = place(48.85, 2.35, 0.9, display_name="Ada", location="Paris", favorite_genres=["jazz", "soul"])

    response = client.get(GLOBE)

    assert response.status_code == 200
    assert response.json() == [
        {
            "id": profile.pk,
            "username": profile.user.username,
            "lat": 48.85,
            "lng": 2.35,
            "clout": 0.9,
            "top_genre": "jazz",
            "display_name": "Ada",
            "location": "Paris",
        }
    ]


def test_a_profile_without_genres_is_other_and_one_without_a_city_is_left_out(client):
    place(10.0, 10.0, 0.9, favorite_genres=[])
    MusicProfileFactory(city_lat=None, city_lng=None, clout=0.9)

    points = client.get(GLOBE).json()

    assert [point["top_genre"] for point in points] == ["other"]


def test_only_points_inside_the_box_highest_clout_first(client):
    low = place(10.0, 10.0, 0.6)
    high = place(11.0, 11.0, 0.95)
    place(30.0, 10.0, 0.99)  # north of the box
    place(10.0, -20.0, 0.99)  # west of the box

    points = client.get(GLOBE, {"min_lat": 0, "max_lat": 20, "min_lng": 0, "max_lng": 20}).json()

    assert [point["id"] for point in points] == [high.pk, low.pk]


@pytest.mark.parametrize(
    ("zoom", "shown"),
    [
        (1, {0.6}),
        (4, {0.6}),
        (5, {0.6, 0.3}),
        (8, {0.6, 0.3}),
        (9, {0.6, 0.3, 0.1}),
        (12, {0.6, 0.3, 0.1}),
        (13, {0.6, 0.3, 0.1, 0.0}),
    ],
)
def test_the_minimum_clout_rises_as_the_view_zooms_out(client, zoom, shown):
    for clout in (0.6, 0.3, 0.1, 0.0):
        place(1.0, 1.0, clout)

    points = client.get(GLOBE, {"zoom": zoom}).json()

    assert {point["clout"] for point in points} == shown


def test_the_default_view_is_the_whole_world_at_zoom_1(client):
    place(-89.0, -179.0, 0.5)
    place(89.0, 179.0, 0.7)
    place(0.0, 0.0, 0.49)

    assert [point["clout"] for point in client.get(GLOBE).json()] == [0.7, 0.5]


def test_limit_cuts_the_list_and_is_capped_at_10000(client):
    for clout in (0.9, 0.8, 0.7):
        place(1.0, 1.0, clout)

    assert [point["clout"] for point in client.get(GLOBE, {"limit": 2}).json()] == [0.9, 0.8]
    assert len(client.get(GLOBE, {"limit": 1_000_000}).json()) == 3


def test_a_limit_above_the_cap_is_served_as_10000():
    query = GlobeQuerySerializer(data={"limit": "50000"})

    assert query.is_valid()
    assert query.validated_data["limit"] == 10_000


@pytest.mark.parametrize(
    "params",
    [{"zoom": "far"}, {"min_lat": "north"}, {"limit": "many"}, {"max_lng": "nan"}, {"limit": "-1"}, {"min_lng": "inf"}],
)
def test_a_non_numeric_parameter_is_a_400_with_a_detail(client, params):
    response = client.get(GLOBE, params)

    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid query parameters."}


def test_the_globe_is_for_signed_in_users_only(api_client):
    assert api_client.get(GLOBE).status_code == 401


def test_globe_is_not_a_username(client):
    # Before, the path fell through to profile-by-username and answered 404.
    UserFactory(username="globe")

    assert client.get(GLOBE).status_code == 200
