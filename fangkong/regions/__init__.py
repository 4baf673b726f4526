"""The administrative tree: the nation, GB/T 2260 divisions and non-standard units, as paths.

It owns `Region`, the loading of the official division list and the rules of placing a region.
It may import `core` and `audit`.
"""
