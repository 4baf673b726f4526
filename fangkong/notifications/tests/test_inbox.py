"""The in-app inbox: each user reads their own reminders, escalations and early warnings.

The pages and the API are served here by a test-only URL configuration (this module's
`urlpatterns`), under the names and paths the project's URLs give them.
"""

import datetime
import re

import pytest
from django.conf import settings
from django.http import Http404
from django.test import Client
from django.urls import include, path
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as SchemaValidationError
from playwright.sync_api import Page, expect

from config import api as core_api
from fangkong.notifications import api as api_inbox
from fangkong.notifications import inbox
from fangkong.notifications.inbox import unread_count
from fangkong.notifications.models import Notification
from fangkong.notifications.services import notify
from fangkong.tests.conftest import browser, open_phone, sign_in  # noqa: F401 - fixtures

# Test-only URLs: the inbox's pages and API, then the project's (for the header's links).
inbox_api = NinjaAPI(urls_namespace="inbox-test", auth=core_api.api.auth)
for error, handler in [
    (Http404, core_api.on_not_found),
    (AuthenticationError, core_api.on_unauthenticated),
    (SchemaValidationError, core_api.on_schema_error),
]:
    inbox_api.add_exception_handler(error, handler)
inbox_api.add_router("/inbox", api_inbox.router)
pages = [
    path("inbox/", inbox.inbox_page, name="inbox"),
    path("inbox/read/", inbox.inbox_read_all, name="inbox_read_all"),
    path("inbox/<int:pk>/", inbox.notification_page, name="notification"),
    path("inbox/<int:pk>/open/", inbox.notification_open, name="notification_open"),
]
urlpatterns = [
    path("", include((pages, "notifications"))),
    path("api/v1/", inbox_api.urls),
    path("", include("config.urls")),
]

pytestmark = pytest.mark.urls(__name__)

PERSONAS = ("admin", "league", "zuoqi", "ejina", "operator", "other_operator")
NOW = timezone.now()


def note(world, persona, title, *, minutes_ago=0, read=False, body="", kind="reminder"):
    """A notification in the persona's inbox, as `notify.inbox` writes it."""
    moment = NOW - datetime.timedelta(minutes=minutes_ago)
    return Notification.objects.create(
        recipient=world.users[persona], kind=kind, title=title, body=body, created_at=moment,
        read_at=moment if read else None,
    )  # fmt: skip


def reader(world, persona, **options):
    """The persona's browser, signed in and reading English."""
    client = Client(**options)
    client.force_login(world.users[persona])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def page_of(client, url="/inbox/"):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def titles_in(html):
    return re.findall(r'class="link"><strong>([^<]+)</strong>|<a href="/inbox/\d+/">([^<]+)</a>',
                      html)  # fmt: skip


def listed(html):
    """The titles on an inbox page, top to bottom."""
    return [unread or read for unread, read in titles_in(html)]


def is_read(notification):
    notification.refresh_from_db()
    return notification.read_at is not None


# The page ---------------------------------------------------------------------------------


def test_the_inbox_lists_the_users_notifications_newest_first(world):
    note(world, "operator", "Oldest", minutes_ago=30)
    note(world, "operator", "Newest", minutes_ago=1)
    note(world, "operator", "Middle", minutes_ago=10, read=True)
    assert listed(page_of(reader(world, "operator"))) == ["Newest", "Middle", "Oldest"]


def test_unread_notifications_are_bold_and_read_ones_are_not(world):
    note(world, "operator", "Still unread")
    note(world, "operator", "Already read", read=True)
    html = page_of(reader(world, "operator"))
    assert "<strong>Still unread</strong>" in html
    assert "Already read" in html and "<strong>Already read</strong>" not in html
    assert "<small>1 unread</small>" in html


def test_opening_a_notification_marks_it_read_and_shows_it_in_full(world):
    message = note(world, "operator", "Reminder", body="Report before 16:00.\nThank you.")
    client = reader(world, "operator")
    response = client.post(f"/inbox/{message.pk}/open/")
    assert response.status_code == 302 and response["Location"] == f"/inbox/{message.pk}/"
    html = page_of(client, response["Location"])
    assert "<h1>Reminder</h1>" in html and "Report before 16:00.\nThank you." in html
    assert is_read(message)
    assert "Mark as read" not in html
    assert listed(page_of(client)) == ["Reminder"]
    assert "<strong>Reminder</strong>" not in page_of(client)


def test_a_second_opening_keeps_the_time_it_was_first_read(world):
    message = note(world, "operator", "Reminder")
    client = reader(world, "operator")
    client.post(f"/inbox/{message.pk}/open/")
    first = Notification.objects.get(pk=message.pk).read_at
    client.post(f"/inbox/{message.pk}/open/")
    assert Notification.objects.get(pk=message.pk).read_at == first


def test_looking_changes_nothing(world):
    message = note(world, "operator", "Reminder")
    client = reader(world, "operator")
    page_of(client)
    assert "Mark as read" in page_of(client, f"/inbox/{message.pk}/")
    assert client.get(f"/inbox/{message.pk}/open/").status_code == 405
    assert client.get("/inbox/read/").status_code == 405
    assert not is_read(message)
    assert unread_count(world.users["operator"]) == 1


def test_mark_all_read_is_a_form_with_a_csrf_token(world):
    note(world, "operator", "One")
    note(world, "operator", "Two", minutes_ago=5)
    client = reader(world, "operator", enforce_csrf_checks=True)
    html = page_of(client)
    form = re.search(r'<form method="post" action="/inbox/read/">(.*?)</form>', html, re.S)
    assert form and "Mark all as read" in form.group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.group(1)).group(1)
    up_to = re.search(r'name="up_to" value="(\d+)"', form.group(1)).group(1)
    assert client.post("/inbox/read/", {"up_to": up_to}).status_code == 403
    assert unread_count(world.users["operator"]) == 2
    done = client.post("/inbox/read/", {"up_to": up_to, "csrfmiddlewaretoken": token})
    assert done.status_code == 302
    assert unread_count(world.users["operator"]) == 0
    after = page_of(client)
    assert "2 notifications marked as read." in after
    assert "<strong>" not in after and "Mark all as read" not in after


def test_mark_all_read_leaves_what_arrived_after_the_page_was_drawn(world):
    note(world, "operator", "Seen", minutes_ago=5)
    client = reader(world, "operator")
    up_to = re.search(r'name="up_to" value="(\d+)"', page_of(client)).group(1)
    late = note(world, "operator", "Arrived meanwhile")
    client.post("/inbox/read/", {"up_to": up_to})
    assert not is_read(late)
    assert unread_count(world.users["operator"]) == 1


def test_the_inbox_shows_fifty_a_page(world):
    for minutes in range(51):
        note(world, "operator", f"Message {minutes:02d}", minutes_ago=minutes)
    client = reader(world, "operator")
    first = page_of(client)
    assert listed(first) == [f"Message {n:02d}" for n in range(50)]
    assert "Page 1 of 2" in first and 'href="?page=2"' in first and "Newer" not in first
    second = page_of(client, "/inbox/?page=2")
    assert listed(second) == ["Message 50"]
    assert "Page 2 of 2" in second and 'href="?page=1"' in second and "Older" not in second


def test_an_empty_inbox_says_so(world):
    html = page_of(reader(world, "operator"))
    assert "No notifications yet." in html and "Mark all as read" not in html


def test_the_inbox_is_for_signed_in_users(world):
    response = Client().get("/inbox/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert Client().get("/api/v1/inbox").status_code == 401


def test_a_message_sent_with_notify_arrives_in_the_recipients_inbox(world):
    operator = world.users["operator"]
    notify(recipients=[operator], kind="reminder", key="institution:1529210001",
           day=datetime.date(2022, 10, 25), subject="今日日报 16:00 截止",
           body="请尽快报告。")  # fmt: skip
    [title] = listed(page_of(reader(world, "operator")))
    assert "16:00" in title
    assert unread_count(operator) == 1


# Strictly per recipient -------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_user_sees_or_marks_another_users_notification(world, persona):
    others = {
        other: note(world, other, f"For {other} only") for other in PERSONAS if other != persona
    }
    own = note(world, persona, f"For {persona}")
    client = reader(world, persona)
    assert listed(page_of(client)) == [f"For {persona}"]
    api = world.api(persona)
    assert [n["title"] for n in api.get("/api/v1/inbox").json()["items"]] == [f"For {persona}"]
    for message in others.values():
        assert client.get(f"/inbox/{message.pk}/").status_code == 404
        assert client.post(f"/inbox/{message.pk}/open/").status_code == 404
        answer = api.post(f"/api/v1/inbox/{message.pk}/read")
        assert answer.status_code == 404 and answer.json()["code"] == "not_found"
    client.post("/inbox/read/")
    assert is_read(own)
    assert not any(is_read(message) for message in others.values())
    assert all(unread_count(world.users[other]) == 1 for other in others)


# The API ----------------------------------------------------------------------------------


def test_the_api_lists_the_callers_notifications_newest_first(world):
    note(world, "operator", "Oldest", minutes_ago=30, read=True)
    newest = note(world, "operator", "Newest", minutes_ago=1, body="Details", kind="escalation")
    body = world.api("operator").get("/api/v1/inbox").json()
    assert body["count"] == 2
    assert [n["title"] for n in body["items"]] == ["Newest", "Oldest"]
    first = body["items"][0]
    assert (first["id"], first["kind"], first["body"], first["read_at"]) == (
        newest.pk, "escalation", "Details", None
    )  # fmt: skip
    assert body["items"][1]["read_at"] is not None


def test_the_api_filters_unread_and_pages_with_limit_and_offset(world):
    for minutes in range(4):
        note(world, "operator", f"Unread {minutes}", minutes_ago=minutes)
    note(world, "operator", "Read", minutes_ago=10, read=True)
    api = world.api("operator")
    unread = api.get("/api/v1/inbox?unread=true").json()
    assert unread["count"] == 4 and "Read" not in [n["title"] for n in unread["items"]]
    window = api.get("/api/v1/inbox?unread=true&limit=2&offset=1").json()
    assert window["count"] == 4
    assert [n["title"] for n in window["items"]] == ["Unread 1", "Unread 2"]
    assert api.get("/api/v1/inbox?unread=false").json()["count"] == 5


def test_the_api_marks_a_notification_read(world):
    message = note(world, "operator", "Reminder")
    api = world.api("operator")
    answer = api.post(f"/api/v1/inbox/{message.pk}/read")
    assert answer.status_code == 200
    assert answer.json()["id"] == message.pk and answer.json()["read_at"] is not None
    assert api.get("/api/v1/inbox?unread=true").json()["count"] == 0
    again = api.post(f"/api/v1/inbox/{message.pk}/read").json()
    assert again["read_at"] == answer.json()["read_at"]


def test_an_absent_notification_answers_404(world):
    answer = world.api("operator").post("/api/v1/inbox/999999/read")
    assert answer.status_code == 404 and answer.json()["code"] == "not_found"


# The header's badge -----------------------------------------------------------------------


def test_the_badge_counts_the_users_unread_notifications(world):
    note(world, "operator", "One")
    note(world, "operator", "Two", read=True)
    note(world, "other_operator", "Theirs")
    assert unread_count(world.users["operator"]) == 1
    assert unread_count(world.users["zuoqi"]) == 0
    assert unread_count(None) == 0


# On a phone -------------------------------------------------------------------------------


@pytest.fixture
def phone(open_phone):  # noqa: F811 - the fixture imported above
    """A 375 px wide phone whose owner reads Chinese (see `fangkong/tests/conftest.py`)."""
    return open_phone()


def fits(phone: Page) -> bool:
    return phone.evaluate("document.documentElement.scrollWidth <= 375") is True


@pytest.mark.browser
def test_an_operator_reads_the_inbox_on_a_phone(live_server, world, phone):
    long_body = "\n".join(f"{n}. 阿拉善左旗巴彦浩特镇敬老院（阿拉善左旗）" for n in range(1, 31))
    escalation = note(world, "operator", "缺报提醒：阿拉善盟，10月25日", body=long_body)
    note(world, "operator", "提醒：今日日报告截止时间为16:00", minutes_ago=5, read=True)
    sign_in(phone, live_server, "operator")
    phone.goto(f"{live_server.url}/inbox/")
    unread = phone.locator("main li", has_text=escalation.title).get_by_role("button")
    assert unread.evaluate("b => getComputedStyle(b.querySelector('strong')).fontWeight") == "700"
    assert fits(phone)
    for target in phone.locator("main a, main button").all():
        box = target.bounding_box()
        assert box and max(box["width"], box["height"]) >= 40, target.inner_text()

    unread.click()
    expect(phone).to_have_url(f"{live_server.url}/inbox/{escalation.pk}/")
    expect(phone.get_by_role("heading", level=1)).to_have_text(escalation.title)
    expect(phone.locator(".bulletin")).to_contain_text("30. 阿拉善左旗巴彦浩特镇敬老院")
    assert fits(phone)
    assert is_read(escalation)
