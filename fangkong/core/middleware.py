import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from fangkong.core.errors import error_shape

NUL = "\x00"


@dataclass(frozen=True)
class LargeBody:
    """An endpoint that takes a larger body than the API's limit (a file to import)."""

    method: str
    path: re.Pattern[str]
    limit: Callable[[], int]  # read at each request: a setting may change
    field: str


LARGE_BODIES: list[LargeBody] = []


def allow_large_body(*, method: str, path: str, limit: Callable[[], int], field: str) -> None:
    """Let requests of `method` to paths matching `path` carry bodies of up to `limit()`
    bytes; every other request keeps `FANGKONG_API_MAX_BODY`. An app registers its endpoint
    from its `AppConfig.ready`, as the body is refused before any view is found."""
    LARGE_BODIES.append(LargeBody(method, re.compile(path), limit, field))


def body_limit(request: HttpRequest) -> tuple[int, str | None]:
    """The largest body this request may carry, and the field that a refusal names."""
    for large in LARGE_BODIES:
        if request.method == large.method and large.path.fullmatch(request.path):
            return large.limit(), large.field
    return settings.FANGKONG_API_MAX_BODY, None


class TooDeep(ValueError):
    """A JSON body nested deeper than Python's parser follows."""


def api_error(status: int, code: str, message: str, field: str | None = None) -> JsonResponse:
    return JsonResponse(error_shape(code, message, field), status=status)


def nul_in(request: HttpRequest) -> tuple[bool, str | None]:
    """Whether the request carries the NUL character, and in which field if it names one.

    No text here may hold it, and PostgreSQL refuses it in any query: found in the path, a
    query parameter or a JSON body, it is refused before it reaches one (forms refuse it too).
    """
    if NUL in request.path:
        return True, None
    for name, values in request.GET.lists():
        if NUL in name or any(NUL in value for value in values):
            return True, name.replace(NUL, "")
    if request.content_type == "application/json" and b"\\u0000" in request.body:
        try:
            value = json.loads(request.body)
        except RecursionError as exc:
            raise TooDeep from exc
        except ValueError:
            return False, None  # not JSON: the API answers that itself
        return _nul_in_json(value)
    return False, None


def _nul_in_json(value: Any) -> tuple[bool, str | None]:
    """Look through a JSON value for NUL and the key of the nearest object member around it.

    A loop, not a recursion: however deep the value, the search cannot overflow the stack.
    """
    pending: list[tuple[Any, str | None]] = [(value, None)]
    while pending:
        item, field = pending.pop()
        if isinstance(item, str) and NUL in item:
            return True, field
        if isinstance(item, dict):
            for key, member in reversed(item.items()):
                if NUL in key:
                    return True, field
                pending.append((member, key))
        elif isinstance(item, list):
            pending.extend((member, field) for member in reversed(item))
    return False, None


def _nul_in_page(request: HttpRequest) -> bool:
    try:
        return nul_in(request)[0]
    except TooDeep as exc:
        raise BadRequest("JSON nested too deeply") from exc


class ApiMiddleware:
    """Keep every answer under /api/ in the API's shape, whatever part of Django gives it.

    It refuses a body over the limit before anything reads it, and text holding the NUL
    character (in pages' addresses too) before any query does; it turns the plain 404 of an
    unknown path, the plain 405 of a wrong method and the error page of a server failure (logged
    by Django already) into the JSON error shape.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            if _nul_in_page(request):  # a page's search or filter: forms refuse it themselves
                raise BadRequest("NUL character in the address")
            return self.get_response(request)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit, field = body_limit(request)
        if length > limit:
            message = _("The request body is larger than %(limit)d bytes.") % {"limit": limit}
            return api_error(413, "too_large", message, field)
        try:
            found, field = nul_in(request)
        except TooDeep:
            message = _("The request body is nested too deeply.")
            return api_error(400, "too_deep", message)
        if found:
            message = _("Text may not contain the NUL character.")
            return api_error(422, "null_character", message, field)
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
        if response.status_code >= 500:
            message = _("The server failed to answer; the failure has been logged.")
            return api_error(response.status_code, "server_error", message)
        return response
