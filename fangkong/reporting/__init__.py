"""The daily report and zero report (日报告、零报告), the first of the six measures.

It owns the reporting regimes, the template, daily reports and their revisions, the deadline
rule, completeness, banner confirmation, the bulletin, exports (Excel, CSV, DHIS2) and the
decisions of who is reminded and escalated when. It tells people through `notifications` and
feeds the daily fever and respiratory counts to `surveillance`.

A measure: it may import `core`, `audit`, `regions`, `institutions`, `accounts`,
`notifications` and `surveillance`; only `dashboard`, `demo` and `config` import it.
"""
