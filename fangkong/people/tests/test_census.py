"""The census of a day from the stays, employments and shifts kept here, and the daily report
form that offers it: as starting figures the operator may change, never over what was typed or
over a submitted report."""

import re

from fangkong.core.scoping import SYSTEM
from fangkong.people.services import person_register, stay_create, stay_end
from fangkong.people.staff import employment_create, shift_create
from fangkong.people.staff_selectors import census_of
from fangkong.people.tests.conftest import moment, ric_number
from fangkong.reporting.models import DailyReport
from fangkong.reporting.services import report_submit
from fangkong.reporting.tests.conftest import DAY, at, figures
from fangkong.reporting.tests.conftest import clock as clock
from fangkong.reporting.tests.conftest import regime as regime

HOME = "1529210001"
REPORT = f"/report/{HOME}/{DAY}/"


class Home:
    def __init__(self, world):
        self.institution = world.institutions[HOME]
        self.sequence = 400

    def person(self, name):
        self.sequence += 1
        number = ric_number(sequence=f"{self.sequence:03d}")
        return person_register(actor=SYSTEM, name=name, id_number=number).person

    def resident(self, name, start, end=None):
        stay = stay_create(actor=SYSTEM, institution=self.institution, person=self.person(name),
                           role="resident", start=moment(start))  # fmt: skip
        if end:
            stay_end(actor=SYSTEM, stay=stay, end=moment(end))

    def staff(self, name, on_site=True, shifts=()):
        job = employment_create(actor=SYSTEM, institution=self.institution,
                                person=self.person(name), start=moment("2022-01-01T08:00:00+08:00"),
                                on_site=on_site)  # fmt: skip
        for start, end, shift_on_site in shifts:
            shift_create(actor=SYSTEM, employment=job, start=moment(start), end=moment(end),
                         on_site=shift_on_site)  # fmt: skip


def day_of(world, clock):
    """25 October 2022 with its people: the census is 2 residents and 3 staff on site."""
    clock.set(at(20))
    home = Home(world)
    home.resident("在院甲", "2022-01-01T09:00:00+08:00")
    home.resident("在院乙", "2022-10-25T10:00:00+08:00")  # admitted that day
    home.resident("出院丙", "2022-01-01T09:00:00+08:00", "2022-10-25T12:00:00+08:00")
    home.resident("明日丁", "2022-10-26T09:00:00+08:00")
    home.staff("院内常驻")
    home.staff(
        "院外夜班",
        on_site=False,
        shifts=[("2022-10-24T20:00:00+08:00", "2022-10-25T04:00:00+08:00", True)],
    )
    home.staff(
        "院外白班",
        on_site=False,
        shifts=[("2022-10-25T08:00:00+08:00", "2022-10-25T16:00:00+08:00", True)],
    )
    home.staff(
        "院外值守",
        on_site=False,
        shifts=[("2022-10-25T08:00:00+08:00", "2022-10-25T16:00:00+08:00", False)],
    )
    home.staff(
        "昨日下班",
        on_site=False,
        shifts=[("2022-10-24T08:00:00+08:00", "2022-10-25T00:00:00+08:00", True)],
    )
    return home


def test_the_census_counts_residents_at_days_end_and_distinct_staff_on_site(world, clock):
    day_of(world, clock)
    census = census_of(world.institutions[HOME], DAY)
    assert (census.residents, census.staff_on_site) == (2, 3)


def test_today_the_census_counts_only_what_has_begun(world, clock):
    day_of(world, clock)
    clock.set(at(7))  # 07:00: the admission of 10:00 and the day shift of 08:00 are to come
    census = census_of(world.institutions[HOME], DAY)
    assert (census.residents, census.staff_on_site) == (2, 2)


def test_an_institution_that_keeps_no_people_here_has_no_census(world):
    assert census_of(world.institutions[HOME], DAY) is None


def test_the_report_form_offers_the_census_as_changeable_figures(world, regime, clock):
    day_of(world, clock)
    clock.set(at(15))
    page = world.client("operator").get(REPORT).content.decode()
    assert re.search(r'name="residents" value="2"', page)
    assert re.search(r'name="zero-staff_on_site" value="3"', page)
    assert "在院老人 2 人" in page and "在岗（院内）工作人员 3 人" in page
    typed = {"zero-residents": "5", "zero-staff_on_site": "4", "zero-in_isolation": "0",
             "zero-tested": "0", "zero-ppe_days": "30", "zero": "1"}  # fmt: skip
    assert world.client("operator").post(REPORT, typed).status_code == 302
    current = DailyReport.objects.get().current
    assert (current.residents, current.staff_on_site) == (5, 4)


def test_what_the_operator_typed_is_shown_again_not_the_census(world, regime, clock):
    day_of(world, clock)
    clock.set(at(15))
    typed = {"residents": "7", "staff_on_site": "6", "in_isolation": "0", "tested": "3",
             "positive": "5", "ppe_days": "30"}  # fmt: skip
    page = world.client("operator").post(REPORT, typed).content.decode()
    assert 'value="7"' in page and 'value="6"' in page


def test_a_submitted_report_keeps_its_own_census(world, regime, clock):
    day_of(world, clock)
    report_submit(actor=SYSTEM, institution=world.institutions[HOME], day=DAY,
                  figures=figures(residents=177, staff_on_site=55), now=at(9))  # fmt: skip
    clock.set(at(15))
    page = world.client("operator").get(REPORT).content.decode()
    assert 'value="177"' in page and 'value="55"' in page
    assert "在院老人 2 人" not in page
    current = DailyReport.objects.get().current
    assert (current.residents, current.staff_on_site) == (177, 55)


def test_the_census_api_says_whether_people_are_kept_here(world, clock):
    api = world.api("operator")
    empty = api.get(f"/api/v1/institutions/{HOME}/census?date={DAY}").json()
    assert (empty["kept"], empty["residents"]) == (False, None)
    day_of(world, clock)
    body = api.get(f"/api/v1/institutions/{HOME}/census?date={DAY}").json()
    assert (body["kept"], body["residents"], body["staff_on_site"]) == (True, 2, 3)
