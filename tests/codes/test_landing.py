"""An anonymous scan of a printed code opens a page with no personal data (SECURITY.md 20)."""
from app.codes.printed import new_printed_code


def test_every_code_gets_the_same_static_page(client):
    real_looking = client.get(f"/c/{new_printed_code(1)}")
    nonsense = client.get("/c/anything-at-all")
    assert real_looking.status_code == nonsense.status_code == 200
    assert real_looking.get_data() == nonsense.get_data()
    page = real_looking.get_data(as_text=True)
    assert "就业服务码" in page and "12333" in page and 'name="viewport"' in page
    assert real_looking.headers["Cache-Control"] == "no-store"
    assert real_looking.headers["Referrer-Policy"] == "no-referrer"
