"""Liveness and readiness probes."""
from flask import Blueprint, jsonify
from sqlalchemy import text

from app.accounts.access import access
from app.extensions import db

bp = Blueprint("health", __name__)


@bp.route("/healthz")
@access.public
def healthz():
    return jsonify(status="ok")


@bp.route("/readyz")
@access.public
def readyz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means "not ready"
        return jsonify(status="unavailable", database="down"), 503
    return jsonify(status="ok", database="up")
