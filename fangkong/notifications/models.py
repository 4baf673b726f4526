from django.conf import settings
from django.db import models
from django.utils.timezone import now
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from fangkong.core.crypto import EncryptedTextField
from fangkong.core.scoping import Scoping


class Notification(models.Model):
    """A message in a user's in-app inbox (reminders, escalations, early warnings, notices)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE,
        related_name="notifications",
    )  # fmt: skip
    kind = models.CharField(_("kind"), max_length=30)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    day = models.DateField(_("day"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # The title and body in each of the site's languages ({"en": {"title": …, "body": …}}), so
    # that each reader reads the inbox in their own; `title` and `body` are the site's default
    # language, as sent by e-mail and to the group robots, and stand in for a missing language.
    texts = models.JSONField(_("texts in each language"), default=dict, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.title

    @property
    def shown_title(self) -> str:
        """The title in the active language (the reader's), else as stored."""
        return self._text("title")

    @property
    def shown_body(self) -> str:
        return self._text("body")

    def _text(self, part: str) -> str:
        text = (self.texts or {}).get(get_language() or "", {}).get(part)
        return text if isinstance(text, str) else getattr(self, part)


class Dispatch(models.Model):
    """One message of one kind about one thing (`unit`) and day: claimed once, sent once.

    The unique constraint is the guarantee: a worker that runs twice, or restarts half-way,
    fails to insert the second row and sends nothing. The message's text is kept, so that its
    deliveries can be tried again by another process later.
    """

    unit = models.CharField(_("unit"), max_length=64)
    day = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=20)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    # NULL: about the system as a whole, as for audit events; "" would be the nation.
    region_path = models.CharField(_("region path"), max_length=255, null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField(_("created at"), default=now)
    detail = models.JSONField(_("detail"), default=dict)

    scoping = Scoping(region_path="region_path")

    class Meta:
        verbose_name = _("dispatch")
        verbose_name_plural = _("dispatches")
        constraints = [
            models.UniqueConstraint(fields=["unit", "day", "kind"], name="dispatch_once")
        ]

    def __str__(self) -> str:
        # What people read (the audit log shows it): the message's subject, not its key.
        return self.subject or f"{self.kind} {self.unit} {self.day:%Y-%m-%d}"


class WebhookFlavour(models.TextChoices):
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")
    FEISHU = "feishu", _("Feishu group robot")


class Webhook(models.Model):
    """A group robot that hears a region's messages.

    Its URL carries the robot's access token (WeCom's `key`, DingTalk's `access_token`,
    Feishu's hook id) and its secret signs each message: both are stored encrypted.
    """

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), on_delete=models.CASCADE, related_name="+"
    )
    flavour = models.CharField(_("flavour"), max_length=10, choices=WebhookFlavour.choices)
    url = EncryptedTextField(_("URL"))
    secret = EncryptedTextField(_("signing secret"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    scoping = Scoping(region="region")

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return f"{self.get_flavour_display()} {self.region}"


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Group robot")


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Delivered")
    UNDELIVERED = "undelivered", _("Not delivered")
    UNKNOWN = "unknown", _("Interrupted, outcome unknown")


class Delivery(models.Model):
    """One message on one channel to one destination, and how its attempts went.

    Its state is written right after each attempt, so a crash loses at most the attempt under
    way, and that one is left `sending`: it is then marked `unknown`, never sent again.
    """

    dispatch = models.ForeignKey(
        Dispatch, verbose_name=_("message"), on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    destination = models.CharField(_("destination"), max_length=254)
    webhook = models.ForeignKey(
        Webhook, verbose_name=_("webhook"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    state = models.CharField(
        _("state"), max_length=12, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=now)
    attempted_at = models.DateTimeField(_("last attempted at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=now)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["dispatch", "channel", "destination"], name="delivery_once"
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=DeliveryState.values), name="delivery_state_valid"
            ),
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.destination} ({self.state})"
