"""The error shape every client sees: `{"code", "message", "field"}` plus the full list."""

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
    message = str(error.message)
    if error.params:
        message = message % error.params
    return {
        "code": error.code or "invalid",
        "message": message,
        "field": None if field in (None, NON_FIELD_ERRORS) else field,
    }


def error_body(exc: ValidationError) -> dict[str, Any]:
    items = error_items(exc)
    first = items[0] if items else {"code": "invalid", "message": "invalid", "field": None}
    return {**first, "errors": items}
