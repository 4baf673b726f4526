"""The ground floor: what every app stands on, and nothing of any domain.

It owns the API error shape and exceptions (`errors`, `exceptions`), pagination, the API
middleware, the append-only table helper, the read-only admin base, the scoping mechanism
(`scoping`: `Scoping`, `Scope`, `visible()`, `get_visible_or_404()`, asked of the user) and the
encryption of secrets and personal data (`crypto`). It may import Django and the standard
library only; no module here imports another `fangkong` app (a test checks it).
"""
