"""What a phone camera opens when it scans a printed code: a static page, the same for every
code. The code is not even looked up here, so an anonymous scan learns nothing, not even
whether the code exists (SECURITY.md 20)."""
from flask import Blueprint, current_app, send_from_directory

from app.accounts.access import access

bp = Blueprint("code_landing", __name__)


@bp.route("/c/<path:content>")
@access.public
def landing(content):
    response = send_from_directory(current_app.static_folder, "code.html", max_age=0)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the URL holds the card's token
    response.headers["X-Robots-Tag"] = "noindex"
    return response
