"""The screening pages and API read in a number of queries that does not grow with the number
of subjects, follow-ups and rings."""

import datetime

import pytest

from fangkong.core.scoping import SYSTEM
from fangkong.screening.services import follow_up_start, subject_classify
from fangkong.screening.tests.conftest import HOME, open_and_classify


def _grow(world, timeline, case, n):
    """Add n residents to the window, each a close contact followed up."""
    from fangkong.screening.candidates import candidates
    from fangkong.screening.models import ScreeningSubject
    from fangkong.screening.services import _add_subjects

    screening = case["screening"]
    for k in range(n):
        timeline.stay(f"老人{k}", HOME, "2021-10-01T09:00:00+08:00")
    known = set(
        ScreeningSubject.objects.filter(screening=screening).values_list("person_id", flat=True)
    )
    present = candidates(screening.institution, screening.start, screening.end)
    found = {pk: row for pk, row in present.items() if pk not in known}
    _add_subjects(screening, found, lambda row: ("", ""))
    for person_id in found:
        subject_classify(actor=SYSTEM, screening=screening, person_id=person_id,
                         classification="close_contact", reason="同室")  # fmt: skip
        follow_up_start(actor=SYSTEM, screening=screening, person_id=person_id,
                        quarantine_until=datetime.date(2021, 10, 31),
                        test_days=[datetime.date(2021, 10, 25)])  # fmt: skip


URLS = [
    "/screenings/{screening}/",
    "/screenings/regions/152921/",
    "/screenings/{screening}/line-list.xlsx",
    "/screenings/follow-ups/{follow_up}/",
]
API = [
    "/api/v1/screenings/{screening}",
    "/api/v1/screenings/{screening}/subjects",
    "/api/v1/regions/152921/screenings",
]


def _count(get, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", URLS + API)
def test_reads_do_not_grow_with_subjects_and_follow_ups(
    world, timeline, django_assert_max_num_queries, url
):
    from fangkong.screening.models import FollowUp

    case = open_and_classify(world, timeline)
    _grow(world, timeline, case, 1)
    client = world.api("zuoqi") if url.startswith("/api/") else world.client("zuoqi")

    def filled():
        return url.format(screening=case["screening"].pk,
                          follow_up=FollowUp.objects.order_by("pk").first().pk)  # fmt: skip

    target = filled()
    client.get(target)  # a first visit's one-off work (a session's renewal) aside
    few = _count(client.get, target)
    _grow(world, timeline, case, 8)
    with django_assert_max_num_queries(few):
        assert client.get(target).status_code == 200
