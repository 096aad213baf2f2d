"""Dates on the portal's pages, in Vietnamese (see ``dvc_portal.formats``)."""

SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
