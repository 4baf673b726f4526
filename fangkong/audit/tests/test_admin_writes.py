"""Whatever an administrator adds, changes or deletes in the admin is in the audit log, with
what it was and what it became; a secret only as "set" or "changed"."""

from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.test import RequestFactory

from fangkong.audit.admin_site import AuditedAdmin, AuditedAdminSite
from fangkong.audit.models import AuditEvent
from fangkong.notifications.models import Webhook
from fangkong.reporting.models import Dhis2Mapping

MAPPINGS = "/admin/reporting/dhis2mapping/"


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_every_model_in_the_admin_audits_its_writes():
    registry = admin.site._registry
    assert registry, "the admin has models"
    assert isinstance(admin.site, AuditedAdminSite)
    unaudited = [model for model, model_admin in registry.items()
                 if not isinstance(model_admin, AuditedAdmin)]  # fmt: skip
    assert unaudited == []
    # Those that write through services audit there, as the services' own tests show.
    by_services = {m._meta.label for m, a in registry.items()
                   if isinstance(a, AuditedAdmin) and not a.audits_writes}  # fmt: skip
    assert by_services == {"accounts.User", "notifications.Webhook", "inspections.ChecklistVersion"}


def test_adding_a_dhis2_mapping_is_audited(world):
    response = world.client("admin").post(
        f"{MAPPINGS}add/", {"kind": "org_unit", "code": "1529210001", "uid": "ouZuoqi0001"}
    )
    assert response.status_code == 302
    mapping = Dhis2Mapping.objects.get()
    [event] = events("admin.create")
    assert event.actor == world.users["admin"]
    assert (event.target_type, event.target_id) == ("reporting.dhis2mapping", str(mapping.pk))
    assert event.before is None
    assert event.after == {"kind": "org_unit", "code": "1529210001", "uid": "ouZuoqi0001"}


def test_changing_a_dhis2_mapping_records_before_and_after(world):
    mapping = Dhis2Mapping.objects.create(kind="org_unit", code="1529210001", uid="ouZuoqi0001")
    response = world.client("admin").post(
        f"{MAPPINGS}{mapping.pk}/change/",
        {"kind": "org_unit", "code": "1529210001", "uid": "ouZuoqi0002"},
    )
    assert response.status_code == 302
    [event] = events("admin.change")
    assert event.before == {"uid": "ouZuoqi0001"} and event.after == {"uid": "ouZuoqi0002"}


def test_deleting_one_and_many_is_audited(world):
    rows = [Dhis2Mapping.objects.create(kind="org_unit", code=f"152921000{n}", uid=f"ou{n}" * 3)
            for n in range(1, 4)]  # fmt: skip
    client = world.client("admin")
    assert client.post(f"{MAPPINGS}{rows[0].pk}/delete/", {"post": "yes"}).status_code == 302
    response = client.post(MAPPINGS, {"action": "delete_selected", "post": "yes",
                                      "_selected_action": [rows[1].pk, rows[2].pk]})  # fmt: skip
    assert response.status_code == 302
    assert not Dhis2Mapping.objects.exists()
    deleted = events("admin.delete")
    assert sorted(e.target_id for e in deleted) == sorted(str(r.pk) for r in rows)
    assert deleted[0].before["code"] == "1529210001" and deleted[0].after is None


def test_unlocking_an_account_in_the_admin_is_audited(world):
    """axes' own admin: deleting the failures that locked an account out."""
    attempt = AccessAttempt.objects.create(username="operator", failures_since_start=5,
                                           ip_address="10.0.0.1", user_agent="phone")  # fmt: skip
    response = world.client("admin").post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "post": "yes", "_selected_action": [attempt.pk]},
    )
    assert response.status_code == 302 and not AccessAttempt.objects.exists()
    [event] = events("admin.delete")
    assert event.target_type == "axes.accessattempt" and event.before["username"] == "operator"


def test_a_groups_permissions_are_recorded(world):
    permission = Permission.objects.get(codename="view_dhis2mapping")
    response = world.client("admin").post(
        "/admin/auth/group/add/", {"name": "DHIS2 readers", "permissions": [permission.pk]}
    )
    assert response.status_code == 302
    [event] = events("admin.create")
    assert event.after == {"name": "DHIS2 readers", "permissions": [permission.pk]}
    assert event.target_id == str(Group.objects.get().pk)


def test_a_secret_is_only_ever_set_or_changed(world):
    """Any ModelAdmin on the audited site, even a plain one over a model with secrets."""
    site = AuditedAdminSite(name="secrets")
    site.register(Webhook)
    model_admin = site._registry[Webhook]
    request = RequestFactory().post("/")
    request.user = world.users["admin"]
    url, secret = "https://oapi.dingtalk.com/robot/send?access_token=abc123", "SECabc123xyz"
    data = {"region": world.regions["152921"].pk, "flavour": "dingtalk", "url": url,
            "secret": secret, "active": "on"}  # fmt: skip
    form = model_admin.get_form(request)(data=data)
    assert form.is_valid(), form.errors
    model_admin.save_model(request, form.save(commit=False), form, change=False)
    model_admin.save_related(request, form, [], change=False)
    hook = Webhook.objects.get()
    form = model_admin.get_form(request, hook)(data={**data, "url": url + "x"}, instance=hook)
    assert form.is_valid(), form.errors
    model_admin.save_model(request, form.save(commit=False), form, change=True)
    model_admin.save_related(request, form, [], change=True)
    model_admin.delete_model(request, hook)
    written = AuditEvent.objects.filter(action__startswith="admin.").order_by("id")
    logged = [(e.before, e.after) for e in written]
    assert logged[0] == (None, {"region": world.regions["152921"].pk, "flavour": "dingtalk",
                                "url": "set", "secret": "set", "active": True})  # fmt: skip
    assert logged[1] == ({"url": "set"}, {"url": "changed"})
    assert logged[2][0]["url"] == logged[2][0]["secret"] == "set"
    assert "abc123" not in str(logged)
