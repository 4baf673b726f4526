from itertools import groupby
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fangkong.core.scoping import scope_of
from fangkong.institutions.selectors import institution_list
from fangkong.lab.selectors import marked_positive
from fangkong.regions.models import Region

HOME_PAGE_SIZE = 200


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The institutions in the user's scope, grouped by region."""
    institutions = institution_list(user=request.user)
    query = request.GET.get("q", "").strip()
    if query:
        institutions = institutions.filter(
            Q(name__icontains=query)
            | Q(code__icontains=query)
            | Q(name_pinyin__icontains=query.replace(" ", "").lower())
        )
    page = Paginator(institutions, HOME_PAGE_SIZE).get_page(request.GET.get("page"))
    groups = [(region, list(items)) for region, items in groupby(page, lambda i: i.region)]
    # An institution whose latest testing round has a positive is marked until one comes clear.
    positive = marked_positive(user=request.user, institution_ids=[i.pk for i in page])
    return render(request, "dashboard/home.html", {
        "groups": groups, "total": page.paginator.count, "page": page, "query": query,
        "boards": own_boards(request.user), "positive": positive,
    })  # fmt: skip


def own_boards(user: Any) -> list[Region]:
    """The top regions of the user's scope, whose boards the user reads first."""
    scope = scope_of(user)
    if scope.everything:
        return list(Region.objects.filter(parent__isnull=True).order_by("code"))
    return list(Region.objects.filter(path__in=scope.region_paths).order_by("path"))
