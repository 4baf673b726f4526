"""Sending a message once, on every channel, until each destination has it.

`notify()` is the one entry point every measure calls. It *claims* the message by inserting a
`Dispatch(unit, day, kind)` row: the unique constraint lets exactly one insert succeed, however
many workers run, however often, and after any restart. The claim, the inbox rows, one
`Delivery` row per e-mail address and group robot, and the audit event commit together; the
external channels are tried only after that commit, by `deliveries_run()` in the background
worker (enqueued on commit, and run again every minute by the reminder loop). So:

- a worker that runs twice, or two workers at once: the second claim fails, nothing is sent;
- a crash before the commit: nothing was claimed or sent, the next run sends it;
- a crash after the commit: the deliveries are still `pending` and the next run sends them;
- a destination that is down, answers an error or too slowly: the delivery is tried again with
  a growing delay (1, 2, 4 … minutes, at most an hour apart) until it succeeds or
  `GIVE_UP_AFTER` has passed; then it is `undelivered` and the region's officers are told;
- a delivery that succeeded is never sent again: each attempt first moves its row from
  `pending` to `sending` with a conditional update, so one worker alone makes it, and writes
  the outcome right after that one attempt;
- a crash in the instant between a robot's answer and that write leaves the row `sending`:
  after `LEASE` it is marked `unknown` and shown to the officers, never sent blindly again.
"""

import datetime
import logging
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from fangkong.accounts.models import User
from fangkong.audit.services import audit_record
from fangkong.core.crypto import mask
from fangkong.core.scoping import SYSTEM
from fangkong.notifications import channels, recipients
from fangkong.notifications.messages import in_each_language
from fangkong.notifications.models import (
    Channel,
    Delivery,
    DeliveryState,
    Dispatch,
    Notification,
    Webhook,
)

log = logging.getLogger(__name__)

UNDELIVERED_KIND = "undelivered"


def notify(
    *,
    recipients: Sequence[User],
    kind: str,
    key: str,
    day: datetime.date,
    subject: str,
    body: str,
    link: str = "",
    webhooks: Sequence[Webhook] = (),
    email: bool = True,
    detail: dict[str, Any] | None = None,
    region_path: str | None = None,
    institution_id: int | None = None,
    texts: dict[str, dict[str, str]] | None = None,
) -> Dispatch | None:
    """Send a message of `kind` about `key` on `day` once: to each recipient's inbox and
    e-mail (unless `email` is false), and to each group robot.

    `subject` and `body` are in the site's language; `texts` has them in every language (see
    `messages.in_each_language`), for the inbox to show each reader theirs.

    Return the claimed dispatch, or None when another run had claimed it (nothing is sent).
    """
    detail = {**(detail or {}), "recipients": [user.pk for user in recipients]}
    with transaction.atomic():
        dispatch = _claim(
            unit=key, day=day, kind=kind, subject=subject[:200], body=body, link=link,
            region_path=region_path, detail=detail,
        )  # fmt: skip
        if dispatch is None:
            return None
        Notification.objects.bulk_create(
            Notification(recipient=user, kind=kind, title=subject[:200], body=body, link=link,
                         day=day, texts=texts or {})
            for user in recipients
        )  # fmt: skip
        Delivery.objects.bulk_create(_deliveries(dispatch, recipients if email else (), webhooks))
        audit_record(
            actor=SYSTEM, action=f"{kind}.send", target=dispatch, after=detail,
            region_path=region_path, institution_id=institution_id,
        )  # fmt: skip
        transaction.on_commit(lambda: _enqueue(dispatch.pk), robust=True)
    return dispatch


def _claim(**fields: Any) -> Dispatch | None:
    """Insert the dispatch row, or return None when another run already has."""
    try:
        with transaction.atomic():
            return Dispatch.objects.create(**fields)
    except IntegrityError:
        return None


def _deliveries(
    dispatch: Dispatch, users: Sequence[User], webhooks: Sequence[Webhook]
) -> list[Delivery]:
    addresses = dict.fromkeys(user.email for user in users if user.email)
    return [
        *(Delivery(dispatch=dispatch, channel=Channel.EMAIL, destination=address)
          for address in addresses),
        *(Delivery(dispatch=dispatch, channel=Channel.WEBHOOK, destination=f"webhook:{hook.pk}",
                   webhook=hook) for hook in webhooks),
    ]  # fmt: skip


def _enqueue(dispatch_id: int) -> None:
    from fangkong.notifications.tasks import deliver

    deliver.enqueue(dispatch_id)


# Deliveries -------------------------------------------------------------------------------


def deliveries_run(*, now: datetime.datetime | None = None, dispatch_id: int | None = None) -> int:
    """Try every delivery that is due (of one dispatch, or all); return how many got through."""
    now = now or timezone.now()
    _expire_interrupted(now)
    due = Delivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now)
    if dispatch_id is not None:
        due = due.filter(dispatch_id=dispatch_id)
    limit = settings.NOTIFICATIONS["BATCH"]
    ids = list(due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])
    return sum(_attempt(pk, now) for pk in ids)


def _attempt(pk: int, now: datetime.datetime) -> int:
    """Make one attempt at one delivery, if no other worker has taken it first."""
    # The clock of this attempt: real time, or the later moment a caller runs the worker at.
    clock = max(now, timezone.now())
    taken = Delivery.objects.filter(
        pk=pk, state=DeliveryState.PENDING, next_attempt_at__lte=now
    ).update(state=DeliveryState.SENDING, attempts=F("attempts") + 1, attempted_at=clock)
    if not taken:
        return 0
    delivery = Delivery.objects.select_related("dispatch", "webhook").get(pk=pk)
    if delivery.channel == Channel.WEBHOOK and not (delivery.webhook and delivery.webhook.active):
        # Switched off or removed by an administrator since: on purpose, nobody to tell.
        _record(delivery, state=DeliveryState.UNDELIVERED, last_error="robot switched off")
        return 0
    error = _send(delivery)
    if error is None:
        _record(delivery, state=DeliveryState.SENT, sent_at=timezone.now(), last_error="")
        return 1
    if clock - delivery.created_at >= settings.NOTIFICATIONS["GIVE_UP_AFTER"]:
        if _record(delivery, state=DeliveryState.UNDELIVERED, last_error=error[:200]):
            _tell_officers(delivery)
    else:
        retry_at = clock + backoff(delivery.attempts)
        _record(delivery, state=DeliveryState.PENDING, next_attempt_at=retry_at,
                last_error=error[:200])  # fmt: skip
    return 0


def backoff(attempts: int) -> datetime.timedelta:
    """How long to wait after the `attempts`-th failed attempt: 1, 2, 4 … minutes, then hourly."""
    base: datetime.timedelta = settings.NOTIFICATIONS["RETRY_FIRST"]
    longest: datetime.timedelta = settings.NOTIFICATIONS["RETRY_LONGEST"]
    delay: datetime.timedelta = min(base * 2 ** max(attempts - 1, 0), longest)
    return delay


def _send(delivery: Delivery) -> str | None:
    message = delivery.dispatch
    if delivery.webhook is not None:
        return channels.post_webhook(delivery.webhook, message.subject, message.body)
    return channels.send_email(delivery.destination, message.subject, message.body)


def _record(delivery: Delivery, **fields: Any) -> bool:
    """Write the outcome of this worker's attempt, unless the row was taken from it meanwhile."""
    return bool(
        Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.SENDING).update(**fields)
    )


def _expire_interrupted(now: datetime.datetime) -> None:
    """Mark `unknown` the attempts a crash left `sending`, and tell the officers of each."""
    lease: datetime.timedelta = settings.NOTIFICATIONS["LEASE"]
    clock = max(now, timezone.now())
    stale = Delivery.objects.filter(state=DeliveryState.SENDING, attempted_at__lt=clock - lease)
    for delivery in stale.select_related("dispatch"):
        marked = Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.SENDING).update(
            state=DeliveryState.UNKNOWN, last_error="interrupted"
        )
        if marked:
            _tell_officers(delivery)


def _tell_officers(delivery: Delivery) -> None:
    """Tell the officers of the message's region, in their inbox, that it did not get through."""
    message = delivery.dispatch
    if message.region_path is None:
        return
    officers = recipients.officers_above_path(message.region_path)
    # The undelivered message is quoted as it was sent: in the site's language.
    values = {"subject": message.subject, "destination": _destination_label(delivery)}

    def write() -> tuple[str, str]:
        subject = gettext("Not delivered: %(subject)s") % values
        body = gettext(
            "The message “%(subject)s” could not be delivered to %(destination)s. "
            "Please pass it on by other means."
        )
        return subject, body % values

    told = in_each_language(write)
    notify(
        recipients=officers, kind=UNDELIVERED_KIND, key=f"delivery:{delivery.pk}",
        day=message.day, subject=told.title, body=told.body, texts=told.texts,
        region_path=message.region_path, email=False,
        detail={"delivery": delivery.pk, "dispatch": message.pk},
    )  # fmt: skip


def _destination_label(delivery: Delivery) -> str:
    if delivery.channel == Channel.EMAIL:
        return delivery.destination
    hook = delivery.webhook
    return str(hook) if hook is not None else delivery.destination


# Group robots -----------------------------------------------------------------------------

WEBHOOK_FIELDS = ["region", "flavour", "url", "secret", "active"]
SECRET_FIELDS = {"url", "secret"}


def webhook_save(*, actor: Any, webhook: Webhook, changed: Sequence[str]) -> Webhook:
    """Create or change a group robot, audited; its URL and secret are in the log only as "set"."""
    with transaction.atomic():
        before = None
        if webhook.pk is not None:
            before = webhook_snapshot(Webhook.objects.get(pk=webhook.pk))
        webhook.save()
        audit_record(
            actor=actor, action="webhook.update" if before else "webhook.create", target=webhook,
            before=before, after={**webhook_snapshot(webhook), "changed": sorted(changed)},
            region_path=webhook.region.path,
        )  # fmt: skip
    return webhook


def webhook_delete(*, actor: Any, webhook: Webhook) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor, action="webhook.delete", target=webhook,
            before=webhook_snapshot(webhook), region_path=webhook.region.path,
        )  # fmt: skip
        webhook.delete()


def webhook_snapshot(webhook: Webhook) -> dict[str, Any]:
    values = {name: str(getattr(webhook, name)) for name in WEBHOOK_FIELDS}
    for name in SECRET_FIELDS:  # whether there is one, never any of it (`changed` says which)
        values[name] = "set" if getattr(webhook, name) else ""
    values["region"] = webhook.region.code
    return values


def masked(value: str) -> str:
    """A secret as it may be shown: its last four characters at most, never the rest."""
    return mask(value, keep_end=4) if len(value) >= 16 else mask(value, keep_end=0)
