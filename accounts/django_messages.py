"""Django messages whose Vietnamese translation Django itself lacks, extracted into this app's catalog.

Django 5.2 changed the password-length message from ``%(min_length)d`` to ``%d`` and its own
Vietnamese catalog still has the old one, so without this a too-short password is refused in English;
the admin's user page has two newer strings the catalog lacks too. Nothing calls this function:
``makemessages`` reads the strings from it.
"""

from django.utils.translation import gettext, ngettext


def _strings_for_makemessages() -> None:  # pragma: no cover
    ngettext(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        0,
    )
    gettext("Reset password")
    gettext("Raw passwords are not stored, so there is no way to see the user’s password.")
