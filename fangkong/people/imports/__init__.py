"""Imports of residents, staff, visits (and, registered by lab, test results) from Excel and
CSV files: a template, a dry run with every problem by row and column, all or nothing, and a
re-import that adds nothing. `services.py` says the steps."""
