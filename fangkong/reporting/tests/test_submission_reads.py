"""What a submission reads before it writes: the deadline burst pays for every statement."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangkong.reporting.models import DailyReport, IdempotencyRecord
from fangkong.reporting.tests.conftest import DAY, at, figures, put


def test_a_first_submission_reads_neither_its_key_nor_the_operators_institution_again(
    world, regime, clock
):
    clock.set(at(10))
    api = world.api("operator")
    with CaptureQueriesContext(connection) as queries:
        response = put(api, "1529210001", DAY, figures(), **{"Idempotency-Key": "k-1"})
    assert response.status_code == 201
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert not [sql for sql in reads if 'FROM "reporting_idempotencyrecord"' in sql]
    assert not [sql for sql in reads if 'FROM "institutions_institution"' in sql]
    assert IdempotencyRecord.objects.get().status_code == 201


def test_a_retry_is_replayed_even_when_the_report_could_no_longer_be_made(world, regime, clock):
    clock.set(at(10))
    api = world.api("operator")
    first = put(api, "1529210001", DAY, figures(), **{"Idempotency-Key": "k-1"})
    institution = world.institutions["1529210001"]
    institution.opened_on = DAY.replace(day=DAY.day + 1)  # as if it opened only the next day
    institution.save(update_fields=["opened_on"])
    again = put(api, "1529210001", DAY, figures(), **{"Idempotency-Key": "k-1"})
    assert (again.status_code, again.json(), again["Idempotent-Replayed"]) == (
        201, first.json(), "true",
    )  # fmt: skip


def test_a_key_used_for_another_institution_is_refused_and_writes_nothing(world, regime, clock):
    clock.set(at(10))
    api = world.api("zuoqi")
    assert put(api, "1529210001", DAY, figures(), **{"Idempotency-Key": "k-1"}).status_code == 201
    response = put(api, "1529210002", DAY, figures(), **{"Idempotency-Key": "k-1"})
    assert (response.status_code, response.json()["field"]) == (422, "Idempotency-Key")
    assert not DailyReport.objects.filter(institution__code="1529210002").exists()
