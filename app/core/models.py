"""Region tree tables, shared by every area that is bound to a region."""
from sqlalchemy import ForeignKey, Index, SmallInteger, String, select
from sqlalchemy.orm import Mapped, mapped_column

from app.core.database import db

from .errors import NotFound


class Region(db.Model):
    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[int] = mapped_column(SmallInteger)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)

    def to_dict(self):
        return {"code": self.code, "name": self.name, "level": self.level,
                "parent_code": self.parent_code}


class RegionClosure(db.Model):
    """Every (ancestor, descendant) pair: subtree queries are one index range."""
    __tablename__ = "region_closure"

    ancestor_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), primary_key=True)
    descendant_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), primary_key=True)
    depth: Mapped[int] = mapped_column(SmallInteger)

    __table_args__ = (Index("ix_region_closure_descendant", "descendant_code", "ancestor_code"),)


def subtree_codes(code):
    """A SELECT of every region code in the subtree of `code`, itself included."""
    return select(RegionClosure.descendant_code).where(RegionClosure.ancestor_code == code)


# Pairs known to be within: regions are only ever added, never moved or removed, so a yes
# stays true. A no is asked again (the code may be a region added since). Bounded by the
# closure table itself.
_WITHIN = set()
_WITHIN_MAX = 500_000


def is_within(code, ancestor_code):
    """True when `code` lies in the subtree of `ancestor_code` (one primary-key probe)."""
    if code is None or ancestor_code is None:
        return False
    if (ancestor_code, code) in _WITHIN:
        return True
    within = db.session.get(RegionClosure, (ancestor_code, code)) is not None
    if within and len(_WITHIN) < _WITHIN_MAX:
        _WITHIN.add((ancestor_code, code))
    return within


def get_in_scope(model, caller, row_id):
    """The `model` row `row_id` if it lies in the caller's subtree; NotFound otherwise.

    A row of another region answers exactly like one that does not exist (404, never 403),
    with the model's own `scope_not_found` (code, message). A row lies where its
    `scope_regions()` says (every code must be within; checked in order, stopping at the
    first that is not), by default its `region_code`.
    """
    row = db.session.get(model, row_id)
    if row is None or not all(is_within(code, caller.region_code)
                              for code in _scope_regions(row)):
        raise NotFound(*model.scope_not_found)
    return row


def _scope_regions(row):
    placed = getattr(row, "scope_regions", None)
    return placed() if placed is not None else (row.region_code,)
