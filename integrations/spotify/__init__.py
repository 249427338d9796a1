"""The Spotify adapter: the only code that knows Spotify URLs, payloads, auth headers and error statuses."""
