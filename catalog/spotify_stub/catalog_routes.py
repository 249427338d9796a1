"""Stub Spotify catalog endpoints: search, artists, albums, tracks, genre seeds."""
