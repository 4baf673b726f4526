from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fangkong.institutions.selectors import institution_get


@login_required
def detail(request: HttpRequest, code: str) -> HttpResponse:
    institution = institution_get(user=request.user, code=code)
    return render(request, "institutions/detail.html", {"institution": institution})
