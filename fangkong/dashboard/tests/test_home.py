"""The home page: an officer reaches every measure of their region from it."""

from django.urls import reverse


def test_officer_home_links_each_measure_of_their_region(world):
    page = world.client("zuoqi").get(reverse("dashboard:home")).content.decode()
    for url in (
        reverse("reporting:board", args=["152921"]),
        reverse("liaison:coverage", args=["152921"]),
        reverse("closures:region", args=["152921"]),
        reverse("inspections:region", args=["152921"]),
        reverse("lab:region", args=["152921"]),
        reverse("screening:region", args=["152921"]),
        reverse("people:risk_areas", args=["152921"]),
        reverse("people:search"),
    ):
        assert f'href="{url}"' in page, url


def test_officer_home_links_no_other_region(world):
    page = world.client("zuoqi").get(reverse("dashboard:home")).content.decode()
    assert reverse("screening:region", args=["152923"]) not in page
    assert reverse("screening:region", args=["152900"]) not in page


def test_operator_home_offers_no_region_boards(world):
    page = world.client("operator").get(reverse("dashboard:home")).content.decode()
    assert 'id="screening-' not in page
    assert 'id="find-person"' not in page
