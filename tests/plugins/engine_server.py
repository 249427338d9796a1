"""Fixture: a real recommender engine (uvicorn) process for tests. Owned by the engine work."""
