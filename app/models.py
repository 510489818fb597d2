"""Imports every model so that Alembic and the app see the whole schema."""
from app.accounts.models import AuthSession, PersonAccount, StaffAccount  # noqa: F401
from app.audit.models import AuditEntry, AuditHead  # noqa: F401
from app.core.models import Region, RegionClosure  # noqa: F401
from app.core.stations import Station  # noqa: F401
from app.jobs.models import Employer, Vacancy  # noqa: F401
