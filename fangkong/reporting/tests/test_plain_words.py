"""Pages say things in words: a revision's number, and why an early warning was raised."""

import re

from django.utils import translation

from fangkong.core.scoping import SYSTEM
from fangkong.reporting.services import report_submit
from fangkong.reporting.tests.conftest import DAY, at, figures
from fangkong.surveillance.models import Aberration


def zh(text: str, **values: object) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(text) % values


def test_an_amended_reports_revisions_are_numbered_in_words(world, regime, clock):
    centre = world.institutions["1529210001"]
    first = report_submit(actor=SYSTEM, institution=centre, day=DAY, figures=figures(),
                          now=at(9))  # fmt: skip
    report_submit(actor=SYSTEM, institution=centre, day=DAY, figures=figures(fever=1),
                  reason="漏报一例", if_match=first.report.etag, now=at(10))  # fmt: skip
    clock.set(at(11))
    operator = world.client("operator")
    for url in (f"/report/1529210001/{DAY}/", "/report/1529210001/history/"):
        html = operator.get(url).content.decode()
        assert zh("revision %(n)s", n=2) in html, url  # 第 2 版
        assert not re.search(r">\s*r\d", html), url  # never "r2"
    english = operator.get(f"/report/1529210001/{DAY}/", headers={"accept-language": "en"})
    assert "revision 2" in english.content.decode()


def test_the_board_says_why_a_warning_was_raised_without_method_codes(world, regime, clock):
    Aberration.objects.create(institution=world.institutions["1529210001"], day=DAY,
                              field="fever", value=4, methods="C1,C2")  # fmt: skip
    clock.set(at(11))
    page = world.client("league").get(f"/board/152900/?date={DAY}",
                                      headers={"accept-language": "en"})  # fmt: skip
    html = page.content.decode()
    assert "well above the past 7 days, well above the week before last" in html
    # As words of their own: a random CSRF token or asset hash may well contain "C1".
    assert not re.search(r"\b(C[123]|EARS)\b", html)
