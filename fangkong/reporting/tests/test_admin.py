import pytest

from fangkong.core.scoping import SYSTEM
from fangkong.reporting.models import Dhis2Mapping
from fangkong.reporting.services import report_submit
from fangkong.reporting.tests.conftest import DAY, at, figures


@pytest.mark.parametrize(
    "model",
    ["dhis2mapping", "reportingregime", "dailyreport", "reportrevision", "bannerconfirmation"],
)  # fmt: skip
def test_every_reporting_page_of_the_admin_opens(world, regime, model):
    report_submit(actor=SYSTEM, institution=world.institutions["1529210001"], day=DAY,
                  figures=figures(), now=at(9))  # fmt: skip
    assert world.client("admin").get(f"/admin/reporting/{model}/").status_code == 200


def test_an_administrator_maps_a_field_to_dhis2(world):
    response = world.client("admin").post(
        "/admin/reporting/dhis2mapping/add/",
        {"kind": "data_element", "code": "fever", "uid": "FTRrcoaog83"},
    )
    assert response.status_code == 302
    assert Dhis2Mapping.objects.get(code="fever").uid == "FTRrcoaog83"


def test_reports_cannot_be_changed_in_the_admin(world, regime):
    report = report_submit(actor=SYSTEM, institution=world.institutions["1529210001"], day=DAY,
                           figures=figures(), now=at(9)).report  # fmt: skip
    admin = world.client("admin")
    assert admin.post(f"/admin/reporting/dailyreport/{report.pk}/delete/",
                      {"post": "yes"}).status_code == 403  # fmt: skip
    assert admin.get("/admin/reporting/reportrevision/add/").status_code == 403
