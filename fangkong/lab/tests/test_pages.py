from fangkong.lab.models import LabResult
from fangkong.lab.tests.conftest import START, post


def open_round(world, people):
    person = people.stay("赵一", "1529210001", "2021-10-01T09:00:00+08:00")
    body = {"institution_code": "1529210001", "name": "第一轮", "started_at": START,
            "method": "nucleic_acid"}  # fmt: skip
    round_id = post(world.api("zuoqi"), "/api/v1/lab-rounds", body).json()["rounds"][0]["id"]
    return round_id, person


def test_the_region_page_shows_institutions_complete_out_of_all(world, people):
    _round_id, _person = open_round(world, people)
    page = world.client("league").get("/lab/regions/152900/?name=第一轮").content.decode()
    assert '<strong id="complete">0/1</strong>' in page
    assert "阿拉善左旗社会福利中心" in page


def test_a_result_recorded_on_the_round_page_completes_the_round(world, people):
    round_id, person = open_round(world, people)
    client = world.client("operator")
    response = client.post(f"/lab/rounds/{round_id}/", {
        "result-person": person.pk, "result-result": "negative",
        "result-sampled_at": "2021-10-20T09:30", "result-laboratory": "",
    })  # fmt: skip
    assert response.status_code == 302
    assert LabResult.objects.get().result == "negative"
    page = world.client("league").get("/lab/regions/152900/").content.decode()
    assert '<strong id="complete">1/1</strong>' in page


def test_a_refused_result_on_the_page_names_the_field_and_writes_nothing(world, people):
    round_id, person = open_round(world, people)
    response = world.client("operator").post(f"/lab/rounds/{round_id}/", {
        "result-person": person.pk, "result-result": "negative",
        "result-sampled_at": "2021-10-19T09:30",
    })  # fmt: skip
    assert response.status_code == 200
    assert 'id="result-sampled_at_error"' in response.content.decode()
    assert not LabResult.objects.exists()


def test_the_institution_page_links_to_its_rounds(world, people):
    round_id, _person = open_round(world, people)
    page = world.client("operator").get("/institutions/1529210001/").content.decode()
    assert f"/lab/rounds/{round_id}/" in page
