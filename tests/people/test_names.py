"""Names as people in Inner Mongolia write them are accepted, stored and masked; what is never
part of a name (digits, emoji, control characters) stays refused."""
import pytest

from app.core.masking import mask_name
from app.core.names import is_valid_name, normalize_name
from tests.builders.http import auth, person_token
from tests.builders.people import register_self

MONGOLIAN = "\u182a\u1820\u1832\u1824"  # ᠪᠠᠲᠤ (Batu) in traditional Mongolian script


@pytest.mark.parametrize("typed,stored,masked", [
    ("阿拉坦·巴根", "阿拉坦·巴根", "阿**·**"),
    ("阿拉坦・巴根", "阿拉坦·巴根", "阿**·**"),  # the katakana middle dot an IME may type
    ("阿拉坦•巴根", "阿拉坦·巴根", "阿**·**"),
    (MONGOLIAN, MONGOLIAN, MONGOLIAN[0] + "***"),
    ("\u182a\u1820\u1832\u1824\u202f\u1824", "\u182a\u1820\u1832\u1824\u202f\u1824",
     "\u182a***\u202f*"),
    ("  张三 ", "张三", "张*"),
])
def test_names_are_accepted_stored_and_masked(client, typed, stored, masked):
    token = person_token(client, "names")
    body = register_self(client, token, name=typed)
    assert body["name"] == masked
    revealed = client.get("/api/v1/people/me", headers=auth(token)).get_json()
    assert revealed["name"] == masked
    assert normalize_name(typed) == stored and mask_name(stored) == masked


@pytest.mark.parametrize("name", ["张三😀", "张\u0007三", "张3", "·巴根", "巴根·", "阿拉坦··巴根",
                                  "", " ", "张" * 65])
def test_what_is_never_part_of_a_name_is_refused_and_nothing_saved(client, name):
    token = person_token(client, "badname")
    response = register_self(client, token, name=name, expect=422)
    assert response["error"]["code"] == "request.invalid"
    assert client.get("/api/v1/people/me", headers=auth(token)).status_code == 404


def test_the_rule_itself():
    assert is_valid_name("阿拉坦·巴根") and is_valid_name("Tom Lee") and is_valid_name(MONGOLIAN)
    assert not is_valid_name("阿拉坦··巴根") and not is_valid_name("阿拉坦 ·巴根")
    assert not is_valid_name("\U0001f600")
