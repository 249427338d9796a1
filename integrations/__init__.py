"""Adapters for the outside systems Juke talks to, one package each; every app calls them, none reaches past them."""
