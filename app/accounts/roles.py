"""Staff roles and what each may do. Pure data: no Flask, no database."""
from enum import StrEnum


class Role(StrEnum):
    STATION_STAFF = "station_staff"
    TOWNSHIP_REVIEWER = "township_reviewer"
    COUNTY_OFFICER = "county_officer"
    CITY_ADMIN = "city_admin"
    REGION_ADMIN = "region_admin"
    AUDITOR = "auditor"
    SECURITY_ADMIN = "security_admin"
    SYSTEM_ADMIN = "system_admin"
    CIVIL_AFFAIRS = "civil_affairs"
    DISABLED_FEDERATION = "disabled_federation"
    FINANCE = "finance"
    TAX = "tax"


ROLE_LABELS = {
    Role.STATION_STAFF: "服务站工作人员",
    Role.TOWNSHIP_REVIEWER: "苏木乡镇（街道）审核员",
    Role.COUNTY_OFFICER: "旗县区人社经办人员",
    Role.CITY_ADMIN: "盟市管理员",
    Role.REGION_ADMIN: "自治区管理员",
    Role.AUDITOR: "审计员",
    Role.SECURITY_ADMIN: "安全管理员",
    Role.SYSTEM_ADMIN: "系统管理员",
    Role.CIVIL_AFFAIRS: "民政部门",
    Role.DISABLED_FEDERATION: "残联",
    Role.FINANCE: "财政部门",
    Role.TAX: "税务部门",
}

_CASEWORKERS = {Role.STATION_STAFF, Role.TOWNSHIP_REVIEWER, Role.COUNTY_OFFICER,
                Role.CITY_ADMIN, Role.REGION_ADMIN}
_ADMINS = {Role.COUNTY_OFFICER, Role.CITY_ADMIN, Role.REGION_ADMIN}

# Separation of duties (SECURITY.md 11): the security admin manages accounts but sees no
# cases; the auditor only reads the audit trail; the system admin runs the system.
PERMISSIONS = {
    "staff.manage": {Role.SECURITY_ADMIN},
    "audit.read": {Role.AUDITOR},
    "region.manage": _ADMINS | {Role.SYSTEM_ADMIN},
    "station.manage": _ADMINS | {Role.SYSTEM_ADMIN},
    "person.read": set(_CASEWORKERS),
    # Delivery status of push messages (no message content). Scoped in app.wechat.services.
    "push.read": _CASEWORKERS | {Role.SYSTEM_ADMIN},
}


def has_permission(role, permission):
    return Role(role) in PERMISSIONS.get(permission, set())
