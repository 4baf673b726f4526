"""Subtree queries at the national scale (issue: foundation; DESIGN.md "Storage and scale").

Loads the whole county-level list (~3,200 regions) and 41,000 institutions spread over the
counties, then times what every scoped page does — the institutions under a region — through
`visible()` (materialised path, one prefix range scan) against the same answer computed by a
recursive CTE over parent links, the obvious alternative representation.
"""

import random
from typing import Any

from django.db import connection

from bench.timing import measure, table

INSTITUTIONS = 41_000


def populate() -> None:
    from fangkong.institutions.models import Institution
    from fangkong.regions.loading import load_official
    from fangkong.regions.models import Level, Region

    load_official()
    counties = list(Region.objects.filter(level=Level.COUNTY))
    rng = random.Random(2022)  # noqa: S311 - reproducible synthetic data
    Institution.objects.bulk_create(
        [
            Institution(
                code=f"B{i:07d}",
                name=f"养老院{i}",
                region=rng.choice(counties),
                beds=rng.randint(20, 400),
            )
            for i in range(INSTITUTIONS)
        ],
        batch_size=2000,
    )


PATH = """
SELECT i.code FROM institutions_institution i
WHERE i.region_id IN (SELECT id FROM regions_region WHERE path LIKE %s)
"""
CTE = """
WITH RECURSIVE sub(id) AS (
    SELECT id FROM regions_region WHERE code = %s
    UNION ALL
    SELECT r.id FROM regions_region r JOIN sub ON r.parent_id = sub.id
)
SELECT i.code FROM institutions_institution i WHERE i.region_id IN (SELECT id FROM sub)
"""


def raw(sql: str, parameter: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, [parameter])
        return len(cursor.fetchall())


def run() -> dict[str, Any]:
    from fangkong.accounts.models import Role, User
    from fangkong.accounts.services import role_grant
    from fangkong.core.scoping import SYSTEM, visible
    from fangkong.institutions.models import Institution
    from fangkong.institutions.selectors import institution_list
    from fangkong.regions.models import Region

    if not Institution.objects.exists():
        populate()
    rows = []
    for code, label in [("150000", "province 内蒙古"), ("152900", "league 阿拉善"),
                        ("152921", "banner 阿拉善左旗")]:  # fmt: skip
        region = Region.objects.get(code=code)
        user, _ = User.objects.get_or_create(username=f"bench-{code}")
        role_grant(actor=SYSTEM, user=user, role=Role.OFFICER, scope=region)
        user = User.objects.get(pk=user.pk)

        def scoped(user: User = user) -> int:
            codes = visible(Institution.objects.all(), user).values_list("code", flat=True)
            return len(list(codes))

        def page(user: User = user) -> int:
            return len(list(institution_list(user=user)))

        def cte(code: str = code) -> int:
            return raw(CTE, code)

        def path_sql(prefix: str = region.path + "%") -> int:
            return raw(PATH, prefix)

        count = scoped()
        assert count == cte() == path_sql(), "the representations disagree"
        path, recursive = measure(path_sql), measure(cte)
        orm, listing = measure(scoped), measure(page)
        rows.append({"scope": label, "institutions": count,
                     "path_sql_p50_ms": path["p50_ms"], "path_sql_p95_ms": path["p95_ms"],
                     "cte_sql_p50_ms": recursive["p50_ms"], "cte_sql_p95_ms": recursive["p95_ms"],
                     "visible_orm_p95_ms": orm["p95_ms"],
                     "home_page_query_p95_ms": listing["p95_ms"]})  # fmt: skip
    print(f"subtree: {Region.objects.count()} regions, {Institution.objects.count()} institutions")
    print(table(rows, list(rows[0])))
    return {"benchmark": "subtree", "regions": Region.objects.count(),
            "institutions": Institution.objects.count(), "rows": rows}  # fmt: skip
