"""The JSON API under /api/v1/: authentication, the error shape, and the routers of each app.

It lives in `config`, above every app, because it mounts them all; the error shape it answers
in is `fangkong.core.errors`, on the ground floor, which every app raises into.
"""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.security import HttpBearer, SessionAuth

from fangkong.accounts.models import ApiToken, User, token_digest
from fangkong.core.errors import error_body
from fangkong.core.exceptions import ApiError

TOKEN_TOUCH_INTERVAL = datetime.timedelta(minutes=5)


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        found = (
            ApiToken.objects.select_related("user")
            .filter(digest=token_digest(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if found is None:
            return None
        now = timezone.now()
        # Record use, but not on every request: a write per call would cost more than it tells.
        if found.last_used_at is None or now - found.last_used_at > TOKEN_TOUCH_INTERVAL:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user


api = NinjaAPI(
    title="Fangkong API",
    version="1",
    description="Infectious-disease prevention and control in elderly care institutions.",
    urls_namespace="api",
    auth=[BearerToken(), SessionAuth()],
)


def _error(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
    return api.create_response(request, body, status=status)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return _error(request, 400, error_body(exc))


PYDANTIC_MESSAGES = {
    "missing": gettext_lazy("This field is required."),
    "int_parsing": gettext_lazy("Enter a whole number."),
    "int_type": gettext_lazy("Enter a whole number."),
    "int_from_float": gettext_lazy("Enter a whole number."),
    "greater_than_equal": gettext_lazy("Enter a number of at least %(ge)s."),
    "less_than_equal": gettext_lazy("Enter a number of at most %(le)s."),
    "string_too_long": gettext_lazy("Enter at most %(max_length)s characters."),
    "string_too_short": gettext_lazy("Enter at least %(min_length)s characters."),
    "string_pattern_mismatch": gettext_lazy("Enter a value in the expected format."),
    "literal_error": gettext_lazy("Choose one of: %(expected)s."),
    "enum": gettext_lazy("Choose one of: %(expected)s."),
    "bool_parsing": gettext_lazy("Enter true or false."),
    "date_from_datetime_parsing": gettext_lazy("Enter a date as YYYY-MM-DD."),
    "date_parsing": gettext_lazy("Enter a date as YYYY-MM-DD."),
    "json_invalid": gettext_lazy("The request body is not valid JSON."),
    "model_attributes_type": gettext_lazy("The request body must be a JSON object."),
    "extra_forbidden": gettext_lazy("This field is not accepted."),
}


@api.exception_handler(SchemaValidationError)
def on_schema_error(request: HttpRequest, exc: SchemaValidationError) -> HttpResponse:
    items = []
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "payload")]
        field = location[-1] if location else None
        template = PYDANTIC_MESSAGES.get(error.get("type", ""))
        context = error.get("ctx") or {}
        message = str(template) % context if template else str(error.get("msg", ""))
        items.append({"code": "invalid", "message": message, "field": field})
    first = (
        items[0] if items else {"code": "invalid", "message": _("Invalid input."), "field": None}
    )
    return _error(request, 422, {**first, "errors": items})


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, {"code": "not_found", "message": _("Not found."), "field": None})


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    body = {"code": "unauthenticated", "message": _("Authentication required."), "field": None}
    return _error(request, 401, body)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400 and str(exc) == "Cannot parse request body":
        body = {"code": "invalid_json", "message": _("The request body is not valid JSON.")}
    else:
        body = {"code": "error", "message": str(exc)}
    return _error(request, exc.status_code, {**body, "field": None})


@api.exception_handler(ApiError)
def on_condition(request: HttpRequest, exc: ApiError) -> HttpResponse:
    body = {"code": exc.code, "message": str(exc.message), "field": exc.field}
    return _error(request, exc.status, body)


def _add_routers() -> None:
    from fangkong.institutions.api import router as institutions_router
    from fangkong.notifications.api import router as inbox_router
    from fangkong.regions.api import router as regions_router
    from fangkong.reporting.api import router as reporting_router
    from fangkong.reporting.api_exports import router as exports_router

    api.add_router("/regions", regions_router)
    api.add_router("/institutions", institutions_router)
    api.add_router("/inbox", inbox_router)
    api.add_router("/", reporting_router)
    api.add_router("/", exports_router)


_add_routers()
