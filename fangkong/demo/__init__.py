"""The Alxa League demo (阿拉善盟) and the `demo` and `serve` commands.

It stands on the top floor: it may import every domain app, and nothing imports it.
"""
