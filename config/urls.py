"""The site: each app's pages under its prefix, and the API root (`config.api`)."""

from django.contrib import admin
from django.urls import include, path

from config.api import api

urlpatterns = [
    path("", include("fangkong.dashboard.urls")),
    path("", include("fangkong.core.urls")),
    path("accounts/", include("fangkong.accounts.urls")),
    path("institutions/", include("fangkong.institutions.urls")),
    path("audit/", include("fangkong.audit.urls")),
    path("", include("fangkong.reporting.urls")),
    path("", include("fangkong.notifications.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
