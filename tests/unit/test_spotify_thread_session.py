"""Each thread keeps one Spotify session (its open connections) from call to call, and never shares it."""

import threading

from integrations.spotify.http import spotify_thread_session
from spotify_stub.transport import StubSpotifyTransport


def _session_of_another_thread():
    found = []
    thread = threading.Thread(target=lambda: found.append(spotify_thread_session()))
    thread.start()
    thread.join()
    return found[0]


def test_a_thread_reuses_its_session_and_other_threads_get_their_own(settings):
    settings.SPOTIFY_USE_STUB_DATA = False
    mine = spotify_thread_session()

    assert spotify_thread_session() is mine
    assert _session_of_another_thread() is not mine


def test_switching_stub_mode_switches_session(settings):
    settings.SPOTIFY_USE_STUB_DATA = False
    real = spotify_thread_session()
    settings.SPOTIFY_USE_STUB_DATA = True
    stubbed = spotify_thread_session()

    assert stubbed is not real
    assert isinstance(stubbed.get_adapter("https://api.spotify.com/v1/me"), StubSpotifyTransport)
    assert not isinstance(real.get_adapter("https://api.spotify.com/v1/me"), StubSpotifyTransport)
