"""Users, their role grants over a region's subtree or one institution, API tokens, login policy.

A user answers for what it may see (`User.scope()`), which `core.scoping` asks; no other app
imports this one to scope a query. It may import `core`, `audit`, `regions` and `institutions`.
"""
