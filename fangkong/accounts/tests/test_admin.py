"""The admin shows and deactivates; every change of rights goes through an audited service."""

import pytest

from fangkong.accounts.models import ApiToken, RoleGrant, User
from fangkong.accounts.services import token_create, token_revoke
from fangkong.audit.models import AuditEvent
from fangkong.core.scoping import SYSTEM
from fangkong.institutions.models import Institution
from fangkong.regions.models import Region


def test_a_revoked_token_cannot_be_revived_in_the_admin(world):
    token, _secret = token_create(actor=SYSTEM, user=world.users["zuoqi"], name="sync")
    token_revoke(actor=SYSTEM, token=token)
    world.client("admin").post(
        f"/admin/accounts/apitoken/{token.pk}/change/",
        {"name": "renamed", "revoked_at_0": "", "revoked_at_1": ""},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token.name == "sync"


def test_the_admin_revokes_selected_tokens_and_records_who_did(world):
    token, _secret = token_create(actor=SYSTEM, user=world.users["zuoqi"])
    response = world.client("admin").post(
        "/admin/accounts/apitoken/", {"action": "revoke_tokens", "_selected_action": [token.pk]}
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    event = AuditEvent.objects.get(action="token.revoke")
    assert event.actor == world.users["admin"]


def test_the_admin_cannot_delete_a_token(world):
    token, _secret = token_create(actor=SYSTEM, user=world.users["zuoqi"])
    response = world.client("admin").post(
        f"/admin/accounts/apitoken/{token.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_the_user_page_shows_grants_without_a_way_to_change_them(world):
    zuoqi = world.users["zuoqi"]
    page = world.client("admin").get(f"/admin/accounts/user/{zuoqi.pk}/change/").content.decode()
    assert "阿拉善左旗" in page
    assert 'name="grants-0-role"' not in page
    assert 'name="grants-0-DELETE"' not in page


def user_form(user, **changes):
    """What the admin's user page posts back, unchanged but for `changes`."""
    grant = user.grants.get()
    data = {
        "username": user.username,
        "full_name": user.full_name,
        "phone": user.phone,
        "is_active": "on",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "grants-TOTAL_FORMS": "1",
        "grants-INITIAL_FORMS": "1",
        "grants-MIN_NUM_FORMS": "0",
        "grants-MAX_NUM_FORMS": "1000",
        "grants-0-id": str(grant.pk),
        "grants-0-user": str(user.pk),
        "grants-0-role": grant.role,
        "grants-0-region": str(grant.region_id),
        "grants-0-granted_at_0": grant.granted_at.strftime("%Y-%m-%d"),
        "grants-0-granted_at_1": grant.granted_at.strftime("%H:%M:%S"),
    }
    return {**data, **changes}


def test_the_admin_cannot_make_a_superuser_without_a_grant(world):
    zuoqi = world.users["zuoqi"]
    world.client("admin").post(
        f"/admin/accounts/user/{zuoqi.pk}/change/",
        user_form(zuoqi, is_staff="on", is_superuser="on"),
    )
    zuoqi.refresh_from_db()
    assert not (zuoqi.is_staff or zuoqi.is_superuser)


def test_the_admin_cannot_add_a_grant_on_the_user_page(world):
    zuoqi = world.users["zuoqi"]
    data = user_form(zuoqi, **{
        "grants-TOTAL_FORMS": "2",
        "grants-1-role": "officer",
        "grants-1-region": str(world.regions["152923"].pk),
        "grants-1-user": str(zuoqi.pk),
        "grants-1-granted_at_0": "2026-01-01",
        "grants-1-granted_at_1": "00:00:00",
    })  # fmt: skip
    world.client("admin").post(f"/admin/accounts/user/{zuoqi.pk}/change/", data)
    assert RoleGrant.objects.filter(user=zuoqi).count() == 1


@pytest.mark.parametrize(
    ("url", "model", "key"),
    [
        ("/admin/accounts/user/{pk}/delete/", User, "zuoqi"),
        ("/admin/institutions/institution/{pk}/delete/", Institution, "1529220001"),
        ("/admin/regions/region/{pk}/delete/", Region, "620100"),
    ],
)
def test_the_admin_deletes_no_user_institution_or_region(world, url, model, key):
    instance = {
        User: world.users.get(key),
        Institution: world.institutions.get(key),
        Region: world.regions.get(key),
    }[model]
    response = world.client("admin").post(url.format(pk=instance.pk), {"post": "yes"})
    assert response.status_code == 403
    assert model.objects.filter(pk=instance.pk).exists()


def change_form(user, **changes):
    """The admin's change form for `user` as it would post it back, with `changes`."""
    data = {
        "username": user.username, "full_name": user.full_name, "phone": user.phone,
        "email": user.email, "first_name": "", "last_name": "", "is_active": "on",
        "last_login_0": "", "last_login_1": "", "date_joined_0": "2022-10-24",
        "date_joined_1": "08:00:00",
        "grants-TOTAL_FORMS": "0", "grants-INITIAL_FORMS": "0",
        "grants-MIN_NUM_FORMS": "0", "grants-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_deactivating_a_user_in_the_admin_is_audited(world):
    zuoqi = world.users["zuoqi"]
    response = world.client("admin").post(
        f"/admin/accounts/user/{zuoqi.pk}/change/",
        change_form(zuoqi, is_active=None, phone="13800000000"),
    )
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    zuoqi.refresh_from_db()
    assert (zuoqi.is_active, zuoqi.phone) == (False, "13800000000")
    event = AuditEvent.objects.get(action="user.change", target_id=str(zuoqi.pk))
    assert event.actor == world.users["admin"]
    assert event.before == {"is_active": True, "phone": ""}
    assert event.after == {"is_active": False, "phone": "13800000000"}


def set_password_in_admin(world, user, password):
    return world.client("admin").post(
        f"/admin/accounts/user/{user.pk}/password/",
        {"password1": password, "password2": password, "usable_password": "true"},
    )


def test_a_password_set_in_the_admin_is_audited_without_the_password(world):
    zuoqi = world.users["zuoqi"]
    response = set_password_in_admin(world, zuoqi, "Another-pass-9")
    assert response.status_code == 302
    zuoqi.refresh_from_db()
    assert zuoqi.check_password("Another-pass-9")
    event = AuditEvent.objects.get(action="user.set_password", target_id=str(zuoqi.pk))
    assert event.actor == world.users["admin"]
    assert "Another-pass-9" not in str(event.after) and zuoqi.password not in str(event.after)


def test_a_refused_password_in_the_admin_records_nothing(world):
    zuoqi = world.users["zuoqi"]
    response = set_password_in_admin(world, zuoqi, "short")
    assert response.status_code == 200
    assert not AuditEvent.objects.filter(action="user.set_password", target_id=str(zuoqi.pk))


def test_a_user_added_in_the_admin_is_audited(world):
    response = world.client("admin").post(
        "/admin/accounts/user/add/",
        {"username": "newcomer", "password1": "Newcomer-pass-1", "password2": "Newcomer-pass-1",
         "usable_password": "true", "grants-TOTAL_FORMS": "0", "grants-INITIAL_FORMS": "0"},
    )  # fmt: skip
    assert response.status_code == 302
    user = User.objects.get(username="newcomer")
    event = AuditEvent.objects.get(action="user.create", target_id=str(user.pk))
    assert event.actor == world.users["admin"]
    assert event.after["username"] == "newcomer"
    assert event.after["password_set"] is True
