"""Conditions that map to HTTP statuses in the API's error shape."""

from django.utils.functional import Promise


class ApiError(Exception):
    status = 400
    code = "error"

    def __init__(self, message: str | Promise, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


class Overlap(ApiError):
    """A write that would break a uniqueness rule over time (409): two liaisons at one level of
    an institution on a day, two closures of one institution on a day."""

    status = 409
    code = "overlap"


class PreconditionFailed(ApiError):
    """The client's `If-Match` names a revision that is no longer current."""

    status = 412
    code = "stale"


class PreconditionRequired(ApiError):
    """A change to an existing report came without `If-Match`."""

    status = 428
    code = "if_match_required"


class Unprocessable(ApiError):
    """Well-formed, but it cannot be done (e.g. an Idempotency-Key reused for another body)."""

    status = 422
    code = "unprocessable"


class Forbidden(ApiError):
    status = 403
    code = "forbidden"
