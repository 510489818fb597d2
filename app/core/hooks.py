"""Announcements from a lower area that a higher one acts on, in the same transaction.

The layers (tests/test_architecture.py) let certification or jobs never import tracking;
yet a new certification must open a case, and a hire must schedule follow-ups. The lower
area `emit`s a named event with keyword arguments; the higher one `subscribe`s at start-up
(create_app). Subscribers run synchronously inside the caller's transaction, so the state
change and what follows from it commit (or roll back) together.
"""
_SUBSCRIBERS = {}


def subscribe(name, handler):
    """Call `handler(**payload)` whenever `name` is emitted (once, however often added)."""
    handlers = _SUBSCRIBERS.setdefault(name, [])
    if handler not in handlers:
        handlers.append(handler)


def emit(name, **payload):
    for handler in list(_SUBSCRIBERS.get(name, ())):
        handler(**payload)
