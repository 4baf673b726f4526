import io

import pytest
from django.core.management import CommandError, call_command

from fangkong.accounts.models import Role, RoleGrant
from fangkong.accounts.services import role_grant, role_revoke
from fangkong.audit.models import AuditEvent
from fangkong.core.scoping import SYSTEM


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_role_revoke_removes_the_grant_and_records_it_in_the_scope(world):
    grant = RoleGrant.objects.get(user=world.users["zuoqi"])
    role_revoke(actor=world.users["admin"], grant=grant)
    assert not RoleGrant.objects.filter(user=world.users["zuoqi"]).exists()
    event = AuditEvent.objects.get(action="user.revoke")
    assert event.actor == world.users["admin"]
    assert event.before == {"role": "officer", "scope": "152921"}
    assert event.after is None
    assert event.region_path == world.regions["152921"].path


def test_revoking_the_system_administrator_grant_ends_staff_and_superuser(world):
    admin = world.users["admin"]
    role_revoke(actor=SYSTEM, grant=RoleGrant.objects.get(user=admin))
    admin.refresh_from_db()
    assert not (admin.is_staff or admin.is_superuser)
    event = AuditEvent.objects.get(action="user.revoke")
    assert event.after == {"is_staff": False, "is_superuser": False}


def test_revoking_a_scoped_grant_leaves_a_system_administrator_one(world):
    admin = world.users["admin"]
    scoped = role_grant(actor=SYSTEM, user=admin, role=Role.ADMIN, scope=world.regions["152921"])
    role_revoke(actor=SYSTEM, grant=scoped)
    admin.refresh_from_db()
    assert admin.is_staff and admin.is_superuser
    assert admin.roles() == {"admin"}


def test_user_revoke_command_revokes_one_scoped_role(world):
    run("user", "create", "zuoqi", "--role", "liaison", "--scope", "1529230001")
    output = run("user", "revoke", "zuoqi", "--role", "liaison", "--scope", "1529230001")
    assert "revoked" in output
    assert world.users["zuoqi"].roles() == {"officer"}
    assert AuditEvent.objects.filter(action="user.revoke").count() == 1


def test_user_revoke_command_refuses_a_role_the_user_does_not_hold(world):
    with pytest.raises(CommandError, match="holds no"):
        run("user", "revoke", "zuoqi", "--role", "officer", "--scope", "152923")
    assert world.users["zuoqi"].roles() == {"officer"}


def test_user_revoke_command_refuses_an_unknown_user(world):
    with pytest.raises(CommandError, match="nobody"):
        run("user", "revoke", "nobody", "--role", "officer", "--scope", "152921")
