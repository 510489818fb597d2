"""Partner fixtures: the push fixtures (fake SMS gateway, templates at the fake WeChat, a
worker like `flask push worker`) for the invitations and the phase-out information."""
from tests.wechat.conftest import (catalog, fake_sms_url, make_person, sms,  # noqa: F401
                                   templates, worker)
