"""The response check itself: it must catch an unmasked ID number or phone from any view that
is not an audited reveal, and it must be the client of every test (see conftest)."""
import pytest
from flask import Response, jsonify

from app import create_app
from app.accounts.access import reveals_personal_data
from tests.support.masking import PERSONAL, MaskCheckingClient

UNMASKED = {"id_number": "150102196804010317", "phone": "13812345678"}


@pytest.fixture()
def leaky_app(tmp_path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/x.db")
    app.test_client_class = MaskCheckingClient

    @app.get("/leaky")
    def leaky():
        return jsonify(UNMASKED)

    @app.get("/leaky-stream")
    def leaky_stream():
        return Response(iter([b'{"phone": "1381234', b'5678"}']), mimetype="application/json")

    @app.get("/revealed")
    @reveals_personal_data
    def revealed():
        return jsonify(UNMASKED)

    return app


def test_the_suite_client_is_the_checking_one(client):
    assert isinstance(client, MaskCheckingClient)


def test_an_unmasked_id_number_or_phone_fails_the_test(leaky_app):
    with pytest.raises(AssertionError, match="unmasked personal data"):
        leaky_app.test_client().get("/leaky")


def test_a_streamed_response_is_checked_and_still_readable(leaky_app):
    with pytest.raises(AssertionError, match="unmasked personal data"):
        leaky_app.test_client().get("/leaky-stream")


def test_only_a_marked_reveal_may_carry_the_full_value(leaky_app):
    assert leaky_app.test_client().get("/revealed").get_json() == UNMASKED


def test_masked_values_pass():
    assert PERSONAL.search(b'{"id_number": "150102196804010317"}')
    assert PERSONAL.search(b'{"phone": "13812345678"}')
    assert not PERSONAL.search(b'{"id_number": "150***********0317", "phone": "138****5678"}')
