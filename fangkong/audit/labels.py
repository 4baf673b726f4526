"""What each audit action is called on screen: the code stays in the log, a label is shown.

Every action code written anywhere in the code base (`audit_record(action=...)`) has a label
here; fangkong/audit/tests/test_labels.py finds them all in the source and fails on one
without. A code read back from an older log that has none is shown as it is.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ACTION_LABELS: dict[str, Promise] = {
    # Daily reports (reporting)
    "regime.create": _("Reporting regime declared"),
    "report.submit": _("Daily report submitted"),
    "report.zero": _("Zero report submitted"),
    "report.amend": _("Daily report amended"),
    "report.confirm": _("Banner's reports confirmed"),
    "report.remind": _("Institution reminded by an officer"),
    "report.export": _("Daily summary exported"),
    # Closed management (closures)
    "closure.create": _("Closure ordered"),
    "closure.lift": _("Closure lifted"),
    "gate.exception": _("Gate exception made"),
    "gate.export": _("Gate register exported"),
    # Residents, staff and visitors (people)
    "person.create": _("Person registered"),
    "person.register": _("Known person's number typed"),
    "person.reveal": _("Full number shown"),
    "stay.create": _("Stay recorded"),
    "stay.end": _("Stay ended"),
    "visit.create": _("Visit registered"),
    "visit.exception": _("Visit let in by exception"),
    "visit.check_out": _("Visitor checked out"),
    "visit.unlink_self": _("Visitor unlinked as the resident they visited"),
    "risk_area.create": _("Risk area declared"),
    "risk_area.update": _("Risk area changed"),
    "checkin.poster_issue": _("Gate poster printed"),
    "checkin.submit": _("Visitor checked in on their phone"),
    "checkin.confirm": _("Self check-in let in"),
    "checkin.refuse": _("Self check-in refused"),
    "employment.create": _("Employment recorded"),
    "employment.end": _("Employment ended"),
    "shift.create": _("Shift recorded"),
    "person.export": _("Persons exported"),
    "import.upload": _("File uploaded for import"),
    "import.confirm": _("Import confirmed"),
    "import.write": _("Imported rows written"),
    "import.expire": _("Unconfirmed import expired, its file removed"),
    "import.stall": _("Import stuck unfinished ended, nothing written, its file removed"),
    # Testing rounds (lab)
    "lab_round.create": _("Testing round opened"),
    "lab_result.record": _("Test result recorded"),
    "lab_result.excuse": _("Person excused from a testing round"),
    "lab_round.export": _("Testing rounds exported"),
    # Close-contact screening (screening)
    "screening.create": _("Screening opened"),
    "screening.classify": _("Screening subject classified"),
    "screening.second_ring": _("Second ring of a screening opened"),
    "screening.ring_referral": _("Second ring referred to another bureau"),
    "screening.export": _("Screening line list exported"),
    "followup.start": _("Close contact's follow-up started"),
    "followup.symptoms": _("Close contact's symptoms recorded"),
    "followup.plan": _("Close contact's follow-up plan changed"),
    "followup.close": _("Close contact's follow-up closed"),
    # Leader liaison (liaison)
    "liaison.assign": _("Liaison assigned"),
    "liaison.end": _("Liaison assignment ended"),
    "liaison.duty_log": _("Liaison duty logged"),
    "liaison.export": _("Liaison coverage exported"),
    # Supervision (inspections)
    "checklist.draft": _("Checklist draft started"),
    "checklist.edit": _("Checklist draft edited"),
    "checklist.publish": _("Checklist published"),
    "inspection.plan": _("Inspection planned"),
    "inspection.plan_cancel": _("Planned inspection cancelled"),
    "inspection.record": _("Inspection recorded"),
    "inspection.draw": _("Spot-check draw made"),
    "inspection.photo": _("Photo added to an inspection"),
    "inspection.export": _("Supervision summary exported"),
    "rectification.open": _("Rectification opened from a finding"),
    "rectification.fix": _("Rectification reported fixed"),
    "rectification.evidence": _("Evidence added to a rectification"),
    "rectification.verify": _("Rectification verified"),
    "rectification.reopen": _("Rectification fix not accepted"),
    # Messages sent by the system (notifications: `<kind>.send`)
    "liaison_gap.send": _("Institutions without liaisons announced"),
    "rect_overdue.send": _("Overdue rectification announced"),
    "rect_escalate.send": _("Overdue rectification escalated"),
    "lab_positive.send": _("Positive test result announced"),
    "followup_overdue.send": _("Overdue follow-up announced"),
    "reminder.send": _("Reminder sent before the deadline"),
    "escalation.send": _("Missing reports announced"),
    "signal.send": _("Early warning sent"),
    "remind_now.send": _("Officer's reminder sent"),
    "undelivered.send": _("Undelivered message announced"),
    # Group robots
    "webhook.create": _("Group robot added"),
    "webhook.update": _("Group robot changed"),
    "webhook.delete": _("Group robot removed"),
    # Regions and institutions
    "region.load": _("Region list loaded"),
    "region.create": _("Region created"),
    "region.move": _("Region moved"),
    "institution.create": _("Institution created"),
    # Signing in and out
    "user.sign_in": _("Signed in"),
    "user.sign_out": _("Signed out"),
    "user.sign_in_failed": _("Sign-in failed"),
    # Users, roles and API tokens
    "user.create": _("User created"),
    "user.change": _("User changed"),
    "user.set_password": _("Password set"),
    "user.grant": _("Role granted"),
    "user.revoke": _("Role withdrawn"),
    "token.create": _("API token created"),
    "token.revoke": _("API token revoked"),
    # Any record changed through the admin (its model is the target's type)
    "admin.create": _("Added in the admin"),
    "admin.change": _("Changed in the admin"),
    "admin.delete": _("Deleted in the admin"),
    # The audit log itself
    "audit.export": _("Audit log exported"),
}


# Who acted, when it was nobody's account: `audit_record` writes these names.
ACTOR_LABELS: dict[str, Promise] = {
    "system": _("System"),
    "anonymous": _("Someone not signed in"),
}


def action_label(code: str) -> str:
    """The action's label in the active language, or the code itself when it has none."""
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code


def actor_label(name: str) -> str:
    """An actor without an account in the active language; a user's name as it is."""
    label = ACTOR_LABELS.get(name)
    return str(label) if label is not None else name
