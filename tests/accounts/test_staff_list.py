"""list_staff, the service behind GET /staff: the caller's subtree only, by id, paged."""
from sqlalchemy import select

from app.accounts.models import StaffAccount
from app.accounts.staff import list_staff
from app.extensions import db


def _staff(username):
    return db.session.scalar(select(StaffAccount).where(StaffAccount.username == username))


def test_a_county_caller_sees_its_subtree_by_id_in_pages(db_session):
    listed = list_staff(_staff("county_xc"))
    assert [s.username for s in listed] == ["station_xc", "township_xc", "county_xc",
                                            "finance_xc", "finance_xc2", "civil_xc", "cdpf_xc", "tax_xc"]
    assert [s.username for s in list_staff(_staff("county_xc"), page=2, per_page=2)] == [
        "county_xc", "finance_xc"]


def test_a_region_caller_sees_every_league(db_session):
    usernames = {s.username for s in list_staff(_staff("region_admin"), per_page=100)}
    assert {"city_hhht", "station_hlr", "auditor"} <= usernames
