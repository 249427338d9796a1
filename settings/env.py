"""Single-variable readers kept for settings/auth.py until it reads a settings class like the other files.

They go through the same pydantic-settings reading (environment, then `.env`) and error messages as
settings.environment; new settings belong in a class there, not here.
"""

from typing import Annotated, Any

from pydantic import Field, create_model

from settings.environment import EnvironmentSettings, read_environment


def _read(name: str, annotation: Any, default: Any) -> Any:
    # pydantic's overloads cannot type a field dict built at run time.
    one_variable = create_model(  # type: ignore[call-overload]
        "OneVariable", __base__=EnvironmentSettings, **{name: (annotation, default)}
    )
    return getattr(read_environment(one_variable), name)


def env_str(name: str, default: str = "") -> str:
    return _read(name, str, default)


def env_bool(name: str, default: bool = False) -> bool:
    return _read(name, bool, default)


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    return _read(name, Annotated[int, Field(ge=minimum, le=maximum)], default)
