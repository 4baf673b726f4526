"""Helpers for tests that a page reads no more queries with twenty rows than with one."""

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext


def queries_of(client: Any, url: str) -> int:
    """How many queries a page reads, once the session's and the language's first reads are
    behind it."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def no_more_with_twenty(client: Any, url: str, add_rows: Any, assert_max: Any) -> None:
    """The page reads as many queries with 20 rows as with the one it has now (`assert_max`:
    pytest-django's `django_assert_max_num_queries`)."""
    at_one = queries_of(client, url)
    add_rows(19)
    client.get(url)
    with assert_max(at_one):
        assert client.get(url).status_code == 200
