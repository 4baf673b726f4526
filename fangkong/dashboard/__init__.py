"""The pages that bring the measures together: the home page of a user's institutions.

It stands on the top floor: it may import every domain app, and nothing imports it.
"""
