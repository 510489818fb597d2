"""A test client that fails on any response carrying a full ID number or mobile number
(SECURITY.md 2), except from explicit reveal endpoints."""
import re

from flask.testing import FlaskClient

LEAK = re.compile(rb"(?<![0-9A-Za-z])(\d{17}[\dXx]|1\d{10})(?![0-9A-Za-z])")
REVEAL_PATHS = re.compile(r"/reveal$")


class LeakCheckingClient(FlaskClient):
    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        path = response.request.path if response.request else ""
        if not REVEAL_PATHS.search(path):
            match = LEAK.search(response.get_data())
            assert match is None, f"unmasked personal data in response to {path}"
        return response


def leak_checking_client(app):
    app.test_client_class = LeakCheckingClient
    try:
        return app.test_client()
    finally:
        app.test_client_class = None
