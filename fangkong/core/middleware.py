from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _


def api_error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "field": None}, status=status)


class ApiMiddleware:
    """Keep every answer under /api/ in the API's shape, whatever part of Django gives it.

    It refuses a body over the limit before anything reads it, and turns the plain 404 of an
    unknown path and the plain 405 of a wrong method into the JSON error shape.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.FANGKONG_API_MAX_BODY:
            limit = settings.FANGKONG_API_MAX_BODY
            message = _("The request body is larger than %(limit)d bytes.") % {"limit": limit}
            return api_error(413, "too_large", message)
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        if response.status_code == 404:
            return api_error(404, "not_found", _("Not found."))
        if response.status_code == 405:
            error = api_error(405, "method_not_allowed", _("This method is not allowed here."))
            if allowed := response.get("Allow"):
                error["Allow"] = allowed
            return error
        return response
