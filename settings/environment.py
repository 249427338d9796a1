"""Reading the environment: one typed pydantic-settings class per concern, each read once at start-up.

A class's field names are the variable names. Values come from the process environment, then from `.env`
(or the file named by JUKE_ENV_FILE); an empty value means "not set". A bad value stops start-up with an
ImproperlyConfigured error naming the variable.
"""

import os
from pathlib import Path
from typing import Annotated, TypeVar

from django.core.exceptions import ImproperlyConfigured
from pydantic import AfterValidator, BeforeValidator, ValidationError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_WORDS = ("SECRET", "PASSWORD", "KEY")


class EnvironmentSettings(BaseSettings):
    model_config = SettingsConfigDict(
        case_sensitive=True, extra="ignore", env_ignore_empty=True, str_strip_whitespace=True
    )


Settings = TypeVar("Settings", bound=EnvironmentSettings)


def env_file_path() -> Path:
    return Path(os.environ.get("JUKE_ENV_FILE") or BASE_DIR / ".env")


def read_environment(settings_class: type[Settings]) -> Settings:
    """Read one settings class from the environment and `.env`; a bad value raises ImproperlyConfigured."""
    try:
        return settings_class(_env_file=env_file_path())
    except ValidationError as error:
        raise ImproperlyConfigured(_describe(error)) from None


def _describe(error: ValidationError) -> str:
    problems = []
    for problem in error.errors(include_url=False):
        name = ".".join(str(part) for part in problem["loc"]) or "configuration"
        message = problem["msg"].removeprefix("Value error, ")
        shown = "" if any(word in name for word in SECRET_WORDS) else f" (got {problem['input']!r})"
        problems.append(f"{name}: {message}{shown}.")
    return " ".join(problems)


def _split_list(raw: object) -> object:
    if isinstance(raw, str):
        return [item.strip() for item in raw.replace(" ", ",").split(",") if item.strip()]
    return raw


def _http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("must be an http(s) URL such as https://juke.example")
    return value.rstrip("/")


# A comma- (or space-) separated list, such as DJANGO_ALLOWED_HOSTS=a.example,b.example.
CommaList = Annotated[list[str], NoDecode, BeforeValidator(_split_list)]
HttpUrl = Annotated[str, AfterValidator(_http_url)]
