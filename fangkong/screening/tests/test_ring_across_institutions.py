"""The second ring across institutions: a ring in every institution where a close contact was
present in the window; those outside the opener's scope only counted, and referred to their
own officers, who open the ring there."""

import pytest

from fangkong.audit.models import AuditEvent
from fangkong.notifications.models import Notification
from fangkong.screening.models import RingReferral, Screening
from fangkong.screening.tests.conftest import HOME, open_and_classify, post

NEIGHBOUR = "1529210002"  # another home of 阿拉善左旗: inside the officer's scope
FAR = "1529230001"  # 额济纳旗: outside it


@pytest.fixture
def case(world, timeline):
    """The carer (the close contact) also visited a home of the same banner and one of
    another banner in the window; someone was there at the same time in each."""
    found = open_and_classify(world, timeline)
    carer = found["staff"]
    timeline.visit(carer, NEIGHBOUR, "2021-10-19T14:00:00+08:00", "2021-10-19T16:00:00+08:00")
    timeline.visit(carer, FAR, "2021-10-20T14:00:00+08:00", "2021-10-20T16:00:00+08:00")
    found["neighbour"] = timeline.stay("邻院老人", NEIGHBOUR, "2021-10-01T09:00:00+08:00")
    found["far"] = timeline.stay("额济纳老人", FAR, "2021-10-01T09:00:00+08:00")
    return found


def ring(world, screening, persona="zuoqi", **body):
    body = {"reason": "密接的接触者", "end": "2021-11-01T00:00:00+08:00", **body}
    return post(world.api(persona), f"/api/v1/screenings/{screening.pk}/second-ring", body)


def test_a_ring_is_opened_in_every_institution_of_scope_where_a_close_contact_was(world, case):
    response = ring(world, case["screening"])
    assert response.status_code == 201
    body = response.json()
    assert [r["institution_code"] for r in body["rings"]] == [HOME, NEIGHBOUR]
    assert body["referred"] == 1
    neighbour = Screening.objects.get(institution__code=NEIGHBOUR)
    assert neighbour.parent == case["screening"]
    assert list(neighbour.index_persons.all()) == [case["staff"]]
    rows = world.api("zuoqi").get(f"/api/v1/screenings/{neighbour.pk}/subjects").json()
    proposed = {row["person_id"]: row["proposed"] for row in rows}
    assert proposed == {case["staff"].pk: None, case["neighbour"].pk: "contact_of_contact"}
    assert AuditEvent.objects.filter(action="screening.second_ring").count() == 2


def test_an_institution_outside_scope_is_not_opened_only_counted(world, case):
    first = case["screening"]
    ring(world, first)
    assert not Screening.objects.filter(institution__code=FAR).exists()
    body = world.api("zuoqi").get(f"/api/v1/screenings/{first.pk}").json()
    assert [r["institution_code"] for r in body["rings"]] == [HOME, NEIGHBOUR]
    assert body["rings_outside_scope"] == 1
    page = world.client("zuoqi").get(f"/screenings/{first.pk}/").content.decode()
    ring_list = page[
        page.index('id="ring-list"') : page.index("</ul>", page.index('id="ring-list"'))
    ]
    assert 'id="rings-outside"' in ring_list
    assert world.institutions[FAR].name not in ring_list
    assert world.institutions[NEIGHBOUR].name in ring_list


def test_the_officers_covering_the_institution_outside_scope_are_told(world, case):
    ring(world, case["screening"])
    referral = RingReferral.objects.get()
    assert (referral.institution.code, list(referral.index_persons.all())) == (FAR, [case["staff"]])
    told = set(
        Notification.objects.filter(kind="ring_referral").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"ejina", "league"}
    inbox = Notification.objects.get(recipient__username="ejina")
    assert inbox.link == f"/screenings/referrals/{referral.pk}/"
    assert world.institutions[FAR].name in inbox.title


def test_the_told_officer_opens_the_ring_in_their_institution(world, case):
    first = case["screening"]
    ring(world, first)
    referral = RingReferral.objects.get()
    ejina = world.api("ejina")
    seen = ejina.get(f"/api/v1/ring-referrals/{referral.pk}").json()
    assert (seen["institution_code"], seen["screening_id"]) == (FAR, None)
    opened = post(ejina, f"/api/v1/ring-referrals/{referral.pk}/open", {"reason": "协查次密接"})
    assert opened.status_code == 201
    far_ring = Screening.objects.get(pk=opened.json()["id"])
    assert (far_ring.parent, far_ring.institution.code) == (first, FAR)
    rows = ejina.get(f"/api/v1/screenings/{far_ring.pk}/subjects").json()
    assert {r["person_id"]: r["proposed"] for r in rows}[case["far"].pk] == "contact_of_contact"
    page = world.client("ejina").get(f"/screenings/{far_ring.pk}/").content.decode()
    assert 'id="parent-hidden"' in page and 'id="parent-link"' not in page
    # The opener still sees a count only.
    body = world.api("zuoqi").get(f"/api/v1/screenings/{first.pk}").json()
    assert (len(body["rings"]), body["rings_outside_scope"]) == (2, 1)


def test_a_referred_ring_is_opened_once_by_its_own_officers(world, case):
    ring(world, case["screening"])
    referral = RingReferral.objects.get()
    url = f"/api/v1/ring-referrals/{referral.pk}/open"
    opener = post(world.api("zuoqi"), url, {"reason": "越权"})
    assert opener.status_code == 404  # outside the opener's scope, even the referral
    operator = post(world.api("other_operator"), url, {"reason": "x"})
    assert (operator.status_code, operator.json()["code"]) == (403, "forbidden")
    blank = post(world.api("ejina"), url, {"reason": "  "})
    assert blank.json()["field"] == "reason" and blank.status_code in (400, 422)
    assert post(world.api("ejina"), url, {"reason": "协查"}).status_code == 201
    again = post(world.api("ejina"), url, {"reason": "协查"})
    assert (again.status_code, again.json()["field"]) == (409, "referral")
    assert Screening.objects.filter(institution__code=FAR).count() == 1


def test_the_whole_ring_is_opened_once(world, case):
    assert ring(world, case["screening"]).status_code == 201
    again = ring(world, case["screening"])
    assert (again.status_code, again.json()["field"]) == (409, "screening")
    assert Screening.objects.count() == 3 and RingReferral.objects.count() == 1


def test_the_referral_is_opened_from_its_page(world, case):
    ring(world, case["screening"])
    referral = RingReferral.objects.get()
    client = world.client("ejina")
    url = f"/screenings/referrals/{referral.pk}/"
    page = client.get(url).content.decode()
    assert 'id="open-referral"' in page and "护工" in page
    region = client.get("/screenings/regions/152923/").content.decode()
    assert f'href="{url}"' in region
    response = client.post(url, {"reason": "协查次密接"})
    far_ring = Screening.objects.get(institution__code=FAR)
    assert response.status_code == 302 and response["Location"] == f"/screenings/{far_ring.pk}/"
    assert 'id="opened-ring"' in client.get(url).content.decode()
    assert world.client("zuoqi").get(url).status_code == 404
