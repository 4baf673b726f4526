"""The elderly care institutions (养老机构), each placed in one region.

It may import `core`, `audit` and `regions`.
"""
