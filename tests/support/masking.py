"""The test client every test uses: it fails on any response carrying a full ID number or
mobile number (SECURITY.md 2), except from views marked as audited reveals."""
import re

from flask.testing import FlaskClient

from app.accounts.access import REVEAL_ATTR

PERSONAL = re.compile(rb"(?<![0-9A-Za-z])(\d{17}[\dXx]|1\d{10})(?![0-9A-Za-z])")


class MaskCheckingClient(FlaskClient):
    """Every response in the suite is checked for unmasked ID numbers and phones
    (SECURITY.md 2); only views marked as audited reveals may carry them."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        view = self.application.view_functions.get(_endpoint_of(self.application, response))
        if not getattr(view, REVEAL_ATTR, False) and not response.mimetype.startswith("image/"):
            response.make_sequence()  # a streamed export is read once here and kept for the test
            found = PERSONAL.search(response.get_data())
            assert found is None, f"unmasked personal data in response: {found.group()[:4]}..."
        return response


def _endpoint_of(app, response):
    request = response.request
    try:
        endpoint, _ = app.url_map.bind("localhost").match(request.path, request.method)
    except Exception:  # noqa: BLE001 - 404/405 responses have no endpoint
        return None
    return endpoint
