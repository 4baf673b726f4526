"""Group robots are configured here, with their URL and secret shown masked and every change
audited; messages and their deliveries are shown read-only."""

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from fangkong.core.admin import ReadOnlyAdmin
from fangkong.notifications.models import Delivery, Dispatch, Webhook
from fangkong.notifications.services import masked, webhook_delete, webhook_save


class WebhookForm(forms.ModelForm):  # type: ignore[type-arg]
    """The URL and secret are write-only: a blank field keeps what is stored."""

    # Never echoed back, not even after an error elsewhere in the form.
    url = forms.URLField(
        label=_("URL"), max_length=500, required=False, assume_scheme="https",
        widget=forms.PasswordInput(render_value=False),
    )  # fmt: skip
    secret = forms.CharField(
        label=_("signing secret"), max_length=200, required=False,
        widget=forms.PasswordInput(render_value=False),
    )  # fmt: skip

    class Meta:
        model = Webhook
        fields = ["region", "flavour", "url", "secret", "active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stored = self.instance if self.instance.pk else None
        for name in ("url", "secret"):
            self.initial[name] = ""
            if stored is not None and getattr(stored, name):
                hint = _("Stored: %(masked)s. Leave blank to keep it.") % {
                    "masked": masked(getattr(stored, name))
                }
                self.fields[name].help_text = hint
        if stored is None:
            self.fields["url"].required = True

    def _clean_kept(self, name: str) -> str:
        value: str = self.cleaned_data.get(name) or ""
        if not value and self.instance.pk:
            return str(getattr(Webhook.objects.get(pk=self.instance.pk), name))
        return value

    def clean_url(self) -> str:
        return self._clean_kept("url")

    def clean_secret(self) -> str:
        return self._clean_kept("secret")

    @property
    def changed_data(self) -> list[str]:
        # A blank write-only field is no change; a typed one is, whatever was shown.
        changed = [n for n in super().changed_data if n not in ("url", "secret")]
        return changed + [n for n in ("url", "secret") if self.data.get(n)]


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = WebhookForm
    audit_writes = False  # webhook_save and webhook_delete audit, the secrets only marked
    list_display = ["region", "flavour", "masked_url", "active"]
    list_filter = ["flavour", "active"]
    autocomplete_fields = ["region"]

    @admin.display(description=_("URL"))
    def masked_url(self, webhook: Webhook) -> str:
        return masked(webhook.url)

    def save_model(self, request: HttpRequest, obj: Webhook, form: Any, change: bool) -> None:
        webhook_save(actor=request.user, webhook=obj, changed=form.changed_data)

    def delete_model(self, request: HttpRequest, obj: Webhook) -> None:
        webhook_delete(actor=request.user, webhook=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Webhook]) -> None:
        for webhook in queryset.select_related("region"):
            webhook_delete(actor=request.user, webhook=webhook)


class DeliveryInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Delivery
    extra = 0
    fields = readonly_fields = (
        "channel", "destination", "state", "attempts", "attempted_at", "sent_at", "last_error",
    )  # fmt: skip
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Dispatch)
class DispatchAdmin(ReadOnlyAdmin):
    list_display = ["kind", "unit", "day", "subject", "created_at"]
    list_filter = ["kind"]
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["dispatch", "channel", "destination", "state", "attempts", "sent_at"]
    list_filter = ["state", "channel"]
    list_select_related = ["dispatch"]
