"""Notifications: the in-app inbox, e-mail and group robots (WeCom, DingTalk, Feishu), and the
exactly-once record of what was sent (`Dispatch`) with one `Delivery` per channel and
destination, retried by the background worker until it gets through.

Every measure tells people through one entry point, `services.notify()`; it decides nothing
about *who* or *when* (the measure does), only that each message goes out once and arrives.
`recipients` answers who hears of a region or an institution.

It stands on the service floor: it may import `core`, `regions`, `institutions`, `accounts`
and `audit`, and no measure (reporting, liaison, closures, …) — they import it.
"""
