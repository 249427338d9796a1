"""Small helpers over Django's model metadata, shared by the apps that write SQL of their own."""

from __future__ import annotations

from typing import Any

from django.db import models


def concrete_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """The model's field `name` that has a column of its own (not a reverse relation)."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or field.column is None:
        raise TypeError(f"{model.__name__}.{name} has no column of its own")
    return field


def column_of(field: models.Field[Any, Any]) -> str:
    """The database column of a concrete field."""
    if field.column is None:
        raise TypeError(f"{field.name} has no column of its own")
    return field.column
