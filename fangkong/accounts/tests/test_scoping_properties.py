"""Scoping holds for every tree, every placement of institutions and every set of grants.

The expected answer is worked out by walking parent links in Python, independently of the
materialised paths that `visible()` relies on.
"""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from fangkong.accounts.models import Role, RoleGrant, User
from fangkong.audit.models import AuditEvent
from fangkong.core.scoping import SYSTEM, visible
from fangkong.institutions.models import Institution
from fangkong.regions.loading import Division, load_divisions
from fangkong.regions.models import Level, Region

LEVELS = [Level.PROVINCE, Level.PREFECTURE, Level.COUNTY, Level.TOWNSHIP]


@st.composite
def trees(draw):
    """A forest of up to 12 regions as a parent index per node (-1: a root), depth ≤ 4."""
    parents, depths = [], []
    for index in range(draw(st.integers(1, 12))):
        candidates = [-1] + [i for i in range(index) if depths[i] < 3]
        parent = draw(st.sampled_from(candidates))
        parents.append(parent)
        depths.append(0 if parent == -1 else depths[parent] + 1)
    return parents, depths


@st.composite
def worlds(draw):
    parents, depths = draw(trees())
    n = len(parents)
    homes = draw(st.lists(st.integers(0, n - 1), max_size=10))
    targets = st.one_of(
        st.tuples(st.just("region"), st.integers(0, n - 1)),
        st.tuples(st.just("institution"), st.integers(0, max(len(homes) - 1, 0))),
        st.tuples(st.just("everything"), st.just(0)),
    )
    roles = st.sampled_from([r.value for r in Role])
    grants = draw(st.lists(st.tuples(roles, targets), max_size=4))
    return parents, depths, homes, grants


def build(parents, depths, homes, grants):
    load_divisions(
        [
            Division(f"T{i}", f"区{i}", LEVELS[depths[i]], None if p == -1 else f"T{p}", False)
            for i, p in enumerate(parents)
        ]
    )
    regions = {r.code: r for r in Region.objects.all()}
    institutions = [
        Institution.objects.create(code=f"I{k}", name=f"院{k}", region=regions[f"T{r}"], beds=10)
        for k, r in enumerate(homes)
    ]
    user = User.objects.create(username="someone")
    for role, (kind, index) in grants:
        if kind == "institution" and not institutions:
            continue
        region = regions[f"T{index}"] if kind == "region" else None
        institution = institutions[index] if kind == "institution" else None
        if kind == "everything" and role != Role.ADMIN:
            continue
        RoleGrant.objects.get_or_create(
            user=user, role=role, region=region, institution=institution
        )
    return regions, institutions, user


def ancestors_or_self(index, parents):
    while index != -1:
        yield index
        index = parents[index]


def expected_institutions(parents, homes, grants, institutions):
    seen = set()
    for role, (kind, index) in grants:
        if kind == "everything" and role == Role.ADMIN:
            return {i.code for i in institutions}
        for k, home in enumerate(homes):
            if kind == "region" and index in ancestors_or_self(home, parents):
                seen.add(f"I{k}")
            if kind == "institution" and institutions and k == index:
                seen.add(f"I{k}")
    return seen


class ScopingProperties(TestCase):
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(worlds())
    def test_visible_institutions_are_exactly_those_under_a_grant(self, world):
        parents, depths, homes, grants = world
        _regions, institutions, user = build(parents, depths, homes, grants)
        got = set(visible(Institution.objects.all(), user).values_list("code", flat=True))
        assert got == expected_institutions(parents, homes, grants, institutions)

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(worlds())
    def test_visible_regions_are_granted_subtrees_and_homes_of_granted_institutions(self, world):
        parents, depths, homes, grants = world
        _regions, institutions, user = build(parents, depths, homes, grants)
        expected = set()
        for role, (kind, index) in grants:
            if kind == "everything" and role == Role.ADMIN:
                expected = {f"T{i}" for i in range(len(parents))}
                break
            if kind == "region":
                expected |= {f"T{i}" for i in range(len(parents))
                             if index in ancestors_or_self(i, parents)}  # fmt: skip
            if kind == "institution" and institutions:
                expected.add(f"T{homes[index]}")
        got = set(visible(Region.objects.all(), user).values_list("code", flat=True))
        assert got == expected

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(worlds())
    def test_api_list_never_includes_an_out_of_scope_institution(self, world):
        from fangkong.accounts.services import token_create

        parents, depths, homes, grants = world
        _regions, institutions, user = build(parents, depths, homes, grants)
        _token, secret = token_create(actor=SYSTEM, user=user)
        response = self.client.get(
            "/api/v1/institutions?limit=100", headers={"authorization": f"Bearer {secret}"}
        )
        got = {item["code"] for item in response.json()["items"]}
        assert got == expected_institutions(parents, homes, grants, institutions)
        assert AuditEvent.objects.filter(action="token.create").count() == 1
