"""Language selection: Vietnamese unless the visitor chose another language with the switcher.

Django's LocaleMiddleware follows the browser's Accept-Language, and many Vietnamese citizens use a
browser or phone set to English: the portal must still speak Vietnamese to them by default.
"""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


class LanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language
        # The language holds for this request only: the thread goes back to the default afterwards.
        with translation.override(language):
            response = self.get_response(request)
            patch_vary_headers(response, ("Cookie",))
            response.headers.setdefault("Content-Language", language)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
        return response
