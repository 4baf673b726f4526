"""Early warning: EARS C1–C3 over daily count series per institution, and the signals they raise.

This app owns the statistics (`ears`), the `Aberration` rows (one per institution, day and
watched field, withdrawn rather than deleted when the figure behind it goes away) and the reads
of them. It does not know where a series comes from: a measure that counts something daily
(the daily report today; testing and screening later) builds the series from its own records
and calls `services.signals_update_safely`; the field is stored only as the caller's code, and
who hears of a signal, and how it is labelled, stays with the caller.

A service floor: it may import `fangkong.core`, `fangkong.regions`, `fangkong.institutions` and
`fangkong.audit`, never a measure (`reporting`, …) or anything built on them.
"""
