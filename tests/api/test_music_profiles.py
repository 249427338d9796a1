"""/api/v1/music-profiles/: me, by username, search, online listing, creation (contract §4, §9.1, §9.2, §9.16)."""

import pytest

from juke_auth.models import MusicProfile
from tests.factories_auth import MusicProfileFactory, UserFactory, token_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]

BASE = "/api/v1/music-profiles/"
ME = f"{BASE}me/"
SEARCH = f"{BASE}search/"
PROFILE_FIELDS = {
    "id", "username", "name", "display_name", "tagline", "bio", "location", "avatar_url", "favorite_genres",
    "favorite_artists", "favorite_albums", "favorite_tracks", "onboarding_completed_at", "city_lat", "city_lng",
    "custom_data", "clout", "top_genre", "created_at", "modified_at", "is_owner",
}  # fmt: skip


@pytest.fixture
def me():
    user = UserFactory(username="ada")
    client, _ = token_client(user)
    return user, client


def test_get_me_creates_the_profile_on_first_use_with_defaults(me):
    user, client = me

    response = client.get(ME)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == PROFILE_FIELDS
    assert body["username"] == "ada"
    assert body["is_owner"] is True
    assert body["display_name"] == ""
    assert body["favorite_genres"] == []
    assert body["onboarding_completed_at"] is None
    assert body["top_genre"] is None
    assert body["custom_data"] == {}
    assert body["created_at"].endswith("Z")
    assert MusicProfile.objects.filter(user=user).count() == 1


def test_anonymous_get_me_is_401(api_client):
    response = api_client.get(ME)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_patch_me_updates_given_fields_and_leaves_the_rest(me):
    _user, client = me
    client.patch(ME, {"tagline": "Vinyl first", "bio": "Hello"}, format="json")

    response = client.patch(ME, {"display_name": "Ada L"}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["display_name"], body["tagline"], body["bio"]) == ("Ada L", "Vinyl first", "Hello")


def test_put_me_behaves_like_patch(me):
    _user, client = me
    client.patch(ME, {"tagline": "kept"}, format="json")

    response = client.put(ME, {"location": "Lisbon"}, format="json")

    assert response.status_code == 200
    assert response.json()["tagline"] == "kept"
    assert response.json()["location"] == "Lisbon"


def test_favourites_accept_names_bare_ids_and_uris_and_the_first_genre_is_top_genre(me):
    _user, client = me
    favorites = {
        "favorite_genres": ["jazz", "soul"],
        "favorite_artists": ["Nina Simone", "4Z8W4fKeB5YxbusRsdQVPb", "spotify:artist:0oSGxfWSnnOXhD2fKuz2Gy"],
        "favorite_albums": [],
        "favorite_tracks": ["spotify:track:11dFghVXANMlKmJXsNCbNl"],
    }

    body = client.patch(ME, favorites, format="json").json()

    assert {key: body[key] for key in favorites} == favorites
    assert body["top_genre"] == "jazz"


def test_city_coordinates_are_rounded_to_two_decimals(me):
    _user, client = me

    body = client.patch(ME, {"city_lat": 40.7128, "city_lng": -74.0061}, format="json").json()

    assert (body["city_lat"], body["city_lng"]) == (40.71, -74.01)


def test_onboarding_time_inside_custom_data_is_copied_to_the_top_level_field(me):
    _user, client = me

    body = client.patch(
        ME,
        {"custom_data": {"onboarding_completed_at": "2026-01-18T00:00:00.123456Z", "workout_vibe": "hype"}},
        format="json",
    ).json()

    assert body["onboarding_completed_at"] == "2026-01-18T00:00:00.123456Z"
    assert body["custom_data"]["workout_vibe"] == "hype"


def test_top_level_onboarding_time_wins_over_custom_data(me):
    _user, client = me

    body = client.patch(
        ME,
        {"onboarding_completed_at": "2026-02-01T00:00:00Z", "custom_data": {"onboarding_completed_at": "2020-01-01"}},
        format="json",
    ).json()

    assert body["onboarding_completed_at"] == "2026-02-01T00:00:00Z"


def test_clout_and_other_read_only_fields_are_silently_ignored(me):
    _user, client = me
    profile_id = client.get(ME).json()["id"]

    body = client.patch(ME, {"clout": 1.0, "id": 999, "username": "eve", "top_genre": "x"}, format="json").json()

    assert (body["clout"], body["id"], body["username"], body["top_genre"]) == (0.0, profile_id, "ada", None)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"favorite_genres": "jazz"}, "favorite_genres"),
        ({"favorite_genres": [1, 2]}, "favorite_genres"),
        ({"favorite_artists": ["x" * 201]}, "favorite_artists"),
        ({"favorite_tracks": [f"t{n}" for n in range(51)]}, "favorite_tracks"),
        ({"favorite_albums": [None]}, "favorite_albums"),
        ({"avatar_url": "not a url"}, "avatar_url"),
        ({"city_lat": 91}, "city_lat"),
        ({"city_lng": "east"}, "city_lng"),
        ({"custom_data": ["not", "an", "object"]}, "custom_data"),
        ({"custom_data": {"blob": "x" * 20000}}, "custom_data"),
        ({"custom_data": {"onboarding_completed_at": "yesterday"}}, "custom_data"),
        ({"onboarding_completed_at": "not a date"}, "onboarding_completed_at"),
        ({"tagline": "x" * 281}, "tagline"),
        ({"display_name": "x" * 201}, "display_name"),
    ],
)
def test_invalid_profile_values_are_refused_with_a_field_error(me, payload, field):
    _user, client = me

    response = client.patch(ME, payload, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_list_item_errors_are_keyed_by_index(me):
    _user, client = me

    response = client.patch(ME, {"favorite_genres": ["jazz", 7]}, format="json")

    assert response.json() == {"favorite_genres": {"1": ["Must be a string."]}}


def test_avatar_url_error_uses_the_contract_message(me):
    _user, client = me

    assert client.patch(ME, {"avatar_url": "nope"}, format="json").json() == {"avatar_url": ["Enter a valid URL."]}


def test_a_non_object_body_is_a_400_not_a_500(me):
    _user, client = me

    assert client.patch(ME, ["x"], format="json").status_code == 400


# --- by username ---


def test_get_another_users_profile_by_username_is_not_owned(me):
    _user, client = me
    MusicProfileFactory(user=UserFactory(username="grace"), display_name="Grace")

    response = client.get(f"{BASE}grace/")

    assert response.status_code == 200
    assert response.json()["username"] == "grace"
    assert response.json()["is_owner"] is False


def test_get_own_profile_by_username_is_owned(me):
    _user, client = me

    assert client.get(f"{BASE}ada/").json()["is_owner"] is True


def test_usernames_with_dots_and_at_signs_can_be_fetched(me):
    _user, client = me
    UserFactory(username="first.last@home")

    response = client.get(f"{BASE}first.last@home/")

    assert response.status_code == 200
    assert response.json()["username"] == "first.last@home"


def test_unknown_username_is_404_with_the_contract_message(me):
    _user, client = me

    response = client.get(f"{BASE}nobody/")

    assert response.status_code == 404
    assert response.json() == {"detail": "No MusicProfile matches the given query."}


@pytest.mark.parametrize("method", ["patch", "put"])
def test_changing_another_users_profile_is_forbidden(me, method):
    _user, client = me
    profile = MusicProfileFactory(user=UserFactory(username="grace"), tagline="mine")

    response = getattr(client, method)(f"{BASE}grace/", {"tagline": "hacked"}, format="json")

    assert response.status_code == 403
    assert response.json() == {"detail": "You do not have permission to perform this action."}
    profile.refresh_from_db()
    assert profile.tagline == "mine"


def test_owner_can_change_their_profile_by_username(me):
    _user, client = me

    response = client.patch(f"{BASE}ada/", {"tagline": "by name"}, format="json")

    assert response.status_code == 200
    assert response.json()["tagline"] == "by name"


def test_profiles_cannot_be_deleted(me):
    _user, client = me

    assert client.delete(f"{BASE}ada/").status_code == 405
    assert client.delete(ME).status_code == 405


# --- search ---


def test_search_matches_username_or_display_name_case_insensitively(me):
    _user, client = me
    MusicProfileFactory(user=UserFactory(username="grace"), display_name="Admiral Hopper", tagline="COBOL")
    UserFactory(username="hopscotch")
    UserFactory(username="unrelated")

    response = client.get(SEARCH, {"q": "HOP"})

    assert response.status_code == 200
    results = response.json()["results"]
    assert [item["username"] for item in results] == ["grace", "hopscotch"]
    assert results[0] == {"username": "grace", "display_name": "Admiral Hopper", "tagline": "COBOL", "avatar_url": ""}


def test_search_returns_at_most_ten_results_without_pagination(me):
    _user, client = me
    for number in range(12):
        UserFactory(username=f"drummer{number}")

    body = client.get(SEARCH, {"q": "drummer"}).json()

    assert set(body) == {"results"}
    assert len(body["results"]) == 10


@pytest.mark.parametrize("query", [{}, {"q": ""}, {"q": "   "}])
def test_search_without_text_returns_no_results(me, query):
    _user, client = me

    assert client.get(SEARCH, query).json() == {"results": []}


def test_search_requires_authentication(api_client):
    assert api_client.get(SEARCH, {"q": "a"}).status_code == 401


# --- listing and creation ---


def test_plain_listing_is_refused_with_405_and_the_contract_message(me):
    _user, client = me

    response = client.get(BASE)

    assert response.status_code == 405
    assert response.json() == {"detail": "Music profiles cannot be listed. Use the search endpoint instead."}


def test_online_listing_shows_profiles_of_users_with_a_session_ordered_by_username(api_client, me):
    _user, client = me
    online = UserFactory(username="zed")
    MusicProfileFactory(user=online)
    MusicProfileFactory(user=UserFactory(username="offline"))
    api_client.force_login(online)

    response = client.get(BASE, {"online": "true"})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["results"][0]["username"] == "zed"
    assert body["results"][0]["is_owner"] is False


@pytest.mark.parametrize("word", ["1", "True", "yes"])
def test_online_accepts_the_contract_true_words(me, word):
    _user, client = me

    assert client.get(BASE, {"online": word}).status_code == 200


def test_post_creates_the_callers_profile(me):
    _user, client = me

    response = client.post(BASE, {"display_name": "Ada"}, format="json")

    assert response.status_code == 201
    assert response.json()["display_name"] == "Ada"


def test_post_when_a_profile_exists_is_refused(me):
    _user, client = me
    client.get(ME)

    response = client.post(BASE, {"display_name": "Ada"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"detail": "Profile already exists for this user."}
