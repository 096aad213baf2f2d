"""DVC Portal: a province's online public services with one-stop dossier handling."""

from .celery import app as celery_app

__all__ = ("celery_app",)
