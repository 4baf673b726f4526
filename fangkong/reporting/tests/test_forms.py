"""The report form's counts: bounded as the API's are, on SQLite and PostgreSQL alike."""

import pytest

from fangkong.core.schema import MAX_COUNT
from fangkong.reporting.forms import ReportForm
from fangkong.reporting.models import DailyReport
from fangkong.reporting.tests.conftest import DAY, at, figures

REPORT = f"/report/1529210001/{DAY}/"


@pytest.mark.parametrize("value", [2**31, 2**63, MAX_COUNT + 1])
def test_a_count_beyond_the_bound_is_refused_on_the_page(world, regime, clock, value):
    clock.set(at(15))
    typed = {code: str(number) for code, number in figures(visitors=value).items()}
    response = world.client("operator").post(REPORT, typed)
    assert response.status_code == 422
    assert response.context["form"].errors["visitors"][0].startswith("确保该值小于或等于")
    assert not DailyReport.objects.exists()


def test_the_count_inputs_tell_the_phone_their_bound():
    form = ReportForm()
    assert f'max="{MAX_COUNT}"' in str(form["fever"])
