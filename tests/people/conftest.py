import pytest

from tests.support.leaks import leak_checking_client


@pytest.fixture()
def client(fresh_app):
    return leak_checking_client(fresh_app)
