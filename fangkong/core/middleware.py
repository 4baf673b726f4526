from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _


class ApiBodyLimitMiddleware:
    """Refuse an API request body over the limit before anything reads it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > settings.FANGKONG_API_MAX_BODY:
                message = _("The request body is larger than %(limit)d bytes.") % {
                    "limit": settings.FANGKONG_API_MAX_BODY
                }
                return JsonResponse(
                    {"code": "too_large", "message": message, "field": None}, status=413
                )
        return self.get_response(request)
