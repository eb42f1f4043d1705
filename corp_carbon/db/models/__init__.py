"""All tables; importing this module registers them on ``Base.metadata``."""

from corp_carbon.db.models.audit import AuditEvent
from corp_carbon.db.models.commutes import CommuteEntry, CommuteEvidence
from corp_carbon.db.models.imports import ImportRowProblem, ImportRun, ImportSource, PendingRecord
from corp_carbon.db.models.ledger import (
    AdjustmentRequest,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Redemption,
    Reward,
)
from corp_carbon.db.models.overview import OverviewSnapshot
from corp_carbon.db.models.people import (
    ApiToken,
    CommuteProfile,
    Employee,
    EmployeeRole,
    ErasureRedaction,
    ErasureRequest,
)
from corp_carbon.db.models.report_jobs import ReportJob
from corp_carbon.db.models.travel import (
    Activity,
    Assessment,
    FactorSetRecord,
    Journey,
    MethodologyVersion,
)

__all__ = [
    "Activity",
    "AdjustmentRequest",
    "ApiToken",
    "Assessment",
    "AuditEvent",
    "CommuteEntry",
    "CommuteEvidence",
    "CommuteProfile",
    "Employee",
    "EmployeeRole",
    "ErasureRedaction",
    "ErasureRequest",
    "FactorSetRecord",
    "ImportRowProblem",
    "ImportRun",
    "ImportSource",
    "Journey",
    "LedgerAccount",
    "LedgerEntry",
    "LedgerTransaction",
    "MethodologyVersion",
    "OverviewSnapshot",
    "PendingRecord",
    "Redemption",
    "ReportJob",
    "Reward",
]
