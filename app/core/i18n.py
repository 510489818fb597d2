"""Marking product text for translation in modules that must stay free of Flask.

`N_("…")` marks a string for extraction (pybabel) without translating it; the view layer
translates it with `gettext(...)` at render time, in the caller's locale.
"""


def N_(text):
    return text
