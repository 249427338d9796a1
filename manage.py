#!/usr/bin/env python
import os
import sys


def main() -> None:
    default_settings = "settings.test" if len(sys.argv) > 1 and sys.argv[1] == "test" else "settings.base"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", default_settings)
    from django.core.management import execute_from_command_line  # noqa: PLC0415 - after the settings module is chosen

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
