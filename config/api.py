"""The JSON API under /api/v1/: authentication, the error shape, and the routers of each app.

It lives in `config`, above every app, because it mounts them all; the error shape it answers
in is `fangkong.core.errors`, on the ground floor, which every app raises into.
"""

import datetime
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.security import HttpBearer, SessionAuth

from fangkong.accounts.models import ApiToken, User, token_digest
from fangkong.core.errors import error_body, error_shape
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


class BrowserSession(SessionAuth):
    """The signed-in browser's session, with Django's CSRF check on every unsafe request.

    A request without a session has nothing to protect: it is not checked for CSRF (which
    answered `403 CSRF check Failed`) but refused as unauthenticated (401), as a read is.
    """

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)


class SignedInSwagger(Swagger):
    """The API docs for signed-in people only, from Swagger UI's copy in ninja's static files.

    The schema itself (`openapi.json`) stays public: it holds no data, and clients read it.
    """

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().render_page(request, api, **kwargs)


api = NinjaAPI(
    title="Fangkong API",
    docs=SignedInSwagger(),
    version="1",
    description=(
        "Infectious-disease prevention and control in elderly care institutions. "
        "Every refusal is an `ErrorOut`: 422 when the request is not what this schema "
        "describes, 400 when it breaks a rule no schema can say (a code in use, a scope, "
        "one figure against another)."
    ),
    urls_namespace="api",
    auth=[BearerToken(), BrowserSession()],
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
# The error codes of refusals by schema: pydantic's types where a client can act on them, the
# rest `invalid`. The types the shared schema types raise (`fangkong.core.schema`) are codes.
PYDANTIC_CODES = {
    "missing": "required",
    "extra_forbidden": "unknown_field",
    "greater_than_equal": "too_small",
    "less_than_equal": "too_large",
    "string_too_long": "too_long",
    "string_too_short": "too_short",
}
OWN_CODES = {
    "invalid_date",
    "date_out_of_range",
    "invalid_time",
    "blank",
    "invalid_code",
    "invalid_moment",
}


@api.exception_handler(SchemaValidationError)
def on_schema_error(request: HttpRequest, exc: SchemaValidationError) -> HttpResponse:
    items = []
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "payload")]
        field = location[-1] if location else None
        kind = error.get("type", "")
        template = PYDANTIC_MESSAGES.get(kind)
        context = error.get("ctx") or {}
        message = str(template) % context if template else str(error.get("msg", ""))
        code = kind if kind in OWN_CODES else PYDANTIC_CODES.get(kind, "invalid")
        items.append({"code": code, "message": message, "field": field})
    if not items:
        return _error(request, 422, error_shape("invalid", _("Invalid input.")))
    return _error(request, 422, {**items[0], "errors": items})


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, error_shape("not_found", _("Not found.")))


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, error_shape("unauthenticated", _("Authentication required.")))


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    parse_failed = exc.status_code == 400 and str(exc).startswith("Cannot parse request body")
    if parse_failed and isinstance(exc.__cause__ or exc.__context__, RecursionError):
        # The same answer as the NUL scan's (core.middleware) for a body nested too deeply.
        body = error_shape("too_deep", _("The request body is nested too deeply."))
    elif parse_failed:
        body = error_shape("invalid_json", _("The request body is not valid JSON."))
    elif exc.status_code == 403 and str(exc) == "CSRF check Failed":
        message = _("The form's security token is missing or stale; reload the page.")
        body = error_shape("csrf_failed", message)
    else:
        body = error_shape("error", str(exc))
    return _error(request, exc.status_code, body)


@api.exception_handler(ApiError)
def on_condition(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return _error(request, exc.status, error_shape(exc.code, exc.message, exc.field))


def _add_routers() -> None:
    from fangkong.closures.api import router as closures_router
    from fangkong.inspections.api import router as inspections_router
    from fangkong.institutions.api import router as institutions_router
    from fangkong.lab.api import router as lab_router
    from fangkong.liaison.api import router as liaison_router
    from fangkong.notifications.api import router as inbox_router
    from fangkong.people.api import router as people_router
    from fangkong.people.api_checkin import router as checkin_router
    from fangkong.regions.api import router as regions_router
    from fangkong.reporting.api import router as reporting_router
    from fangkong.reporting.api_exports import router as exports_router
    from fangkong.screening.api import router as screening_router

    api.add_router("/regions", regions_router)
    api.add_router("/institutions", institutions_router)
    api.add_router("/inbox", inbox_router)
    api.add_router("/", reporting_router)
    api.add_router("/", exports_router)
    api.add_router("/", liaison_router)
    api.add_router("/", closures_router)
    api.add_router("/", inspections_router)
    api.add_router("/", people_router)
    api.add_router("/", checkin_router)
    api.add_router("/", lab_router)
    api.add_router("/", screening_router)


_add_routers()
