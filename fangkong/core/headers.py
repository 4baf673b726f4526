"""Headers that keep what a signed-in person or an API client was answered out of every cache."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

API_PREFIX = "/api/"


class NoStoreMiddleware:
    """`Cache-Control: no-store` on the API's answers and on every page a signed-in person sees.

    Exports, the board and the audit log hold names and figures that must not stay behind in a
    shared computer's browser cache or in a proxy. Static files (answered by WhiteNoise, above
    this middleware) and the public sign-in page may still be cached.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.path.startswith(API_PREFIX) or (user is not None and user.is_authenticated):
            add_never_cache_headers(response)
        return response
