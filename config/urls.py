"""The site: each app's pages under its prefix, and the API root (`config.api`)."""

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from config.api import api

# The admin is Fangkong's, not "Django administration" (third-party sections: config/apps.py).
admin.site.site_header = _("Fangkong administration")
admin.site.site_title = _("Fangkong administration")
admin.site.index_title = _("Records and settings")

urlpatterns = [
    path("", include("fangkong.dashboard.urls")),
    path("", include("fangkong.core.urls")),
    path("accounts/", include("fangkong.accounts.urls")),
    path("institutions/", include("fangkong.institutions.urls")),
    path("audit/", include("fangkong.audit.urls")),
    path("", include("fangkong.reporting.urls")),
    path("", include("fangkong.liaison.urls")),
    path("", include("fangkong.closures.urls")),
    path("", include("fangkong.inspections.urls")),
    path("", include("fangkong.people.urls")),
    path("", include("fangkong.lab.urls")),
    path("", include("fangkong.screening.urls")),
    path("", include("fangkong.notifications.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
