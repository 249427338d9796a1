"""Stub Spotify player: per-user devices and playback state."""
