"""The error shape every client sees: `{"code", "message", "field"}` of the first problem, and
`errors`, the list of every problem (`fangkong.core.schema.ErrorOut` describes it)."""

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def field_error(field: str, message: Any, code: str, /, **params: Any) -> ValidationError:
    """Build a ValidationError for one field; `message` is a lazy translatable string."""
    return ValidationError({field: ValidationError(message, code=code, params=params or None)})


def error_items(exc: ValidationError) -> list[dict[str, str | None]]:
    items: list[dict[str, str | None]] = []
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                items.append(_item(field, error))
    else:
        for error in exc.error_list:
            items.append(_item(None, error))
    return items


def _item(field: str | None, error: ValidationError) -> dict[str, str | None]:
    # A lazy plural chooses its form from the params: apply them before making it a string.
    message = str(error.message % error.params if error.params else error.message)
    return {
        "code": error.code or "invalid",
        "message": message,
        "field": None if field in (None, NON_FIELD_ERRORS) else field,
    }


def error_body(exc: ValidationError) -> dict[str, Any]:
    items = error_items(exc)
    first = items[0] if items else {"code": "invalid", "message": "invalid", "field": None}
    return {**first, "errors": items}


def error_shape(code: str, message: Any, field: str | None = None) -> dict[str, Any]:
    """The body of a refusal with one problem: the same shape as one with several."""
    item = {"code": code, "message": str(message), "field": field}
    return {**item, "errors": [item]}
