"""Model fields that many domains declare alike."""

from typing import Any

from django.conf import settings
from django.db import models


def actor_field(verbose_name: Any) -> Any:
    """Who recorded or decided something: a user kept while it is referred to (PROTECT), none
    when the system did it, and no reverse accessor on the user (`related_name="+"`)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
