"""Reads of screenings and their subjects, narrowed to what the user may see."""

from typing import Any

from django.db.models import Count, QuerySet
from django.http import Http404

from fangkong.core.scoping import visible
from fangkong.institutions.models import Institution
from fangkong.screening.models import Screening, ScreeningSubject


def screening_get(*, user: Any, pk: int) -> Screening:
    """The screening, if the user may see it (absent and hidden look the same: 404)."""
    found = (
        visible(Screening.objects.filter(pk=pk), user)
        .select_related("institution", "institution__region", "index_person")
        .annotate(n_subjects=Count("subjects"))
        .first()
    )
    if found is None:
        raise Http404("screening")
    return found


def subjects_of(screening: Screening) -> QuerySet[ScreeningSubject]:
    """The screening's subjects, by name, with their persons."""
    return (
        ScreeningSubject.objects.filter(screening=screening)
        .select_related("person")
        .order_by("person__pinyin", "person_id")
    )


def institution_screenings(*, user: Any, institution: Institution) -> QuerySet[Screening]:
    return (
        visible(Screening.objects.filter(institution=institution), user)
        .annotate(n_subjects=Count("subjects"))
        .order_by("-start", "-id")
    )
