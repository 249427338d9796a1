"""Pure-numpy music embedding code shared by Django (training, offline scoring) and the engine.

It imports neither Django nor FastAPI.
"""
