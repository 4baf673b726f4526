"""The entry check with a nation's closures in the table (issue 9: p95 ≤ 5 ms with 41,000).

Loads the county-level list and 41,000 institutions (as `subtree` does), closes every one of
them (one closure each: an older, lifted one for a tenth of them and a current one for the
rest, so the check has to pick the closure in force), then times:

- `entry_check()` itself, the one function every gate asks, for random institutions, moments
  and purposes (institution already read, as the API handler has it);
- the whole API request `GET /api/v1/institutions/{code}/entry-check` through Django's test
  client as an officer of the nation (auth, scoping, the check, JSON), for context.
"""

import datetime
import random
from typing import Any

from bench.timing import measure, table

INSTITUTIONS = 41_000
TARGET_P95_MS = 5.0


def populate() -> None:
    from bench.subtree import populate as institutions
    from fangkong.closures.models import Closure, ClosureLevel, ClosureOrder, OrderKind
    from fangkong.institutions.models import Institution
    from fangkong.regions.models import NATION_CODE, Region

    if not Institution.objects.exists():
        institutions()
    order = ClosureOrder.objects.create(
        kind=OrderKind.CLOSE, region=Region.objects.get(code=NATION_CODE),
        basis_title="全国养老机构封闭管理（基准测试）",
    )  # fmt: skip
    rng = random.Random(2021)  # noqa: S311 - reproducible synthetic data
    closures = []
    for pk in Institution.objects.order_by("pk").values_list("pk", flat=True):
        lifted = rng.random() < 0.1
        start = datetime.date(2021, 9, 1) if lifted else datetime.date(2021, 10, 18)
        closures.append(Closure(
            order=order, institution_id=pk, start_date=start,
            end_date=datetime.date(2021, 9, 30) if lifted else None,
            level=ClosureLevel.EXIT_ONLY if rng.random() < 0.05 else ClosureLevel.FULL,
        ))  # fmt: skip
    Closure.objects.bulk_create(closures, batch_size=2000)


def run(repeat: int = 400) -> dict[str, Any]:
    from django.test import Client

    from fangkong.accounts.models import Role, User
    from fangkong.accounts.services import role_grant, token_create
    from fangkong.closures.models import Closure, GatePurpose
    from fangkong.closures.services import entry_check
    from fangkong.core.scoping import SYSTEM
    from fangkong.institutions.models import Institution
    from fangkong.regions.models import NATION_CODE, Region

    if not Closure.objects.exists():
        populate()
    closures = Closure.objects.count()
    institutions = list(Institution.objects.select_related("region"))
    rng = random.Random(18)  # noqa: S311 - reproducible synthetic data
    zone = datetime.timezone(datetime.timedelta(hours=8))
    purposes = list(GatePurpose.values)

    def moment() -> datetime.datetime:
        day = datetime.date(2021, 9, 15) + datetime.timedelta(days=rng.randint(0, 60))
        return datetime.datetime.combine(day, datetime.time(rng.randint(0, 23)), tzinfo=zone)

    def check() -> bool:
        return entry_check(rng.choice(institutions), moment(), rng.choice(purposes)).allowed

    user, _created = User.objects.get_or_create(username="bench-nation")
    role_grant(actor=SYSTEM, user=user, role=Role.OFFICER, scope=Region.objects.get(
        code=NATION_CODE))  # fmt: skip
    _token, secret = token_create(actor=SYSTEM, user=user)
    client = Client(headers={"authorization": f"Bearer {secret}"})

    def request() -> int:
        institution = rng.choice(institutions)
        response = client.get(
            f"/api/v1/institutions/{institution.code}/entry-check",
            {"at": moment().isoformat(), "purpose": rng.choice(purposes)},
        )
        assert response.status_code == 200, response.content
        return response.status_code

    function, endpoint = measure(check, repeat=repeat), measure(request, repeat=repeat // 2)
    rows = [
        {"what": "entry_check()", "runs": repeat, **function},
        {"what": "GET …/entry-check (API)", "runs": repeat // 2, **endpoint},
    ]
    print(f"entry_check: {closures} closures, {len(institutions)} institutions")
    print(table(rows, ["what", "runs", "p50_ms", "p95_ms", "max_ms"]))
    passed = function["p95_ms"] <= TARGET_P95_MS
    print(f"target p95 ≤ {TARGET_P95_MS} ms: {'met' if passed else 'NOT met'}")
    return {"benchmark": "entry_check", "scale": "nation", "closures": closures,
            "institutions": len(institutions),
            "target_p95_ms": TARGET_P95_MS, "target_met": passed, "rows": rows}  # fmt: skip
