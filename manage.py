#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dvc_portal.settings")
    # manage.py is the developer's tool: on a checkout it means the local settings. Servers and containers
    # set DJANGO_ENV=production themselves (Dockerfile, docker-compose.yml); wsgi.py keeps production.
    os.environ.setdefault("DJANGO_ENV", "local")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
