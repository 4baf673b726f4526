"""The header names who is signed in as people know them, never by the login."""

import re

from fangkong.accounts.models import User

EN = {"accept-language": "en"}


def who(world, persona: str) -> str:
    page = world.client(persona).get("/", headers=EN).content.decode()
    found = re.search(r'<span class="who"[^>]*>(.*?)</span>', page)
    assert found, "no name in the header"
    return found.group(1)


def test_an_operator_is_shown_as_the_institution(world):
    assert who(world, "operator") == "阿拉善左旗社会福利中心"


def test_a_person_with_a_full_name_is_shown_by_it(world):
    User.objects.filter(username="zuoqi").update(full_name="巴特尔")
    assert who(world, "zuoqi") == "巴特尔"


def test_an_officer_without_a_name_is_shown_as_the_bureau(world):
    assert who(world, "zuoqi") == "阿拉善左旗 bureau"
    assert who(world, "admin") == "System administrator"
