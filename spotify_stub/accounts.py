"""Stub Spotify accounts service: token endpoint and the current user's profile.

Any access token is accepted; the Spotify user it stands for is derived from the token, so the same
token always signs in the same stub account.
"""

import hashlib
import secrets

from spotify_stub.transport import StubRequest, StubResponse, error, route

ACCESS_TOKEN_LIFETIME_SECONDS = 3600


def stub_user_id_for_token(access_token: str) -> str:
    """The stub Spotify user id an access token belongs to."""
    if access_token.startswith("stub-access-"):
        return access_token.removeprefix("stub-access-").split(".", 1)[0]
    return "stubuser" + hashlib.sha1(access_token.encode(), usedforsecurity=False).hexdigest()[:10]


def stub_user_id_for_code(code: str) -> str:
    """The stub Spotify user an authorization code signs in (the same code, the same user)."""
    return "stubuser" + hashlib.sha1(code.encode(), usedforsecurity=False).hexdigest()[:10]


def _issue_tokens(user_id: str, *, with_refresh: bool) -> dict:
    tokens = {
        "access_token": f"stub-access-{user_id}.{secrets.token_hex(8)}",
        "token_type": "Bearer",
        "expires_in": ACCESS_TOKEN_LIFETIME_SECONDS,
        "scope": "user-read-playback-state user-read-currently-playing user-modify-playback-state",
    }
    if with_refresh:
        tokens["refresh_token"] = f"stub-refresh-{user_id}.{secrets.token_hex(8)}"
    return tokens


@route("POST", "accounts.spotify.com", "/api/token")
def token(request: StubRequest, match) -> StubResponse:
    form = request.form()
    grant = form.get("grant_type")
    if grant == "client_credentials":
        return StubResponse(200, {"access_token": "stub-app-token", "token_type": "Bearer", "expires_in": 3600})
    if grant == "authorization_code":
        code = form.get("code", "")
        if not code or code.startswith("invalid"):
            return StubResponse(400, {"error": "invalid_grant", "error_description": "Invalid authorization code"})
        user_id = stub_user_id_for_code(code)
        return StubResponse(200, _issue_tokens(user_id, with_refresh=True))
    if grant == "refresh_token":
        refresh = form.get("refresh_token", "")
        if not refresh.startswith("stub-refresh-"):
            return StubResponse(400, {"error": "invalid_grant", "error_description": "Invalid refresh token"})
        user_id = refresh.removeprefix("stub-refresh-").split(".", 1)[0]
        return StubResponse(200, _issue_tokens(user_id, with_refresh=False))
    return StubResponse(400, {"error": "unsupported_grant_type"})


@route("GET", "api.spotify.com", "/v1/me")
def current_user(request: StubRequest, match) -> StubResponse:
    access_token = request.bearer_token
    if not access_token or access_token.startswith("invalid"):
        return error(401, "Invalid access token")
    user_id = stub_user_id_for_token(access_token)
    return StubResponse(
        200,
        {
            "id": user_id,
            "display_name": f"Stub Listener {user_id[-4:]}",
            "email": f"{user_id}@stub.spotify.invalid",
            "country": "US",
            "product": "premium",
            "type": "user",
            "uri": f"spotify:user:{user_id}",
            "images": [],
            "followers": {"href": None, "total": 0},
            "external_urls": {"spotify": f"https://open.spotify.com/user/{user_id}"},
        },
    )
