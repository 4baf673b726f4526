"""Every API operation, fed what its OpenAPI schema allows and a good deal it does not.

Schemathesis generates the requests from `/api/v1/openapi.json` and sends them to the app in
process, as a league officer and as an operator. Whatever comes in, no answer is a server error,
and every refusal carries the error shape of DESIGN.md's contract (`code`, `message`, `field`).
"""

from functools import cache
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from config.wsgi import application
from fangkong.accounts.services import token_create
from fangkong.core.scoping import SYSTEM

EXAMPLES = 25  # per operation and persona: about 1,000 requests in all, in some seconds


@cache
def operations() -> list[Any]:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    return [result.ok() for result in schema.get_all_operations()]


def error_shape(ctx: Any, response: Any, case: Any) -> bool:
    """A refusal is JSON with a stable `code`, a `message` and the offending `field`."""
    if response.status_code < 400:
        return True
    body = response.json()
    assert {"code", "message", "field"} <= set(body), (response.status_code, body)
    assert isinstance(body["code"], str) and body["code"], body
    assert isinstance(body["message"], str) and body["message"], body
    return True


@pytest.fixture
def connection_kept():
    """Requests go to the WSGI app directly: keep the test's connection, as Django's test
    client does, instead of closing it when a request ends."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.mark.parametrize("persona", ["league", "operator"])
def test_no_input_makes_a_server_error_or_an_unshaped_refusal(world, persona, connection_kept):
    _token, secret = token_create(actor=SYSTEM, user=world.users[persona])
    headers = {"Authorization": f"Bearer {secret}"}
    assert len(operations()) >= 20
    for operation in operations():

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,  # the same requests in every run: CI fails only on a change
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=[not_a_server_error, error_shape])

        check()
