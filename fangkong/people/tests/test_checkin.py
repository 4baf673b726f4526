"""A visitor's self check-in by QR code: the poster's token, the form on their phone without an
account, their own status page, the gate staff's decision; rate limits, CSRF, no enumeration."""

import datetime
import json
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone

from fangkong.audit.models import AuditEvent
from fangkong.closures.tests.conftest import closed  # noqa: F401 - a fixture
from fangkong.core.scoping import SYSTEM
from fangkong.people.checkin import poster_issue, poster_token
from fangkong.people.models import CheckInPoster, Person, SelfCheckIn, Visit
from fangkong.people.risk import RiskAreaData, risk_area_create
from fangkong.people.tests.conftest import VISITOR, ZHANG, ric_number

HOME = "1529210001"
EN = {"accept-language": "en"}


@pytest.fixture(autouse=True)
def fresh_limits():
    """The rate limits count in the cache: each test starts with none spent."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def poster(world) -> CheckInPoster:
    return poster_issue(actor=SYSTEM, institution=world.institutions[HOME], days=7)


def form_url(poster: CheckInPoster, code: str = HOME) -> str:
    return f"/checkin/{code}/{poster_token(poster)}/"


def entry(**changes: str) -> dict[str, str]:
    return {"name": "王五", "document_type": "ric", "id_number": VISITOR, "phone": "13900001111",
            "visiting": "张三（母亲）", "temperature": "36.5", "came_from": "巴彦浩特镇",
            **changes}  # fmt: skip


def submit(poster: CheckInPoster, client: Client | None = None, **changes: str):
    client = client or Client()
    client.get(form_url(poster))
    return client, client.post(form_url(poster), entry(**changes))


def test_a_visitor_checks_in_without_an_account_and_sees_it_pending(world, poster):
    client, response = submit(poster)
    assert response.status_code == 302
    assert response["Location"].startswith("/checkin/status/")
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "等待门岗确认" in page.content.decode()
    assert "152921********" + VISITOR[-4:] in page.content.decode()
    check_in = SelfCheckIn.objects.get()
    assert (check_in.status, check_in.visiting, str(check_in.temperature)) == (
        "pending",
        "张三（母亲）",
        "36.5",
    )
    # Nothing is looked up or created for the person until the gate staff confirm.
    assert not Person.objects.exists() and not Visit.objects.exists()
    assert AuditEvent.objects.get(action="checkin.submit").actor_name == "visitor (self check-in)"


def test_the_form_fits_the_phone_and_speaks_english_when_asked(world, poster):
    page = Client(headers=EN).get(form_url(poster)).content.decode()
    assert "Visitor check-in" in page and world.institutions[HOME].name in page
    assert 'name="viewport"' in page and 'name="csrfmiddlewaretoken"' in page
    chinese = Client().get(form_url(poster)).content.decode()
    assert "访客" in chinese


def test_an_expired_poster_is_refused_with_a_clear_message(world, poster):
    CheckInPoster.objects.filter(pk=poster.pk).update(
        valid_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    response = Client(headers=EN).get(form_url(poster))
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    posted = Client(headers=EN).post(form_url(poster), entry())
    assert posted.status_code == 400 and not SelfCheckIn.objects.exists()


def test_a_replaced_poster_stops_working(world, poster):
    newer = poster_issue(actor=SYSTEM, institution=world.institutions[HOME], days=1)
    assert Client().get(form_url(newer)).status_code == 200
    response = Client(headers=EN).get(form_url(poster))
    assert response.status_code == 400 and "expired" in response.content.decode()


def test_a_token_of_another_institution_is_refused(world, poster):
    response = Client(headers=EN).post(form_url(poster, code="1529230001"), entry())
    assert response.status_code == 400
    assert "another institution" in response.content.decode()
    assert not SelfCheckIn.objects.exists()


@pytest.mark.parametrize("tamper", [lambda t: t[:-3] + "abc", lambda t: "x" + t, lambda t: "abc"])
def test_a_tampered_token_is_refused(world, poster, tamper):
    url = f"/checkin/{HOME}/{tamper(poster_token(poster))}/"
    response = Client(headers=EN).post(url, entry())
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    assert not SelfCheckIn.objects.exists()


def test_a_bad_identity_number_is_refused_naming_it_and_not_repeated(world, poster):
    wrong = VISITOR[:-1] + ("0" if VISITOR[-1] != "0" else "1")
    _client, response = submit(poster, id_number=wrong)
    assert response.status_code == 400
    page = response.content.decode()
    assert "校验码" in page and wrong not in page
    assert not SelfCheckIn.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"), [("temperature", "47"), ("phone", "12"), ("came_from", " "), ("name", "")]
)
def test_missing_or_impossible_answers_are_refused(world, poster, field, value):
    _client, response = submit(poster, **{field: value})
    assert response.status_code == 400
    assert f'id="{field}_error"' in response.content.decode()
    assert not SelfCheckIn.objects.exists()


def test_one_phone_is_rate_limited(world, poster, settings):
    settings.FANGKONG_CHECKIN_LIMITS = {
        "device": (2, 600), "address": (100, 600), "institution": (100, 3600)
    }  # fmt: skip
    client = Client(headers=EN)
    client.get(form_url(poster))
    answers = [client.post(form_url(poster), entry()).status_code for _ in range(3)]
    assert answers == [302, 302, 429]
    assert SelfCheckIn.objects.count() == 2
    # Another phone (its own cookie) is still served.
    assert submit(poster)[1].status_code == 302


def test_one_institution_is_rate_limited_across_phones(world, poster, settings):
    settings.FANGKONG_CHECKIN_LIMITS = {
        "device": (10, 600), "address": (100, 600), "institution": (2, 3600)
    }  # fmt: skip
    answers = [submit(poster)[1].status_code for _ in range(3)]
    assert answers == [302, 302, 429]
    assert SelfCheckIn.objects.count() == 2


def test_a_post_without_the_csrf_token_is_refused(world, poster):
    client = Client(enforce_csrf_checks=True)
    page = client.get(form_url(poster)).content.decode()
    assert client.post(form_url(poster), entry()).status_code == 403
    assert not SelfCheckIn.objects.exists()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    answer = client.post(form_url(poster), {**entry(), "csrfmiddlewaretoken": token.group(1)})
    assert answer.status_code == 302


def _shape(client: Client, response) -> tuple[int, str, int]:
    location = response["Location"]
    body = client.get(location).content.decode().replace(location, "STATUS")
    body = re.sub(r"<dl class=\"facts\">.*?</dl>", "", body, flags=re.S)
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)
    return response.status_code, body, len(location)


def test_the_answer_is_the_same_whether_the_person_is_known_or_not(world, poster, zhang):
    known_client, known = submit(poster, name="张三", id_number=ZHANG)
    stranger = ric_number("152921", "19800101", "055")
    new_client, unknown = submit(poster, name="张三", id_number=stranger)
    assert _shape(known_client, known) == _shape(new_client, unknown)
    assert Person.objects.count() == 1  # nobody registered by the form


def test_a_visitor_from_a_risk_area_is_flagged_at_check_in_and_at_the_gate(world, poster):
    risk_area_create(actor=SYSTEM, data=RiskAreaData(
        authority=world.regions["152900"], region=world.regions["620100"], place="",
        level="high", start_date=timezone.localdate()))  # fmt: skip
    client, response = submit(poster, came_from="甘肃省兰州市")
    status = client.get(response["Location"]).content.decode()
    assert "风险" in status
    gate = world.client("operator").get(f"/people/institutions/{HOME}/checkins/").content.decode()
    assert "高风险" in gate and "兰州市" in gate
    items = world.api("operator").get(f"/api/v1/institutions/{HOME}/self-check-ins").json()
    assert items["items"][0]["risk_level"] == "high"
    assert SelfCheckIn.objects.get().risk_level == "high"


def test_the_gate_shows_what_the_visitor_typed_apart_from_its_label(world, poster):
    submit(poster, visiting="zhangsan", came_from="Lanzhou")
    gate = world.client("operator").get(f"/people/institutions/{HOME}/checkins/").content.decode()
    assert "探视 zhangsan" in gate and "来自 Lanzhou" in gate


def test_the_gate_confirms_and_the_visitor_sees_it(world, poster, zhang):
    client, response = submit(poster, name="张三", id_number=ZHANG)
    check_in = SelfCheckIn.objects.get()
    gate = world.client("operator")
    assert "张三" in gate.get(f"/people/institutions/{HOME}/checkins/").content.decode()
    assert gate.post(f"/people/checkins/{check_in.pk}/confirm/").status_code == 302
    visit = Visit.objects.get()
    assert (visit.visitor_id, visit.came_from, str(visit.temperature)) == (zhang.pk, "巴彦浩特镇",
                                                                           "36.5")  # fmt: skip
    assert visit.check_in == check_in.submitted_at
    assert "已准许进入" in client.get(response["Location"]).content.decode()
    again = gate.post(f"/people/checkins/{check_in.pk}/confirm/")
    assert again.status_code == 400 and Visit.objects.count() == 1


def test_the_gate_refuses_with_a_reason_the_visitor_reads(world, poster):
    client, response = submit(poster, temperature="37.9")
    check_in = SelfCheckIn.objects.get()
    gate = world.client("operator")
    blank = gate.post(f"/people/checkins/{check_in.pk}/refuse/", {"reason": " "})
    assert blank.status_code == 400
    assert gate.post(f"/people/checkins/{check_in.pk}/refuse/",
                     {"reason": "体温偏高，请就医"}).status_code == 302  # fmt: skip
    status = client.get(response["Location"]).content.decode()
    assert "体温偏高，请就医" in status
    assert not Visit.objects.exists() and not Person.objects.exists()


@pytest.mark.usefixtures("closed")
def test_during_a_closure_the_gate_needs_an_officers_exception(world, poster):
    submit(poster)
    check_in = SelfCheckIn.objects.get()
    assert not check_in.entry_allowed
    url = f"/api/v1/self-check-ins/{check_in.pk}/confirm"
    refused = world.api("operator").post(url, data="{}", content_type="application/json")
    assert (refused.status_code, refused.json()["code"]) == (422, "entry_refused")
    assert not Visit.objects.exists() and not Person.objects.exists()
    body = json.dumps({"exception_reason": "临终探视，经盟民政局批准"})
    allowed = world.api("zuoqi").post(url, data=body, content_type="application/json")
    assert allowed.status_code == 200 and allowed.json()["status"] == "confirmed"
    assert Visit.objects.get().exception_reason == "临终探视，经盟民政局批准"


def test_the_gate_of_another_institution_cannot_decide(world, poster):
    submit(poster)
    check_in = SelfCheckIn.objects.get()
    other = world.client("other_operator")
    assert other.post(f"/people/checkins/{check_in.pk}/confirm/").status_code == 404
    assert other.post(f"/people/checkins/{check_in.pk}/refuse/", {"reason": "x"}).status_code == 404
    assert other.get(f"/people/institutions/{HOME}/checkins/").status_code == 404
    check_in.refresh_from_db()
    assert check_in.status == "pending"


def test_a_status_page_is_found_only_by_its_own_secret(world, poster):
    client, response = submit(poster)
    assert client.get("/checkin/status/not-the-secret/").status_code == 404
    assert Client().get(response["Location"]).status_code == 200


def test_the_database_holds_no_clear_number_of_a_check_in(world, poster):
    submit(poster)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM people_selfcheckin")
        rows = cursor.fetchall()
    assert rows and all(VISITOR not in row[0] and "13900001111" not in row[1] for row in rows)


def test_staff_print_a_poster_with_a_qr_code(world):
    gate = world.client("operator")
    empty = gate.get(f"/people/institutions/{HOME}/poster/").content.decode()
    assert 'id="no-poster"' in empty
    assert gate.post(f"/people/institutions/{HOME}/poster/", {"days": "7"}).status_code == 302
    page = gate.get(f"/people/institutions/{HOME}/poster/").content.decode()
    assert "<svg" in page and 'class="qrline"' in page
    assert AuditEvent.objects.filter(action="checkin.poster_issue").count() == 1
    body = world.api("operator").post(
        f"/api/v1/institutions/{HOME}/check-in-posters",
        data='{"days": 1}',
        content_type="application/json",
    )
    assert body.status_code == 201
    assert Client().get(body.json()["url"].split("testserver")[1]).status_code == 200
    assert Client().get(form_url(CheckInPoster.objects.order_by("pk").first())).status_code == 400


def test_key_rotation_moves_the_numbers_visitors_typed(world, poster, settings):
    import base64
    import io

    from django.core.management import call_command

    submit(poster)
    old_keys = settings.FANGKONG_ENCRYPTION_KEYS
    new = "gate:" + base64.b64encode(b"g" * 32).decode()
    settings.FANGKONG_ENCRYPTION_KEYS = f"{new},{old_keys}"
    call_command("keys", "rotate", stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM people_selfcheckin")
        [(id_number, phone)] = cursor.fetchall()
    assert id_number.split(":")[3] == "gate" and phone.split(":")[3] == "gate"
    check_in = SelfCheckIn.objects.get()
    assert (check_in.id_number, check_in.phone) == (VISITOR, "13900001111")
