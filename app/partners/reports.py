"""What departments and staff read about imports: the declared sources, the imports of a
region subtree with their counts, and one import's row report. Never a person."""
from sqlalchemy import func, select

from app.core.models import subtree_codes
from app.core.regions import requested_region
from app.extensions import db

from .imports import catalog
from .models import PartnerImport, PartnerImportProblem


def describe_sources():
    version, sources = catalog()
    return {"version": version, "sources": [
        {"code": s.code, "label": s.label, "roles": sorted(s.roles),
         "columns": [{"field": c.field, "header": c.header, "aliases": list(c.aliases),
                      "type": c.type, "required": c.required, "code_labels": list(c.codes)}
                     for c in s.columns]}
        for s in sources.values()]}


def list_imports(staff, source=None, region_code=None, page=1, per_page=20):
    """Imports of a region of the caller's subtree (default: all of it), newest first."""
    region = requested_region(staff, region_code)
    query = select(PartnerImport).where(PartnerImport.region_code.in_(subtree_codes(region)))
    if source:
        query = query.where(PartnerImport.source == source)
    return _page(query.order_by(PartnerImport.id.desc()), page, per_page)


def list_problems(batch, page=1, per_page=20):
    query = select(PartnerImportProblem).where(PartnerImportProblem.import_id == batch.id) \
        .order_by(PartnerImportProblem.line, PartnerImportProblem.id)
    return _page(query, page, per_page)


def _page(query, page, per_page):
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": items, "page": page, "per_page": per_page, "total": total}
