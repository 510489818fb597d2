"""The money area's permission check (one place, imported by every money module)."""
from flask_babel import lazy_gettext as _l

from app.accounts.roles import has_permission
from app.core.errors import Forbidden


def require(caller, permission):
    if not has_permission(caller.role, permission):
        raise Forbidden("auth.forbidden", _l("没有权限执行此操作"), {"permission": permission})
