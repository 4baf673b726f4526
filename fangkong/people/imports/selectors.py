"""Reads of imports, narrowed to the institutions the user may import into or see."""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from fangkong.core.scoping import visible
from fangkong.institutions.models import Institution
from fangkong.people.imports.models import FileImport

RECENT = 20


def import_get(*, user: Any, pk: int) -> FileImport:
    """The import, if its institution lies in the user's scope (404 otherwise, as if absent)."""
    found = (
        visible(FileImport.objects.filter(pk=pk), user)
        .select_related("institution__region", "created_by", "confirmed_by")
        .first()
    )
    if found is None:
        raise Http404("import")
    return found


def institution_imports(*, user: Any, institution: Institution) -> QuerySet[FileImport]:
    return visible(FileImport.objects.filter(institution=institution), user).select_related(
        "created_by"
    )[:RECENT]
