"""Pages of API lists: `limit` up to NINJA_PAGINATION_MAX_LIMIT and `offset` within reach.

Ninja bounds the limit but not the offset; an offset beyond what a database integer holds made
SQLite fail with a server error instead of answering the field's mistake.
"""

from ninja import Field, Schema
from ninja.conf import settings
from ninja.pagination import LimitOffsetPagination

MAX_OFFSET = 2**31 - 1  # far beyond any list here, and within every database's integers


class Pagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(settings.PAGINATION_PER_PAGE, ge=1, le=settings.PAGINATION_MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)
