"""`flask seed demo`: demo townships, communities, stations, staff, employers and vacancies,
and people with applications in different states (app.certification.demo). Idempotent.

Refused outside demo configurations: production gets no default accounts.
"""

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.accounts.models import StaffAccount
from app.audit.services import record
from app.certification.demo import seed_certification_demo
from app.policies.demo import seed_benefit_demo
from app.core.regions import add_region
from app.core.stations import Station
from app.extensions import db
from app.jobs.demo import seed_jobs, seed_recommendations
from app.money.demo import seed_money_demo

seed_cli = AppGroup("seed", help="Demo data commands.")

DEMO_PASSWORD = "Demo@2025"

# Township/street and community codes below are demo values, not official ones.
DEMO_REGIONS = [
    ("150102001", "海拉尔东路街道（演示）", "150102"),
    ("150102001001", "示范社区（演示）", "150102001"),
    ("150102002", "锡林路街道（演示）", "150102"),
    ("150702001", "正阳街道（演示）", "150702"),
    ("150702001001", "团结社区（演示）", "150702001"),
    ("152501001", "前进路街道（演示）", "152501"),
]

DEMO_STATIONS = [
    ("新城区海拉尔东路街道示范社区家门口就业服务站", "doorstep", "150102001001",
     "呼和浩特市新城区海拉尔东路示范社区服务中心一楼", "周一至周五 8:30-12:00 14:30-17:30",
     "0471-6900001"),
    ("新城区就业驿站", "post", "150102001", "呼和浩特市新城区海拉尔东路街道办事处院内",
     "周一至周六 9:00-17:00", "0471-6900002"),
    ("新城区人社服务大厅", "county_hall", "150102", "呼和浩特市新城区人社局一楼大厅",
     "周一至周五 9:00-17:00", "0471-6900003"),
    ("海拉尔区正阳街道团结社区家门口就业服务站", "doorstep", "150702001001",
     "呼伦贝尔市海拉尔区正阳街道团结社区", "周一至周五 8:30-17:30", "0470-8200001"),
    ("二连浩特市前进路街道就业驿站", "post", "152501001", "二连浩特市前进路街道便民服务中心",
     "周一至周五 8:30-17:30", "0479-7500001"),
]

# (username, display name, role, region, station name or None)
DEMO_STAFF = [
    ("station_xc", "王站员", "station_staff", "150102001001", DEMO_STATIONS[0][0]),
    ("township_xc", "李审核", "township_reviewer", "150102001", DEMO_STATIONS[1][0]),
    ("county_xc", "赵经办", "county_officer", "150102", DEMO_STATIONS[2][0]),
    ("city_hhht", "刘管理", "city_admin", "150100", None),
    ("region_admin", "陈管理", "region_admin", "150000", None),
    ("auditor", "孙审计", "auditor", "150000", None),
    ("security_admin", "周安全", "security_admin", "150000", None),
    # A second security admin: grants of person-reading roles need two (issue 12).
    ("security_admin2", "吴安全", "security_admin", "150000", None),
    ("station_hlr", "巴特尔", "station_staff", "150702001001", DEMO_STATIONS[3][0]),
    # Finance confirms claims where a region asks for it, keeps the funds, pays (issue 16).
    ("finance_xc", "钱财务", "finance", "150102", None),
    # A second finance officer: a batch is approved by someone other than its builder.
    ("finance_xc2", "孙财务", "finance", "150102", None),
    # Partner departments of 新城区 (issue 15): each uploads its own kind of list.
    ("civil_xc", "民政局名单员", "civil_affairs", "150102", None),
    ("cdpf_xc", "残联名单员", "disabled_federation", "150102", None),
    ("tax_xc", "税务局核验员", "tax", "150102", None),
]


def seed_demo():
    """Create the demo data that is missing; leave what exists alone."""
    for code, name, parent in DEMO_REGIONS:
        add_region(code, name, parent)
    stations = {}
    for name, kind, region, address, hours, phone in DEMO_STATIONS:
        station = db.session.scalar(select(Station).where(Station.name == name))
        if station is None:
            station = Station(name=name, kind=kind, region_code=region, address=address,
                              opening_hours=hours, phone=phone)
            db.session.add(station)
            db.session.flush()
        stations[name] = station
    hasher = current_app.extensions["password_hasher"]
    created = 0
    for username, display, role, region, station_name in DEMO_STAFF:
        if db.session.scalar(select(StaffAccount.id).where(StaffAccount.username == username)):
            continue
        db.session.add(StaffAccount(
            username=username, display_name=display, role=role, region_code=region,
            station_id=stations[station_name].id if station_name else None,
            password_hash=hasher.hash(DEMO_PASSWORD), active=True, token_version=1,
            failed_logins=0))
        created += 1
    db.session.flush()
    people = seed_certification_demo()
    benefits = seed_benefit_demo()
    vacancies = seed_jobs()
    recommendations = seed_recommendations()
    seed_money_demo()
    if created or people or benefits or vacancies or recommendations:
        record("seed.demo", "seed", None,
               details={"staff_created": created, "people_created": people,
                        "benefits_created": benefits, "vacancies_created": vacancies,
                        "recommendations_created": recommendations})
    from app.stats.rollup import rebuild
    rebuild()  # the statistics count the demo rows (some are written in bulk)
    db.session.commit()
    return created


@seed_cli.command("demo")
def seed_demo_command():
    """Load demo regions, stations and staff accounts (demo configurations only)."""
    if not current_app.config.get("DEMO"):
        raise SystemExit("refused: demo data is only for development and testing configurations")
    created = seed_demo()
    from app.console.demo import seed_console_demo
    if seed_console_demo():
        db.session.commit()
    click.echo(f"demo data ready ({created} staff accounts created)")
