"""The inbox in the reader's language; e-mail and group robots in the site's (Chinese).

Reminders, escalations and warnings are written by the worker, which has no reader: each is
written in every language of the site when sent, and the inbox shows the reader's.
"""

import datetime

import pytest
from django.core import mail
from django.utils import translation

from fangkong.accounts.models import User
from fangkong.core.scoping import SYSTEM
from fangkong.notifications.models import Notification
from fangkong.reporting.reminders import run_due, signal_message
from fangkong.reporting.services import regime_create
from fangkong.reporting.tests.conftest import DAY, at
from fangkong.surveillance.models import Aberration


def zh(text: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(text)


@pytest.fixture
def escalated(world, django_capture_on_commit_callbacks):
    """At 16:00 nobody in 额济纳旗 has reported: its officer is told, in the inbox and by mail."""
    regime_create(actor=SYSTEM, name="阿拉善盟日报告", region_code="152900", start_date=DAY)
    User.objects.filter(pk=world.users["ejina"].pk).update(email="ejina@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        run_due(now=at(16))
    return Notification.objects.get(recipient=world.users["ejina"], kind="escalation")


def test_the_english_inbox_shows_the_message_in_english(world, escalated):
    page = world.client("ejina").get(f"/inbox/{escalated.pk}/", headers={"accept-language": "en"})
    html = page.content.decode()
    assert "Missing daily reports: 额济纳旗, October 25" in html
    assert "1 institution in 额济纳旗 has not submitted the daily report for October 25" in html
    listing = world.client("ejina").get("/inbox/", headers={"accept-language": "en"})
    assert "Missing daily reports: 额济纳旗, October 25" in listing.content.decode()


def test_the_chinese_inbox_shows_it_in_chinese(world, escalated):
    page = world.client("ejina").get(f"/inbox/{escalated.pk}/")  # Chinese is the default
    title = zh("Missing daily reports: %(region)s, %(day)s") % {"region": "额济纳旗",
                                                                 "day": "10月25日"}  # fmt: skip
    assert title in page.content.decode()
    assert "Missing daily reports" not in page.content.decode()


def test_the_inbox_api_answers_in_the_callers_language(world, escalated):
    api = world.api("ejina")
    [english] = api.get("/api/v1/inbox", headers={"accept-language": "en"}).json()["items"]
    [chinese] = api.get("/api/v1/inbox", headers={"accept-language": "zh-hans"}).json()["items"]
    assert english["title"] == "Missing daily reports: 额济纳旗, October 25"
    assert chinese["title"] == escalated.title != english["title"]


def test_e_mail_goes_in_the_sites_language(world, escalated):
    [message] = mail.outbox
    assert message.subject == escalated.title
    assert "Missing daily reports" not in f"{message.subject} {message.body}"


def test_a_warning_says_why_in_words_not_method_codes(world):
    signal = Aberration.objects.create(
        institution=world.institutions["1529210001"], day=datetime.date(2022, 10, 25),
        field="fever", value=4, methods="C1,C3",
    )  # fmt: skip
    message = signal_message(signal)
    english = message.texts["en"]["body"]
    assert "well above the past 7 days, high three days running" in english
    for text in (english, message.body, message.texts["en"]["title"], message.title):
        assert "EARS" not in text and "C1" not in text and "C3" not in text
