"""bench.generate must know every table: a table neither generated nor declared empty made a
1M-person run write for minutes and then stop (the schema had grown since)."""
import pytest

from app.extensions import db
from bench.generate import GENERATED, NOT_GENERATED, check_coverage


def test_every_table_is_generated_or_declared_empty(app):
    with app.app_context():
        check_coverage(db.metadata)
        assert not (GENERATED & NOT_GENERATED)
        assert GENERATED <= set(db.metadata.tables)


def test_a_new_table_without_a_writer_is_refused(app):
    with app.app_context():
        with pytest.raises(SystemExit, match="persons"):
            check_coverage(db.metadata, written=GENERATED - {"persons"})
