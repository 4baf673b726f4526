"""Rounds are shown read-only: they change only through the services that audit them."""

from django.contrib import admin

from fangkong.core.admin import ReadOnlyAdmin
from fangkong.lab.models import LabCampaign, LabRound


@admin.register(LabCampaign)
class LabCampaignAdmin(ReadOnlyAdmin):
    list_display = ["name", "method", "started_at", "region"]


@admin.register(LabRound)
class LabRoundAdmin(ReadOnlyAdmin):
    list_display = ["name", "institution", "method", "started_at"]
    list_filter = ["method"]
    search_fields = ["name", "institution__name"]
