"""The yardstick: a bare Flask endpoint doing one primary-key read, nothing else.

Served by gunicorn exactly like the service (`gunicorn bench.baseline:app`), so the ratio
of an endpoint's req/s to this one's says how much our own work costs.
"""
import os

from flask import Flask, abort, jsonify
from sqlalchemy import create_engine, text

from config import normalize_database_url

app = Flask(__name__)
engine = create_engine(normalize_database_url(os.environ["DATABASE_URL"]), pool_size=5)
TABLE = os.environ.get("BASELINE_TABLE", "persons")  # the registry itself
QUERY = text(f"SELECT * FROM {TABLE} WHERE id = :id")  # noqa: S608 - table name is ours


@app.route("/pk/<int:row_id>")
def read_one(row_id):
    with engine.connect() as conn:
        row = conn.execute(QUERY, {"id": row_id}).mappings().first()
    if row is None:
        abort(404)
    return jsonify(id=row["id"])
