"""Staff roles and what each may do. Pure data: no Flask, no database."""
from enum import StrEnum

from app.core.i18n import N_


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
    Role.STATION_STAFF: N_("服务站工作人员"),
    Role.TOWNSHIP_REVIEWER: N_("苏木乡镇（街道）审核员"),
    Role.COUNTY_OFFICER: N_("旗县区人社经办人员"),
    Role.CITY_ADMIN: N_("盟市管理员"),
    Role.REGION_ADMIN: N_("自治区管理员"),
    Role.AUDITOR: N_("审计员"),
    Role.SECURITY_ADMIN: N_("安全管理员"),
    Role.SYSTEM_ADMIN: N_("系统管理员"),
    Role.CIVIL_AFFAIRS: N_("民政部门"),
    Role.DISABLED_FEDERATION: N_("残联"),
    Role.FINANCE: N_("财政部门"),
    Role.TAX: N_("税务部门"),
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
    # Recording that a person moved (迁居): the new residence must lie in the caller's
    # subtree too, so a move across counties is the person's own or an office above both.
    "person.move": set(_CASEWORKERS),
    # Publishing a new policy catalog version changes what every person is told.
    "policy.publish": {Role.REGION_ADMIN},
    "person.reveal": {Role.STATION_STAFF, Role.TOWNSHIP_REVIEWER, Role.COUNTY_OFFICER},
    # Certification (issue 4). Review steps are checked per level by the workflow:
    # application.review lets a caseworker reach the step views at all.
    "application.enter": {Role.STATION_STAFF, Role.TOWNSHIP_REVIEWER, Role.COUNTY_OFFICER},
    "application.read": set(_CASEWORKERS),
    "application.review": {Role.STATION_STAFF, Role.TOWNSHIP_REVIEWER, Role.COUNTY_OFFICER,
                           Role.CITY_ADMIN},
    "application.station_check": {Role.STATION_STAFF},
    "application.township_review": {Role.TOWNSHIP_REVIEWER},
    "application.county_decide": {Role.COUNTY_OFFICER},
    "application.supervise": {Role.CITY_ADMIN},  # acts on county steps escalated to the city
    "application.escalate": _ADMINS | {Role.SYSTEM_ADMIN},
    "evidence.read": {Role.STATION_STAFF, Role.TOWNSHIP_REVIEWER, Role.COUNTY_OFFICER,
                      Role.CITY_ADMIN},
    "certification.exit": {Role.COUNTY_OFFICER, Role.CITY_ADMIN},
    "certification.recheck": {Role.STATION_STAFF, Role.COUNTY_OFFICER},
    "certification.configure": set(_ADMINS),
    "calendar.manage": {Role.REGION_ADMIN, Role.SYSTEM_ADMIN},
    # Delivery status of push messages (no message content). Scoped in app.wechat.services.
    "push.read": _CASEWORKERS | {Role.SYSTEM_ADMIN},
    # Employers and vacancies, kept on the employers' behalf. The disabled persons'
    # federation develops jobs for disabled people (notice §4.1: 岗位开发), so it may post them too.
    "jobs.manage": _CASEWORKERS | {Role.DISABLED_FEDERATION},
    # Benefit records (which policies a person enjoys, from when to when): approved and
    # ended by the county HR bureau (or the city above it); read by every caseworker.
    "benefit.manage": {Role.COUNTY_OFFICER, Role.CITY_ADMIN},
    "benefit.read": set(_CASEWORKERS),
    # Campaigns (issue 3): a message to many persons at once, within the sender's subtree.
    "campaign.manage": set(_ADMINS),
    # Recommending a vacancy to a person, following it up, the flagged list: caseworkers,
    # since it reads and changes a person's record (employment status on a hire).
    "jobs.recommend": set(_CASEWORKERS),
    # Recruitment events (专场招聘) and their invitations.
    "jobs.events": set(_CASEWORKERS),
    # Personal codes (issue 7): scanning shows a profile only inside the caller's subtree
    # (a referral card elsewhere); printing and rotating cards is station work.
    "code.resolve": set(_CASEWORKERS),
    "code.manage": {Role.STATION_STAFF, Role.TOWNSHIP_REVIEWER, Role.COUNTY_OFFICER},
    # The help loop (issue 14): caseworkers keep cases, contacts, tasks and follow-ups;
    # reassigning and balancing a station's cases is the township's (or above) job; the
    # county decides on the exits proposed by data.
    "tracking.work": set(_CASEWORKERS),
    "tracking.assign": {Role.TOWNSHIP_REVIEWER} | _ADMINS,
    "tracking.decide_exit": {Role.COUNTY_OFFICER, Role.CITY_ADMIN},
    "tracking.configure": set(_ADMINS),
    # Money (issue 16). Stations enter claims with the claimant's consent and check them;
    # the county HR bureau approves (never a claim it entered or checked); finance confirms
    # where a region asks for it, keeps the funds and pays through batches; auditors read.
    "claim.enter": {Role.STATION_STAFF, Role.TOWNSHIP_REVIEWER, Role.COUNTY_OFFICER},
    "claim.read": _CASEWORKERS | {Role.FINANCE, Role.AUDITOR},
    "claim.check": {Role.STATION_STAFF, Role.TOWNSHIP_REVIEWER},
    "claim.approve": {Role.COUNTY_OFFICER},
    "claim.confirm": {Role.FINANCE},
    "payment.correct": {Role.STATION_STAFF, Role.COUNTY_OFFICER},
    "fund.read": set(_ADMINS) | {Role.FINANCE, Role.AUDITOR},
    "fund.allocate": {Role.FINANCE},
    "batch.read": {Role.COUNTY_OFFICER, Role.FINANCE, Role.AUDITOR},
    "batch.manage": {Role.FINANCE},
    # A region's claim-step deadlines and whether finance confirms its claims.
    "money.configure": set(_ADMINS),
    # Public-welfare posts: developed and filled by stations and the county, approved by
    # the county (never the requester), advanced and settled by finance (batch.manage).
    "post.manage": {Role.STATION_STAFF, Role.TOWNSHIP_REVIEWER, Role.COUNTY_OFFICER},
    "post.approve": {Role.COUNTY_OFFICER},
    "post.read": _CASEWORKERS | {Role.FINANCE, Role.AUDITOR},
    # Partner lists (issue 15): a department uploads its own kind of list (the source file
    # names which roles send which list) and reads import reports and counts, never persons.
    "partners.import": {Role.CIVIL_AFFAIRS, Role.DISABLED_FEDERATION, Role.COUNTY_OFFICER,
                        Role.CITY_ADMIN, Role.REGION_ADMIN},
    # The employers' tax-relief check (§3.1), asked by staff on an employer's behalf with the
    # person's consent; the tax office verifies proofs by serial.
    "partners.tax_check": {Role.STATION_STAFF, Role.COUNTY_OFFICER},
    "partners.verify_proof": {Role.TAX, Role.STATION_STAFF, Role.COUNTY_OFFICER, Role.AUDITOR},
    "partners.read_imports": {Role.CIVIL_AFFAIRS, Role.DISABLED_FEDERATION, Role.COUNTY_OFFICER,
                              Role.CITY_ADMIN, Role.REGION_ADMIN, Role.AUDITOR},
    # Aggregate figures of the caller's subtree (issue 17): counts only, no person's data.
    "stats.read": set(_CASEWORKERS),
}


def has_permission(role, permission):
    return Role(role) in PERMISSIONS.get(permission, set())


# Permissions that read or decide on persons (issue 12). Giving a role that holds any of
# them needs a second security admin's approval (two-person rule), and so does giving the
# security admin role itself: otherwise one admin could make a second one and approve with it.
PERSON_PERMISSIONS = frozenset({
    "person.read", "person.reveal", "person.move",
    "application.enter", "application.read", "application.review",
    "application.station_check", "application.township_review", "application.county_decide",
    "application.supervise", "evidence.read", "certification.exit", "certification.recheck",
    "benefit.manage", "benefit.read", "jobs.recommend", "code.resolve", "code.manage",
    "tracking.work", "tracking.assign", "tracking.decide_exit",
    "claim.enter", "claim.check", "claim.approve", "claim.confirm",
    "payment.correct", "batch.manage", "post.manage",
})
# claim.read and post.read are left out: they show masked data only, and the auditor (who
# reads everything, never writes) is still granted by one security admin.


def needs_second_approval(role):
    """True when granting `role` must wait for a second security admin."""
    return Role(role) == Role.SECURITY_ADMIN or any(
        has_permission(role, permission) for permission in PERSON_PERMISSIONS)
