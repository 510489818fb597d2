"""Service stations: where a person goes, and which station took a case.

Reference data like the region tree, so it lives in core where every area can use it.
"""
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from app.core.database import db
from app.core.i18n import N_

from .models import RegionClosure


class StationKind(StrEnum):
    DOORSTEP = "doorstep"          # 家门口就业服务站
    POST = "post"                  # 就业驿站
    TOWNSHIP_HALL = "township_hall"  # 苏木乡镇（街道）便民服务大厅
    COUNTY_HALL = "county_hall"    # 旗县区人社服务大厅


STATION_KIND_LABELS = {
    StationKind.DOORSTEP: N_("家门口就业服务站"),
    StationKind.POST: N_("就业驿站"),
    StationKind.TOWNSHIP_HALL: N_("苏木乡镇（街道）便民服务大厅"),
    StationKind.COUNTY_HALL: N_("旗县区人社服务大厅"),
}


class Station(db.Model):
    __tablename__ = "stations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    address: Mapped[str] = mapped_column(String(255))
    opening_hours: Mapped[str] = mapped_column(String(128))
    phone: Mapped[str] = mapped_column(String(32))  # a public office number, not personal data

    @property
    def kind_label(self):
        return STATION_KIND_LABELS[StationKind(self.kind)]


def stations_serving(region_code, limit=None):
    """The stations whose area holds `region_code`, nearest first: the region's own, then
    its township's, then its banner/county's (and so on up), by id within one region."""
    query = (select(Station)
             .join(RegionClosure, RegionClosure.ancestor_code == Station.region_code)
             .where(RegionClosure.descendant_code == region_code)
             .order_by(RegionClosure.depth, Station.id))
    if limit is not None:
        query = query.limit(limit)
    return db.session.scalars(query).all()
