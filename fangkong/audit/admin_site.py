"""Every write made in the Django admin lands in the audit log, not only in the admin's own log.

The site is Django's default one (`admin.site`, installed by `fangkong.audit.admin_apps`): each
ModelAdmin registered with it, ours and third-party ones (axes, groups, task results) alike,
gets the `AuditedAdmin` behaviour, so that adding, changing, deleting and bulk-deleting in the admin
records `admin.create`, `admin.change` and `admin.delete` events in the same transaction as the
write. A ModelAdmin whose save and delete go through a service that audits them already (users,
group robots) says so with `audit_writes = False`.

Secret fields (a password, a token, a key, a robot's URL or secret: by name, by a password
widget, or listed in `audit_secret_fields`) appear in an event only as "set" or "changed".
"""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import admin
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from fangkong.audit.services import audit_record

SECRET_WORDS = {"password", "secret", "token", "key", "digest", "url"}
SET, CHANGED = "set", "changed"
LONGEST_VALUE = 200


def is_secret(name: str, form_field: forms.Field | None, listed: Iterable[str]) -> bool:
    if name in listed or SECRET_WORDS & set(name.lower().split("_")):
        return True
    return form_field is not None and isinstance(form_field.widget, forms.PasswordInput)


def plain(value: Any) -> Any:
    """A value as the audit log keeps it: JSON-safe and short."""
    if isinstance(value, models.Model):
        return plain(value.pk)
    if isinstance(value, (list, tuple, set, QuerySet)):
        return sorted((plain(item) for item in value), key=str)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)[:LONGEST_VALUE]


class AuditedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Audit what the admin writes: what changed, before and after, secrets only as marks.

    A ModelAdmin may set `audit_writes = False` (its services audit) and `audit_secret_fields`.
    They are read with defaults, not declared here: the site puts this class first in the bases
    of a registered ModelAdmin, where a class attribute would hide the ModelAdmin's own.
    """

    @property
    def audits_writes(self) -> bool:
        return bool(getattr(self, "audit_writes", True))

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Called after save_model, inside the admin's transaction, with m2m fields saved.
        super().save_related(request, form, formsets, change)
        if not self.audits_writes:
            return
        self._audit_form(request, form, created=not change)
        for formset in formsets:
            for obj in formset.new_objects:
                self._audit_instance(request, obj, "admin.create")
            for obj, _fields in formset.changed_objects:
                self._audit_instance(request, obj, "admin.change")
            for obj in formset.deleted_objects:
                self._audit_instance(request, obj, "admin.delete")

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        if not self.audits_writes:
            return super().delete_model(request, obj)
        with transaction.atomic():
            self._audit_instance(request, obj, "admin.delete")
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        if not self.audits_writes:
            return super().delete_queryset(request, queryset)
        # The admin's bulk delete runs outside a transaction: events and deletion go together.
        with transaction.atomic():
            for obj in queryset:
                self._audit_instance(request, obj, "admin.delete")
            super().delete_queryset(request, queryset)

    def _audit_form(self, request: HttpRequest, form: Any, *, created: bool) -> None:
        # A new object with every value it was given; a changed one with what changed.
        names = [n for n in form.fields if n in form.cleaned_data] if created else form.changed_data
        if not names and not created:
            return
        before: dict[str, Any] | None = None if created else {}
        after: dict[str, Any] = {}
        for name in names:
            old, new = form.initial.get(name), form.cleaned_data.get(name)
            if self._secret(name, form.fields.get(name)):
                old, new = (SET if old else ""), ("" if not new else CHANGED if old else SET)
            if before is not None:
                before[name] = plain(old)
            after[name] = plain(new)
        action = "admin.create" if created else "admin.change"
        audit_record(actor=request.user, action=action, target=form.instance,
                     before=before, after=after)  # fmt: skip

    def _audit_instance(self, request: HttpRequest, obj: Any, action: str) -> None:
        values = {
            field.name: SET if self._secret(field.name, None) and value else plain(value)
            for field in obj._meta.concrete_fields
            if (value := field.value_from_object(obj)) not in (None, "")
        }
        if action == "admin.delete":
            audit_record(actor=request.user, action=action, target=obj, before=values)
        else:
            audit_record(actor=request.user, action=action, target=obj, after=values)

    def _secret(self, name: str, form_field: forms.Field | None) -> bool:
        return is_secret(name, form_field, getattr(self, "audit_secret_fields", ()))


class AuditedAdminSite(admin.AdminSite):
    """Django's admin site, whose every registered ModelAdmin audits its writes."""

    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, AuditedAdmin):
            attributes = {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__}
            admin_class = type(admin_class.__name__, (AuditedAdmin, admin_class), attributes)
        super().register(model_or_iterable, admin_class, **options)
