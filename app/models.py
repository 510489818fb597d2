"""Imports every model so that Alembic and the app see the whole schema."""
from app.accounts.models import (AuthSession, PersonAccount, StaffAccount,  # noqa: F401
                                 StaffGrantRequest)
from app.audit.models import AuditEntry, AuditHead  # noqa: F401
from app.core.models import Region, RegionClosure  # noqa: F401
from app.core.stations import Station  # noqa: F401
from app.certification.models import (Application, ApplicationEvent, Certification,  # noqa: F401
                                      Evidence, Objection, RegionSettings)
from app.core.calendar import CalendarYear  # noqa: F401
from app.core.idempotency import IdempotencyRecord  # noqa: F401
from app.core.ratelimit import RateLimitCounter  # noqa: F401
from app.people.models import (Household, HouseholdMember, LegalBasis, Person,  # noqa: F401
                               ProxyLink)
from app.policies.models import Benefit, PolicyVersion  # noqa: F401
from app.wechat.models import PushAttempt, PushMessage, PushSubscription, WeChatToken  # noqa: F401
from app.jobs.models import (Employer, JobPreference, Recommendation,  # noqa: F401
                             RecruitmentEvent, Vacancy)
from app.campaigns.models import Campaign  # noqa: F401
from app.codes.models import CodeDevice, PersonalCode, RetiredPrintedToken  # noqa: F401
from app.tracking.models import (Case, Contact, ExitProposal, FollowUp, Hire,  # noqa: F401
                                 StaffDigest, Task, TrackingSettings, ZeroHousehold)
from app.money.models import (BankReturn, Batch, Claim, ClaimEvent, ClaimLine, Fund,  # noqa: F401
                              LedgerEntry, Payment, Placement, Post, PostSettlement)
from app.partners.models import (DibaoPhaseOut, PartnerImport, PartnerImportProblem,  # noqa: F401
                               PartnerInvitation, PartnerRecord)
from app.stats.models import Dirty, Rollup, Target  # noqa: F401
