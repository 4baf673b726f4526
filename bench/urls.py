"""The benchmark's URLconf: the site's (`config.urls`, all of it) and the burst's reference route.

Selected by `ROOT_URLCONF` in `bench.server_settings` (the burst's gunicorn) and `bench.settings`
(in-process benchmarks). The reference sits under /api/v1/, ahead of the API's own routes, so that
the API middleware treats it exactly as it treats a submission.
"""

from django.urls import URLPattern, URLResolver, path

from bench.reference import put_report
from config import urls as site

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "api/v1/bench-reference/institutions/<str:code>/daily-reports/<str:day>",
        put_report,
        name="bench-reference",
    ),
    *site.urlpatterns,
]

# The site's error views, should it name any.
for _handler in ("handler400", "handler403", "handler404", "handler500"):
    if hasattr(site, _handler):
        globals()[_handler] = getattr(site, _handler)
