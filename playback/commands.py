"""The playback commands, each described once: name, input, client call, answer.

The URLs, views, input serializers and OpenAPI schema are derived from `COMMANDS`; the service
(`playback.services.player.playback_command_run`) sends any row. Each input rule is written here
once and checked once, by the input serializer derived from it. See docs/adr/0011-playback-command-table.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from integrations.spotify.player import SpotifyPlayerClient
from integrations.spotify.player_state import REPEAT_STATES

_SPOTIFY_ID = "[0-9A-Za-z]{22}"


@dataclass(frozen=True)
class Input:
    """One input field of a command and its rule. Optional text arrives trimmed, blank as None."""

    name: str
    type: type[str] | type[int] | type[bool]
    required: bool = False
    help: str = ""
    max_length: int | None = None
    pattern: str | None = None
    invalid: str = ""  # the message when `pattern` does not match
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    default: bool | None = None
    ignored_when: str | None = None  # neither read nor checked when this other input is given


@dataclass(frozen=True)
class PlaybackCommand:
    """One command: `call` gets the player client and the validated inputs as keyword arguments."""

    name: str
    summary: str
    inputs: tuple[Input, ...]
    call: Callable[..., Any]
    answer: int = 200  # the status of a success that has a playback state to show
    wakes_a_device: bool = False  # no device named and none active: play on the user's last one


PROVIDER = Input("provider", str, max_length=32, help="Provider slug (`spotify`); blank = first linked provider.")
DEVICE_ID = Input(
    "device_id",
    str,
    max_length=128,
    pattern=r"^[A-Za-z0-9._:\-]+$",  # it ends up in Spotify's URL
    invalid="Enter a valid device id.",
    help="Target device; blank = the active device.",
)
TRACK_URI = Input(
    "track_uri",
    str,
    max_length=200,
    pattern=rf"^spotify:track:{_SPOTIFY_ID}$",
    invalid="Enter a Spotify track URI: spotify:track:<22-character id>.",
    help="spotify:track:<id>. Wins over context_uri.",
)
CONTEXT_URI = Input(
    "context_uri",
    str,
    max_length=200,
    pattern=rf"^spotify:(album|artist|playlist|show):{_SPOTIFY_ID}$",
    invalid="Enter a Spotify album, artist or playlist URI, e.g. spotify:album:<22-character id>.",
    help="spotify:album|artist|playlist:<id>. Ignored when track_uri is given.",
    ignored_when="track_uri",
)
QUEUE_URI = Input(
    "uri",
    str,
    required=True,
    max_length=200,
    pattern=rf"^spotify:(track|episode):{_SPOTIFY_ID}$",
    invalid="Enter a Spotify track or episode URI: spotify:track:<22-character id>.",
)

COMMANDS: tuple[PlaybackCommand, ...] = (
    PlaybackCommand(
        "play",
        "Play a track or context, or resume (no device active: on the user's last active device)",
        (
            replace(DEVICE_ID, help="Target device; blank = the active one, else the user's last active one."),
            TRACK_URI,
            CONTEXT_URI,
            Input("position_ms", int, minimum=0),
        ),
        SpotifyPlayerClient.start_playback,
        answer=202,
        wakes_a_device=True,
    ),
    PlaybackCommand("pause", "Pause", (DEVICE_ID,), SpotifyPlayerClient.pause_playback),
    PlaybackCommand("next", "Skip to the next track", (DEVICE_ID,), SpotifyPlayerClient.skip_to_next),
    PlaybackCommand("previous", "Skip to the previous track", (DEVICE_ID,), SpotifyPlayerClient.skip_to_previous),
    PlaybackCommand(
        "seek",
        "Seek within the playing track",
        (DEVICE_ID, Input("position_ms", int, required=True, minimum=0)),
        SpotifyPlayerClient.seek,
    ),
    PlaybackCommand(
        "volume",
        "Set the device volume",
        (DEVICE_ID, Input("volume_percent", int, required=True, minimum=0, maximum=100)),
        SpotifyPlayerClient.set_volume,
    ),
    PlaybackCommand(
        "shuffle",
        "Turn shuffle on or off",
        (DEVICE_ID, Input("state", bool, required=True, help="true turns shuffle on.")),
        SpotifyPlayerClient.set_shuffle,
    ),
    PlaybackCommand(
        "repeat",
        "Set repeat (track, context, off)",
        (DEVICE_ID, Input("state", str, required=True, choices=REPEAT_STATES)),
        SpotifyPlayerClient.set_repeat,
    ),
    PlaybackCommand(
        "transfer",
        "Move playback to another device",
        (
            replace(DEVICE_ID, required=True, help="The device to move playback to."),
            Input("play", bool, default=False, help="true starts playing on the new device."),
        ),
        SpotifyPlayerClient.transfer_playback,
    ),
    PlaybackCommand("queue", "Add a track to the queue", (DEVICE_ID, QUEUE_URI), SpotifyPlayerClient.add_to_queue),
)
