"""Dates on the portal's pages, in English too: a Vietnamese portal writes dates one way (see ``dvc_portal.formats``)."""

SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
