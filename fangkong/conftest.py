"""Personas shared by every test (DESIGN.md, Alxa League):

- `admin`: the system administrator, scope everything;
- `league`: an officer of 阿拉善盟 (152900);
- `zuoqi`: an officer of 阿拉善左旗 (152921); `ejina`: an officer of 额济纳旗 (152923);
- `operator`: the operator of 阿拉善左旗社会福利中心 (1529210001);
- `other_operator`: the operator of 额济纳旗社会福利中心 (1529230001).
"""

import threading
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test import Client
from django.test.testcases import LiveServerThread

from fangkong.accounts.models import Role, User
from fangkong.accounts.services import role_grant, token_create, user_ensure
from fangkong.core.scoping import SYSTEM
from fangkong.institutions.models import Institution, Kind
from fangkong.institutions.services import institution_create
from fangkong.regions.loading import NATION, NON_STANDARD_UNITS, Division, load_divisions
from fangkong.regions.models import NATION_CODE, Level, Region

PASSWORD = "Persona-2022"


class OneRequestAtATime(ThreadedWSGIServer):
    """The browser tests' live server, running one request at a time.

    On SQLite its threads share the tests' one in-memory connection: a page's late request (a
    chart's data) racing the next page's left that connection in a broken transaction for
    every test after it. Connections stay threaded (a browser keeps some open); only the
    application is entered by one request at a time.
    """

    lock = threading.Lock()

    def get_app(self) -> Any:
        app: Any = super().get_app()

        def one_at_a_time(environ: Any, start_response: Any) -> Any:
            with self.lock:
                return app(environ, start_response)

        return one_at_a_time


LiveServerThread.server_class = OneRequestAtATime

ALXA = [
    NATION,
    Division("150000", "内蒙古自治区", Level.PROVINCE, NATION_CODE),
    Division("152900", "阿拉善盟", Level.PREFECTURE, "150000"),
    Division("152921", "阿拉善左旗", Level.COUNTY, "152900"),
    Division("152922", "阿拉善右旗", Level.COUNTY, "152900"),
    Division("152923", "额济纳旗", Level.COUNTY, "152900"),
    *NON_STANDARD_UNITS,
    Division("620000", "甘肃省", Level.PROVINCE, NATION_CODE),
    Division("620100", "兰州市", Level.PREFECTURE, "620000"),
]


@dataclass
class World:
    regions: dict[str, Region]
    institutions: dict[str, Institution]
    users: dict[str, User]

    def client(self, persona: str) -> Client:
        client = Client()
        client.force_login(self.users[persona])
        return client

    def api(self, persona: str) -> Client:
        _token, secret = token_create(actor=SYSTEM, user=self.users[persona])
        return Client(headers={"authorization": f"Bearer {secret}"})


def make_institution(code: str, region: str, name: str, beds: int = 100) -> Institution:
    return institution_create(
        actor=SYSTEM, code=code, name=name, region_code=region, beds=beds, kind=Kind.PUBLIC
    )


def make_user(username: str, role: str, scope: Region | Institution | None) -> User:
    user, _ = user_ensure(actor=SYSTEM, username=username, password=PASSWORD)
    role_grant(actor=SYSTEM, user=user, role=role, scope=scope)
    return user


@pytest.fixture
def world(db: None) -> World:
    load_divisions(ALXA)
    regions = {r.code: r for r in Region.objects.all()}
    institutions = {
        code: make_institution(code, region, name)
        for code, region, name in [
            ("1529210001", "152921", "阿拉善左旗社会福利中心"),
            ("1529210002", "152921", "阿拉善左旗巴彦浩特镇敬老院"),
            ("1529220001", "152922", "阿拉善右旗社会福利中心"),
            ("1529230001", "152923", "额济纳旗社会福利中心"),
            ("1529710001", "152971", "阿拉善高新区颐养院"),
            ("6201000001", "620100", "兰州市社会福利院"),
        ]
    }
    users = {
        "admin": make_user("admin", Role.ADMIN, None),
        "league": make_user("league", Role.OFFICER, regions["152900"]),
        "zuoqi": make_user("zuoqi", Role.OFFICER, regions["152921"]),
        "ejina": make_user("ejina", Role.OFFICER, regions["152923"]),
        "operator": make_user("operator", Role.OPERATOR, institutions["1529210001"]),
        "other_operator": make_user("other_operator", Role.OPERATOR, institutions["1529230001"]),
    }
    return World(regions=regions, institutions=institutions, users=users)
