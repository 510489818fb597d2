"""Imports every model so that Alembic and the app see the whole schema."""
from app.accounts.models import AuthSession, PersonAccount, StaffAccount  # noqa: F401
from app.audit.models import AuditEntry, AuditHead  # noqa: F401
from app.core.models import Region, RegionClosure  # noqa: F401
from app.core.stations import Station  # noqa: F401
from app.wechat.models import PushAttempt, PushMessage, PushSubscription, WeChatToken  # noqa: F401
