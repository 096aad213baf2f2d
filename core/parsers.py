"""The API's JSON parser: the body's size and nesting are bounded before it is parsed (``core.jsonlimits``)."""

import io

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from . import jsonlimits


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        body = stream.read(settings.API_JSON_MAX_BYTES + 1) if stream is not None else b""
        try:
            jsonlimits.check(body)
        except jsonlimits.TooLarge as error:
            raise ParseError(str(error)) from error
        return super().parse(io.BytesIO(body), media_type, parser_context)  # the body already read
