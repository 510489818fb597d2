"""A race lost at the database answers 409 with a stable code, never 500.

Check-then-insert code (is the ID number taken? does a benefit overlap?) gives clear
answers for the common case, but two concurrent requests can both pass the check. The
database then refuses the second one with a unique or exclusion violation; this module turns
that refusal into the same 409 the check would have given. Modules name their constraints:

    register_conflict("ex_benefits_no_overlap", "policies.benefit_overlap", _l("..."),
                      sqlite_hint="ex_benefits_no_overlap")

`sqlite_hint` is a fragment of SQLite's message ("UNIQUE constraint failed: table.column",
or a trigger's RAISE text), as SQLite reports no constraint names. Any other unique or
exclusion violation is a generic 409 `conflict`; other integrity errors stay 500 (bugs).
"""
import logging
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.core.database import db

from .errors import Conflict

# PostgreSQL SQLSTATEs of a lost race: unique_violation, exclusion_violation.
RACE_SQLSTATES = frozenset({"23505", "23P01"})
GENERIC = ("conflict", _l("操作冲突，请刷新后重试"))


@dataclass(frozen=True)
class _Known:
    constraint: str
    code: str
    message: object
    sqlite_hint: str | None


_KNOWN: list[_Known] = []
log = logging.getLogger(__name__)


def register_conflict(constraint, code, message, sqlite_hint=None):
    _KNOWN.append(_Known(constraint, code, message, sqlite_hint))


def _constraint_of(orig):
    diag = getattr(orig, "diag", None)
    return getattr(diag, "constraint_name", None)


def _is_race(orig):
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate in RACE_SQLSTATES
    text = str(orig)
    return text.startswith("UNIQUE constraint failed") or any(
        k.sqlite_hint and k.sqlite_hint in text for k in _KNOWN)


def conflict_for(exc):
    """The Conflict an IntegrityError stands for, or None when it is not a lost race."""
    orig = getattr(exc, "orig", exc)
    if not _is_race(orig):
        return None
    name, text = _constraint_of(orig), str(orig)
    # The constraint's name, or SQLite's "UNIQUE constraint failed: table.column": never
    # PostgreSQL's detail line, which quotes the values.
    log.info("lost race at %s", name or text.splitlines()[0][:120])
    for known in _KNOWN:
        if name == known.constraint or (known.sqlite_hint and known.sqlite_hint in text):
            return Conflict(known.code, known.message)
    return Conflict(*GENERIC)


def handle_integrity_error(exc):
    """Flask error handler: roll back, then answer the lost race's 409 (else a logged 500)."""
    from .http import handle_app_error, handle_unexpected
    db.session.rollback()
    conflict = conflict_for(exc)
    return handle_unexpected(exc) if conflict is None else handle_app_error(conflict)
