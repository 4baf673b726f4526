import csv
import datetime
import importlib
import io
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from python_calamine import CalamineWorkbook

from fangkong.audit.models import AuditEvent
from fangkong.conftest import make_institution
from fangkong.core.scoping import SYSTEM
from fangkong.reporting.exports import day_rows, xlsx_headers
from fangkong.reporting.models import Dhis2Mapping
from fangkong.reporting.services import report_submit
from fangkong.reporting.template import COUNT_FIELDS
from fangkong.reporting.tests.conftest import DAY, at, figures

ADX = "{urn:ihe:qrph:adx:2015}"
XSD = settings.BASE_DIR.parent / "shared" / "specs" / "adx" / "adx_loose.xsd"
ALXA = ["1529210001", "1529210002", "1529220001", "1529230001", "1529710001"]

# What the institutions reported for 25 October 2022 (左旗's figures after its amendment).
ZUOQI = figures(residents=182, visitors=12, fever=1, tested=50)
YOUQI = figures(residents=90, staff_on_site=30, ppe_days=20)
EJINA = figures(residents=120, staff_on_site=40, in_isolation=3, fever=2, respiratory=1,
                tested=30, positive=1)  # fmt: skip


def url(kind, region="152900", day=DAY):
    return f"/api/v1/regions/{region}/{kind}?date={day}"


@pytest.fixture
def reported(world, regime, clock):
    """At 17:00: 左旗's centre on time (then amended), 右旗 a zero report, 额济纳旗 late."""
    first = report_submit(actor=SYSTEM, institution=world.institutions["1529210001"], day=DAY,
                          figures=figures(residents=180, visitors=12, fever=1, tested=50),
                          now=at(9))  # fmt: skip
    report_submit(actor=SYSTEM, institution=world.institutions["1529210001"], day=DAY,
                  figures=ZUOQI, reason="两位老人漏计", if_match=first.report.etag,
                  now=at(11))  # fmt: skip
    report_submit(actor=SYSTEM, institution=world.institutions["1529220001"], day=DAY,
                  figures=YOUQI, is_zero=True, now=at(15, 59, 59))  # fmt: skip
    report_submit(actor=SYSTEM, institution=world.institutions["1529230001"], day=DAY,
                  figures=EJINA, notes="=缺少N95口罩", now=at(16, 0))  # fmt: skip
    clock.set(at(17))


def hand_sum(*reports):
    """Counts add up; days of PPE left are the least of the institutions' (unknown: none)."""
    sums = {code: sum(r[code] for r in reports) for code in COUNT_FIELDS}
    sums["ppe_days"] = min((r["ppe_days"] for r in reports), default=None)
    return sums


def read_xlsx(response):
    return CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0)


def label(text):
    with translation.override("zh-hans"):
        return translation.gettext(text)


def figures_of(row):
    figures = zip(COUNT_FIELDS, row[7:], strict=False)
    return {code: None if value == "" else int(value) for code, value in figures}


# Excel ----------------------------------------------------------------------------------------


def test_excel_has_the_title_and_the_headers_officials_use(world, reported):
    sheet = read_xlsx(world.api("league").get(url("daily-summary.xlsx"))).to_python()
    assert "阿拉善盟" in sheet[0][0] and "2022年10月25日" in sheet[0][0]
    with translation.override("zh-hans"):
        assert sheet[1] == xlsx_headers()
    assert sheet[1][5] == label("Under closure")
    assert sheet[1][7] == "在院老人数"
    assert sheet[1][-3] == "防护物资可用天数"


def test_excel_lists_every_expected_institution_with_its_status(world, reported):
    sheet = read_xlsx(world.api("league").get(url("daily-summary.xlsx"))).to_python()
    units = {row[2]: row for row in sheet[2:] if isinstance(row[0], (int, float)) and row[0]}
    assert [int(row[0]) for row in units.values()] == [1, 2, 3, 4, 5]
    assert {name: row[3] for name, row in units.items()} == {
        "阿拉善左旗社会福利中心": "按时", "阿拉善左旗巴彦浩特镇敬老院": "未报告",
        "阿拉善右旗社会福利中心": "按时", "额济纳旗社会福利中心": "迟报",
        "阿拉善高新区颐养院": "未报告",
    }  # fmt: skip
    missing = units["阿拉善左旗巴彦浩特镇敬老院"]
    assert missing[4:] == [""] * (len(COUNT_FIELDS) + 5)
    assert units["阿拉善右旗社会福利中心"][6] == label("Yes")
    assert figures_of(units["阿拉善左旗社会福利中心"]) == ZUOQI  # the amended revision
    assert units["额济纳旗社会福利中心"][-1] == "=缺少N95口罩"  # text, never a formula


def test_excel_subtotals_and_total_add_up_the_received_reports(world, reported):
    sheet = read_xlsx(world.api("league").get(url("daily-summary.xlsx"))).to_python()
    subtotals = {row[1]: row for row in sheet if row[2] == label("Subtotal")}
    assert list(subtotals) == ["阿拉善左旗", "阿拉善右旗", "额济纳旗", "阿拉善高新技术产业开发区"]
    assert figures_of(subtotals["阿拉善左旗"]) == ZUOQI
    assert figures_of(subtotals["阿拉善右旗"]) == YOUQI
    assert figures_of(subtotals["额济纳旗"]) == EJINA
    assert figures_of(subtotals["阿拉善高新技术产业开发区"]) == hand_sum()
    total = sheet[-1]
    assert total[1] == label("Grand total")
    assert figures_of(total) == hand_sum(ZUOQI, YOUQI, EJINA)
    assert total[3] == label("%(received)s of %(expected)s reported") % {
        "received": 3,
        "expected": 5,
    }


def test_excel_keeps_the_title_across_and_the_header_in_view(world, reported):
    response = world.api("league").get(url("daily-summary.xlsx"))
    assert read_xlsx(response).merged_cell_ranges == [((0, 0), (0, len(COUNT_FIELDS) + 8))]
    with zipfile.ZipFile(io.BytesIO(response.content)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    # Frozen under the two title rows and right of number, banner and institution.
    assert re.search(r'<pane xSplit="3" ySplit="2" topLeftCell="D3"[^>]*state="frozen"', sheet)


def test_excel_downloads_under_the_region_and_day(world, reported):
    response = world.api("league").get(url("daily-summary.xlsx"))
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == (
        'attachment; filename="daily-summary-152900-2022-10-25.xlsx"'
    )


# CSV ------------------------------------------------------------------------------------------


def read_csv(response):
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_csv_opens_with_a_bom_and_names_columns_by_code(world, reported):
    response = world.api("league").get(url("daily-summary.csv"))
    lines = read_csv(response)
    assert lines[0] == ["region_code", "region_name", "institution_code", "institution_name",
                        "status", "is_zero", *COUNT_FIELDS, "on_behalf", "notes"]  # fmt: skip
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "daily-summary-152900-2022-10-25.csv" in response["Content-Disposition"]


def test_csv_has_one_line_per_expected_institution(world, reported):
    lines = {line[2]: line for line in read_csv(world.api("league").get(url("daily-summary.csv")))}
    assert sorted(lines) == sorted([*ALXA, "institution_code"])
    assert lines["1529210002"][3:6] == ["阿拉善左旗巴彦浩特镇敬老院", "missing", ""]
    assert lines["1529210002"][6:] == [""] * (len(COUNT_FIELDS) + 2)
    assert lines["1529220001"][:6] == ["152922", "阿拉善右旗", "1529220001",
                                       "阿拉善右旗社会福利中心", "on_time", "true"]  # fmt: skip
    assert lines["1529210001"][6:-2] == [str(ZUOQI[code]) for code in COUNT_FIELDS]
    # A note a spreadsheet would run as a formula is defused.
    assert lines["1529230001"][4:6] == ["late", "false"]
    assert lines["1529230001"][-1] == "'=缺少N95口罩"


@pytest.mark.parametrize(
    "notes",
    [' =HYPERLINK("http://x")', "\n=1+1", "\r\n+1", " \t-1", "\u3000@SUM(A1)", "\t1", "\r1"],
)
def test_csv_defuses_a_formula_behind_whitespace_or_a_line_break(world, regime, clock, notes):
    report_submit(actor=SYSTEM, institution=world.institutions["1529230001"], day=DAY,
                  figures=figures(), notes=notes, now=at(9))  # fmt: skip
    clock.set(at(17))
    lines = {line[2]: line for line in read_csv(world.api("league").get(url("daily-summary.csv")))}
    assert lines["1529230001"][-1] == "'" + notes


# DHIS2 dataValueSets --------------------------------------------------------------------------


@pytest.fixture
def mapped(db):
    """Some of the codes are mapped to DHIS2 identifiers; the rest are not (yet)."""
    for kind, code, uid in [
        ("data_set", "default", "dsFangkong1"),
        ("data_element", "residents", "deResident1"),
        ("data_element", "fever", "deFever0001"),
        ("org_unit", "1529210001", "ouZuoqiSWC1"),
    ]:
        Dhis2Mapping.objects.create(kind=kind, code=code, uid=uid)


def test_data_value_set_uses_the_daily_period_and_mapped_identifiers(world, reported, mapped):
    response = world.api("league").get(url("dataValueSets.json"))
    body = response.json()
    assert (body["dataSet"], body["period"]) == ("dsFangkong1", "20221025")
    values = body["dataValues"]
    assert len(values) == 3 * len(COUNT_FIELDS)
    assert {v["period"] for v in values} == {"20221025"}
    by_key = {(v["orgUnit"], v["dataElement"]): v["value"] for v in values}
    assert by_key[("ouZuoqiSWC1", "deResident1")] == "182"
    assert by_key[("ouZuoqiSWC1", "deFever0001")] == "1"
    assert by_key[("1529230001", "positive")] == "1"  # unmapped: the Fangkong codes stand in
    assert by_key[("1529220001", "visitors")] == "0"
    assert {v["orgUnit"] for v in values} == {"ouZuoqiSWC1", "1529220001", "1529230001"}


def test_data_value_set_reports_the_unmapped_codes_in_headers(world, reported, mapped):
    response = world.api("league").get(url("dataValueSets.json"))
    unmapped = dict(part.split("=") for part in response["X-Fangkong-Unmapped"].split("; "))
    assert unmapped["org_unit"] == "1529220001,1529230001"
    assert set(unmapped["data_element"].split(",")) == set(COUNT_FIELDS) - {"residents", "fever"}
    assert "data_set" not in unmapped
    assert response["X-Fangkong-Unmapped-Count"] == str(2 + len(COUNT_FIELDS) - 2)
    assert "unmapped" not in response.json()
    assert "dataValueSets-152900-20221025.json" in response["Content-Disposition"]


def test_data_value_set_without_any_mapping_falls_back_to_codes(world, reported):
    response = world.api("league").get(url("dataValueSets.json"))
    assert response.json()["dataSet"] == "default"
    assert "data_set=default" in response["X-Fangkong-Unmapped"]


# ADX ------------------------------------------------------------------------------------------


def parse_adx(content):
    return ET.fromstring(content)  # noqa: S314  (our own export)


def test_adx_has_one_group_per_received_report(world, reported, mapped):
    response = world.api("league").get(url("adx.xml"))
    assert response["Content-Type"] == "application/adx+xml"
    root = parse_adx(response.content)
    assert root.tag == f"{ADX}adx"
    assert datetime.datetime.fromisoformat(root.get("exported")) == at(17)
    groups = root.findall(f"{ADX}group")
    assert [(g.get("orgUnit"), g.get("period"), g.get("dataSet")) for g in groups] == [
        ("ouZuoqiSWC1", "2022-10-25/P1D", "dsFangkong1"),
        ("1529220001", "2022-10-25/P1D", "dsFangkong1"),
        ("1529230001", "2022-10-25/P1D", "dsFangkong1"),
    ]
    values = {v.get("dataElement"): v.get("value") for v in groups[2].findall(f"{ADX}dataValue")}
    assert values == {"deResident1": "120", "deFever0001": "2"} | {
        code: str(EJINA[code]) for code in COUNT_FIELDS if code not in ("residents", "fever")
    }
    assert "org_unit=1529220001,1529230001" in response["X-Fangkong-Unmapped"]


def validate_against_schema(content, tmp_path):
    if not XSD.exists():
        pytest.skip(f"the ADX schema is not at {XSD} (shared/ is not beside the clone)")
    try:
        etree = importlib.import_module("lxml.etree")
    except ImportError:
        etree = None
    if etree is not None:
        schema = etree.XMLSchema(etree.parse(str(XSD)))
        schema.assertValid(etree.fromstring(content))
        return
    xmllint = shutil.which("xmllint")
    if xmllint is None:
        pytest.skip("neither lxml nor xmllint (libxml2-utils) is installed to validate ADX")
    export = tmp_path / "export.xml"
    export.write_bytes(content)
    result = subprocess.run([xmllint, "--noout", "--schema", str(XSD), str(export)],  # noqa: S603
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_adx_validates_against_the_published_schema(world, reported, mapped, tmp_path):
    validate_against_schema(world.api("league").get(url("adx.xml")).content, tmp_path)


def test_adx_of_a_day_without_reports_is_not_found(world, reported):
    response = world.api("league").get(url("adx.xml", day=DAY + datetime.timedelta(1)))
    assert response.status_code == 404
    assert response.json()["code"] == "no_reports"
    assert not AuditEvent.objects.filter(action="report.export").exists()


# Scope, audit, queries ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind", ["daily-summary.xlsx", "daily-summary.csv", "dataValueSets.json", "adx.xml"]
)
def test_an_officer_of_another_banner_gets_404(world, reported, kind):
    api = world.api("ejina")
    assert api.get(url(kind)).status_code == 404
    assert api.get(url(kind, region="152921")).status_code == 404


def test_a_banner_officers_export_holds_only_their_banner(world, reported):
    api = world.api("zuoqi")
    lines = read_csv(api.get(url("daily-summary.csv", region="152921")))
    assert [line[2] for line in lines[1:]] == ["1529210001", "1529210002"]
    sheet = read_xlsx(api.get(url("daily-summary.xlsx", region="152921"))).to_python()
    assert figures_of(sheet[-1]) == ZUOQI
    groups = parse_adx(api.get(url("adx.xml", region="152921")).content)
    assert [g.get("orgUnit") for g in groups] == ["1529210001"]


def test_an_export_writes_one_audit_event(world, reported):
    world.api("league").get(url("daily-summary.xlsx"))
    event = AuditEvent.objects.get(action="report.export")
    assert event.actor == world.users["league"]
    assert event.after == {"region": "152900", "date": "2022-10-25", "expected": 5,
                           "received": 3, "format": "xlsx"}  # fmt: skip
    assert event.region_path == world.regions["152900"].path


def test_dhis2_exports_record_how_many_codes_were_unmapped(world, reported, mapped):
    world.api("league").get(url("adx.xml"))
    event = AuditEvent.objects.get(action="report.export")
    assert (event.after["format"], event.after["unmapped"]) == ("adx", 2 + len(COUNT_FIELDS) - 2)


def test_day_rows_take_the_same_queries_however_many_institutions(world, reported):
    user, region = world.users["league"], world.regions["152900"]

    def queries():
        with CaptureQueriesContext(connection) as captured:
            day_rows(user=user, region=region, day=DAY, now=at(17))
        return len(captured)

    queries()  # the user's scope is read once, then kept on the user
    before = queries()
    for n in range(3, 8):
        added = make_institution(f"152922000{n}", "152922", f"阿拉善右旗第{n}敬老院")
        report_submit(actor=SYSTEM, institution=added, day=DAY, figures=figures(), now=at(10))
    assert queries() == before
    assert len(day_rows(user=user, region=region, day=DAY, now=at(17))) == 10
