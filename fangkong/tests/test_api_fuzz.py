"""Every API operation, fed what its OpenAPI schema allows and a good deal it does not.

Schemathesis generates the requests from `/api/v1/openapi.json` and sends them to the app in
process, as a league officer and as an operator. Whatever comes in, no answer is a server error
and every refusal carries the error shape of DESIGN.md's contract. The schema tells the truth:

- every answer's status is one the operation declares, and its body matches the declared schema
  (`status_code_conformance`, `response_schema_conformance`);
- a request the schema allows is never refused as malformed (`positive_data_acceptance`: no 422;
  a 400 says a rule no schema can say was broken: a code in use, a day without a regime);
- a request the schema refuses is refused (`negative_data_rejection`).
"""

import datetime
import uuid
from functools import cache
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from fangkong.accounts.services import token_create
from fangkong.core.scoping import SYSTEM
from fangkong.reporting.services import regime_create

# Per operation and persona: about 1,400 requests in all, in some seconds.
EXAMPLES = {GenerationMode.POSITIVE: 20, GenerationMode.NEGATIVE: 12}

CONFIG = schemathesis.Config.from_dict({
    "checks": {
        # Allowed by the schema: done (2xx), or refused for a rule beyond any schema (400), for
        # the caller's rights (401, 403, 404) or the report's version (412, 428); never 422.
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "412", "428"],
        },
        "negative_data_rejection": {
            "expected-statuses": ["400", "401", "403", "404", "413", "422"],
        },
    },
})  # fmt: skip


@cache
def operations() -> list[Any]:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=CONFIG)
    return [result.ok() for result in schema.get_all_operations()]


def error_shape(ctx: Any, response: Any, case: Any) -> bool:
    """A refusal is JSON with a stable `code`, a `message`, the `field` and every problem."""
    if response.status_code < 400:
        return True
    body = response.json()
    assert {"code", "message", "field", "errors"} <= set(body), (response.status_code, body)
    assert isinstance(body["code"], str) and body["code"], body
    assert isinstance(body["message"], str) and body["message"], body
    return True


CHECKS = {
    GenerationMode.POSITIVE: [positive_data_acceptance],
    GenerationMode.NEGATIVE: [negative_data_rejection],
}
COMMON_CHECKS = [
    not_a_server_error, error_shape, status_code_conformance, response_schema_conformance
]  # fmt: skip


def fresh_idempotency_key(case: Any) -> None:
    """A key used again for another body is refused (422) by design, which no schema says;
    Hypothesis draws the same short keys often, so each request gets a key of its own."""
    if case.headers and "Idempotency-Key" in case.headers:
        case.headers["Idempotency-Key"] = str(uuid.uuid4())


@pytest.fixture
def connection_kept():
    """Requests go to the WSGI app directly: keep the test's connection, as Django's test
    client does, instead of closing it when a request ends."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def import_dir(settings, tmp_path):
    """Files uploaded to import are kept in the test's own folder."""
    settings.FANGKONG_IMPORT_DIR = tmp_path


# Codes in each persona's scope: with the paths pinned to them a request reaches the rules
# behind the schema, instead of stopping at "no such institution" (404) whatever its body.
IN_SCOPE = {"league": ("152900", "1529210001"), "operator": ("152921", "1529210001")}


def pinned(operation: Any, persona: str) -> dict[str, str]:
    region, institution = IN_SCOPE[persona]
    if operation.path.startswith("/api/v1/institutions/{code}"):
        return {"code": institution}
    if operation.path.startswith("/api/v1/regions/{code}"):
        return {"code": region}
    return {}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("persona", ["league", "operator"])
def test_the_schema_tells_the_truth_of_every_answer(
    world, persona, mode, connection_kept, import_dir
):
    regime_create(actor=SYSTEM, name="阿拉善盟日报告", region_code="152900",
                  start_date=datetime.date(2022, 10, 24))  # fmt: skip
    _token, secret = token_create(actor=SYSTEM, user=world.users[persona])
    headers = {"Authorization": f"Bearer {secret}"}
    assert len(operations()) >= 20
    checks = [*COMMON_CHECKS, *CHECKS[mode]]
    for operation in operations():
        strategy = operation.as_strategy(
            generation_mode=mode, path_parameters=pinned(operation, persona)
        )

        @given(case=strategy)
        @settings(
            max_examples=EXAMPLES[mode],
            deadline=None,
            database=None,
            derandomize=True,  # the same requests in every run: CI fails only on a change
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            fresh_idempotency_key(case)
            case.call_and_validate(headers=headers, checks=checks)

        check()
