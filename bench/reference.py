"""The burst's reference: a submission's rows written by hand-written SQL, and nothing else.

    PUT /api/v1/bench-reference/institutions/{code}/daily-reports/{day}

Served only by the benchmark's URLconf (`bench.urls`, selected by `bench.server_settings` and
`bench.settings`); production code carries no part of it. It takes the same request as
`PUT /api/v1/institutions/{code}/daily-reports/{day}` (the same body, `Authorization` and
`Idempotency-Key`), through the same middleware, and answers the same JSON. What it does:

1. the API's own token check (`config.api.BearerToken`, the same query, and the same UPDATE of
   `last_used_at` at a token's first use);
2. one SELECT: the institution by code, open on the day, with the regime of the nearest region
   at or above it that covers the day, if the user holds a reporting grant over it (admin,
   officer or operator: everything, a subtree containing it, or the institution itself), and
   whether the user reports on its behalf (代报: no operator grant over the institution itself);
3. one transaction writing exactly the rows a first submission writes, in the same way
   (`reporting.services._create` and `reporting.idempotency.remember`): INSERT the report,
   INSERT revision 1, UPDATE the report's `current_id`, INSERT the audit event
   (`report.zero` / `report.submit`, with the figures, `is_zero` and `status` as `after`, the
   client's address, region path and institution id), INSERT the idempotency record with the
   answer, then COMMIT.

A repeated key is found as the API finds a lost race: the report's insert hits the unique
(institution, day), the transaction rolls back, and the recorded answer is replayed
(`Idempotent-Replayed: true`, the same status, body and ETag); a key used for another request
answers 422, a second submission without a recorded key 428, as the API does. So one report per
institution, with one revision, holds for the reference exactly as for the API.

Left out on purpose (what the ratio of the two measures, beside the ORM and django-ninja):
reading the idempotency record before writing, the comparison with yesterday's figures (the
warnings), the early-warning detection of a report with fever or respiratory cases, and the
schema's detailed validation (here: whole numbers of at least 0, a zero report with no events).
"""

import datetime
import json
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from config.api import BearerToken
from fangkong.audit.context import client_ip
from fangkong.reporting.idempotency import MAX_KEY_LENGTH, request_digest
from fangkong.reporting.template import COUNT_FIELDS, EVENT_FIELDS

BEARER = BearerToken()

# The institution, its region's path, its regime on the day and whether this is 代报, if the
# user may report for it (a grant of admin, officer or operator: services.REPORTERS).
# `substr(a, 1, length(b)) = b` is "a starts with b" on PostgreSQL and SQLite alike.
FIND = """
SELECT i.id, i.name, r.path, rg.id, rg.deadline, rg.deadline_inclusive, rg.timezone,
       NOT EXISTS (
         SELECT 1 FROM accounts_rolegrant o
         WHERE o.user_id = %(user)s AND o.role = 'operator' AND o.institution_id = i.id
       )
FROM institutions_institution i
JOIN regions_region r ON r.id = i.region_id
JOIN reporting_reportingregime rg ON rg.id = (
    SELECT rg2.id FROM reporting_reportingregime rg2
    JOIN regions_region rr ON rr.id = rg2.region_id
    WHERE substr(r.path, 1, length(rr.path)) = rr.path
      AND rg2.start_date <= %(day)s AND (rg2.end_date IS NULL OR rg2.end_date >= %(day)s)
    ORDER BY rr.depth DESC LIMIT 1
)
WHERE i.code = %(code)s
  AND (i.opened_on IS NULL OR i.opened_on <= %(day)s)
  AND (i.closed_on IS NULL OR i.closed_on >= %(day)s)
  AND EXISTS (
    SELECT 1 FROM accounts_rolegrant g LEFT JOIN regions_region gr ON gr.id = g.region_id
    WHERE g.user_id = %(user)s AND g.role IN ('admin', 'officer', 'operator')
      AND (g.institution_id = i.id OR substr(r.path, 1, length(gr.path)) = gr.path
           OR (g.region_id IS NULL AND g.institution_id IS NULL))
  )
"""
INSERT_REPORT = """
INSERT INTO reporting_dailyreport (institution_id, day, regime_id, status, first_submitted_at,
                                   revision, current_id)
VALUES (%s, %s, %s, %s, %s, 1, NULL) RETURNING id
"""
INSERT_REVISION = """
INSERT INTO reporting_reportrevision (report_id, number, is_zero, residents, staff_on_site,
    in_isolation, admissions, visitors, fever, respiratory, suspected, confirmed, close_contacts,
    tested, positive, ppe_days, notes, reason, on_behalf, author_id, submitted_at)
VALUES (%s, 1, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, '', %s, %s, %s)
RETURNING id
"""
FIGURES = ("residents", "staff_on_site", "in_isolation", "admissions", "visitors", "fever",
           "respiratory", "suspected", "confirmed", "close_contacts", "tested", "positive",
           "ppe_days")  # fmt: skip
if tuple(COUNT_FIELDS) != FIGURES:
    raise ImproperlyConfigured("the template's fields changed: update bench.reference's SQL")
SET_CURRENT = "UPDATE reporting_dailyreport SET current_id = %s WHERE id = %s"
INSERT_EVENT = """
INSERT INTO audit_auditevent (at, actor_id, actor_name, action, target_type, target_id,
                              target_repr, before, after, ip, region_path, institution_id)
VALUES (%s, %s, %s, %s, 'reporting.dailyreport', %s, %s, NULL, %s, %s, %s, %s)
"""
INSERT_RECORD = """
INSERT INTO reporting_idempotencyrecord (user_id, key, request_digest, status_code, body, etag,
                                         created_at)
VALUES (%s, %s, %s, %s, %s, %s, %s)
"""
FIND_RECORD = """
SELECT request_digest, status_code, body, etag FROM reporting_idempotencyrecord
WHERE user_id = %s AND key = %s
"""


def error(status: int, code: str, message: str, field: str | None = None) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "field": field}, status=status)


def counts_of(data: Any) -> tuple[bool, dict[str, int]] | JsonResponse:
    if not isinstance(data, dict):
        return error(422, "invalid", "The request body must be a JSON object.")
    is_zero = data.get("is_zero", False) is True
    counts = {}
    for code in COUNT_FIELDS:
        value = data.get(code)
        if value is None and is_zero and code in EVENT_FIELDS:
            value = 0
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            return error(422, "invalid", "Enter a whole number of at least 0.", code)
        if is_zero and code in EVENT_FIELDS and value:
            return error(422, "zero_with_events", "A zero report has no events.", code)
        counts[code] = value
    return is_zero, counts


def replay(user_id: int, key: str, digest: str) -> HttpResponse | None:
    with connection.cursor() as cursor:
        cursor.execute(FIND_RECORD, [user_id, key])
        row = cursor.fetchone()
    if row is None:
        return None
    if row[0] != digest:
        return error(422, "invalid", "This Idempotency-Key was used for a different request.",
                     "Idempotency-Key")  # fmt: skip
    body = row[2] if isinstance(row[2], dict) else json.loads(row[2])
    response = JsonResponse(body, status=row[1])
    response["ETag"] = row[3]
    response["Idempotent-Replayed"] = "true"
    return response


@csrf_exempt
def put_report(request: HttpRequest, code: str, day: str) -> HttpResponse:
    if request.method != "PUT":
        return error(405, "method_not_allowed", "This method is not allowed here.")
    user = BEARER(request)
    if user is None:
        return error(401, "unauthenticated", "Authentication required.")
    try:
        date = datetime.date.fromisoformat(day)
        data = json.loads(request.body)
    except ValueError:
        return error(400, "invalid", "Enter a date as YYYY-MM-DD and a JSON body.")
    parsed = counts_of(data)
    if isinstance(parsed, JsonResponse):
        return parsed
    is_zero, counts = parsed
    notes = data.get("notes", "")
    if not isinstance(notes, str) or len(notes) > 2000:
        return error(422, "invalid", "Enter at most 2000 characters.", "notes")
    key = request.headers.get("Idempotency-Key")
    if key is not None and not 0 < len(key) <= MAX_KEY_LENGTH:
        return error(422, "invalid", "An Idempotency-Key has 1 to 200 characters.",
                     "Idempotency-Key")  # fmt: skip
    digest = request_digest("PUT", request.path, request.body)

    with connection.cursor() as cursor:
        cursor.execute(FIND, {"day": date, "code": code, "user": user.pk})
        found = cursor.fetchone()
    if found is None:
        return error(404, "not_found", "Not found.")
    institution_id, name, path, regime_id, deadline, inclusive, zone, on_behalf = found
    now = timezone.now()
    due = datetime.datetime.combine(
        date, datetime.time.fromisoformat(str(deadline)), tzinfo=ZoneInfo(zone)
    ) + datetime.timedelta(seconds=1 if inclusive else 0)
    if date > now.astimezone(ZoneInfo(zone)).date():
        return error(400, "future_day", "A report cannot be made for a future day.", "date")
    status = "on_time" if now < due else "late"
    at = connection.ops.adapt_datetimefield_value(now)
    ops = connection.ops
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(INSERT_REPORT, [institution_id, date, regime_id, status, at])
            report_id = cursor.fetchone()[0]
            cursor.execute(INSERT_REVISION, [report_id, is_zero, *counts.values(), notes,
                                             bool(on_behalf), user.pk, at])  # fmt: skip
            revision_id = cursor.fetchone()[0]
            cursor.execute(SET_CURRENT, [revision_id, report_id])
            after = {**counts, "is_zero": is_zero, "status": status, "on_behalf": bool(on_behalf)}
            cursor.execute(INSERT_EVENT, [
                at, user.pk, user.get_username(), "report.zero" if is_zero else "report.submit",
                str(report_id), f"{name} {date:%Y-%m-%d}"[:200], ops.adapt_json_value(after, None),
                ops.adapt_ipaddressfield_value(client_ip.get()), path, institution_id,
            ])  # fmt: skip
            etag = f'"{report_id}.1"'
            body = {
                "institution_code": code, "date": date.isoformat(), "status": status,
                "submitted_at": now.isoformat(), "revised_at": now.isoformat(), "revision": 1,
                "is_zero": is_zero, **counts, "notes": notes, "on_behalf": bool(on_behalf),
                "warnings": [],
            }  # fmt: skip
            if key is not None:
                record = ops.adapt_json_value(body, None)
                cursor.execute(INSERT_RECORD, [user.pk, key, digest, 201, record, etag, at])
    except IntegrityError:
        # The day's report exists: a retry (or its twin in flight) answers as it was answered.
        if key is not None and (replayed := replay(user.pk, key, digest)) is not None:
            return replayed
        return error(428, "precondition_required", "This report exists already.", "If-Match")
    response = JsonResponse(body, status=201)
    response["ETag"] = etag
    return response
