"""What every app's pages share: the day a page is asked for, and the answer to a wrong one.

A wrong day in a page's address, query or form answers 400 with a page in the site's layout (or
JSON in the error shape for a `.json` address), never 404 and never another day in silence.
"""

import datetime
import functools
from collections.abc import Callable

from django.core.exceptions import BadRequest, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from fangkong.core.dates import parse_day
from fangkong.core.errors import error_body


class InvalidDay(BadRequest):
    """A day in a page's address, query or form that is not YYYY-MM-DD within the kept years."""

    def __init__(self, error: ValidationError) -> None:
        super().__init__(error)
        self.error = error


def page_day(value: str | None, default: datetime.date, *, field: str = "date") -> datetime.date:
    """The day `value` names, `default` when there is none; `InvalidDay` for anything else."""
    if not value:
        return default
    try:
        return parse_day(value, field=field)
    except ValidationError as exc:
        raise InvalidDay(exc) from exc


def refuses_bad_days[**P](view: Callable[P, HttpResponse]) -> Callable[P, HttpResponse]:
    """Answer a wrong day with 400: a page in the site's layout, or JSON in the error shape."""

    @functools.wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        try:
            return view(*args, **kwargs)
        except InvalidDay as exc:
            request = args[0]
            assert isinstance(request, HttpRequest)
            return bad_day(request, exc.error)

    return wrapped


def bad_day(request: HttpRequest, error: ValidationError) -> HttpResponse:
    body = error_body(error)
    if request.path.endswith(".json"):
        return JsonResponse(body, status=400)
    # A wrong day in the query: the same page without it shows today.
    retry = request.path if request.method == "GET" and request.GET else None
    context = {"message": body["message"], "retry": retry}
    return render(request, "core/bad_day.html", context, status=400)
