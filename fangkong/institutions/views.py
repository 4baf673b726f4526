from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fangkong.institutions.models import Institution
from fangkong.institutions.selectors import institution_get

# What the apps above know of an institution, each drawn as a part of its page: an app
# registers a callable from its AppConfig.ready() (as the admin discovers `admin.py`), so that
# this floor imports none of them. Each returns its HTML, or "" when it has nothing to show.
type Section = Callable[[HttpRequest, Institution], str]
SECTIONS: list[Section] = []


def register_section(section: Section) -> None:
    if section not in SECTIONS:
        SECTIONS.append(section)


@login_required
def detail(request: HttpRequest, code: str) -> HttpResponse:
    institution = institution_get(user=request.user, code=code)
    sections = [html for section in SECTIONS if (html := section(request, institution))]
    return render(
        request, "institutions/detail.html", {"institution": institution, "sections": sections}
    )
