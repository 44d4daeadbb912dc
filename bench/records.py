"""Deterministic, realistic risk records for the benchmark's big register.

Both the ctk generation process and the bare xlsxwriter baseline call `risks(n)`, so building the
records costs the same on both sides and the ratio compares only how the cells get written.
Roughly 1% of the rows carry a defect a client would really leave (no owner, a review that is
overdue, a missing plan), so `ctk validate` has findings to report, as on a real register; the
rest are signed as clause 6.1.3 f asks (the owner approves the plan and accepts the residual risk,
the authority approves above the threshold). The columns come from the declaration of the toolkit
being measured, so the bare writer writes as many cells as ctk.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

#: Validate with `--as-of` this day: the review dates below are judged against it.
AS_OF = dt.date(2027, 1, 15)
ORG = "Northwind Analytics"


def _declared() -> list[tuple[str, Callable[[int], str] | None]]:
    """The `Risk Register` columns as the toolkit being measured declares them, each with the
    writer's own formula maker for a computed column (None for an input column), so the bare
    baseline writes the formulas ctk writes; another sheet's block is a fixed range."""
    from toolkit.workbook.schema import load_spec
    from toolkit.workbook.writer import _PLACEHOLDER, _formula_maker

    columns = load_spec("risk").sheet("Risk Register").columns
    index = {c.name: i for i, c in enumerate(columns)}
    out: list[tuple[str, Callable[[int], str] | None]] = []
    for c in columns:
        if c.computed and c.formula:
            blocks = {name: "'Methodology'!$B$28:$B$31" for name in _PLACEHOLDER.findall(c.formula) if ":" in name}
            out.append((c.name, _formula_maker(c.formula, index, blocks)))
        else:
            out.append((c.name, None))
    return out


_COLUMNS = _declared()
#: All the columns of the sheet as ctk writes them, in order (the computed ones are formulas).
ALL_COLUMNS = tuple(name for name, _ in _COLUMNS)
#: The input columns, the ones a record fills.
INPUT_COLUMNS = tuple(name for name, formula in _COLUMNS if formula is None)

ANNEX_A = tuple(
    [f"A.5.{i}" for i in range(1, 38)]
    + [f"A.6.{i}" for i in range(1, 9)]
    + [f"A.7.{i}" for i in range(1, 15)]
    + [f"A.8.{i}" for i in range(1, 35)]
)

ASSETS = (
    "Customer analytics data store (Snowflake/S3)",
    "Production Kubernetes cluster (Amazon EKS)",
    "Source code repositories (GitHub)",
    "CI/CD pipeline (GitHub Actions, Argo CD)",
    "Identity provider (Okta)",
    "Corporate laptops (macOS, managed by Jamf)",
    "Customer support platform (Zendesk)",
    "Payment processing integration (Stripe)",
    "Backups of production databases (AWS Backup)",
    "Data warehouse ETL jobs (Airflow)",
    "Public marketing website (Webflow)",
    "Email and collaboration suite (Google Workspace)",
    "HR information system (BambooHR)",
    "Secrets manager (HashiCorp Vault)",
    "Logging and monitoring stack (Datadog)",
    "Office network and Wi-Fi (Berlin, Lisbon)",
    "Customer-facing REST API",
    "Mobile application (iOS, Android)",
    "Third-party data processors",
    "Encryption keys (AWS KMS)",
    "Finance system (NetSuite)",
    "Contract repository (Ironclad)",
    "Developer workstations",
    "Incident response runbooks (Confluence)",
    "Vendor-managed call centre",
)
THREATS = (
    "External attacker exploiting a cloud storage misconfiguration",
    "Ransomware delivered through a phishing e-mail",
    "Credential stuffing against user accounts",
    "Insider exfiltrating customer data before leaving",
    "Exploitation of an unpatched vulnerability",
    "Supply chain compromise of a third-party dependency",
    "Accidental deletion by an administrator",
    "Regional cloud outage",
    "Theft or loss of a device",
    "Denial-of-service attack on public endpoints",
    "Social engineering of the support desk",
    "Misuse of privileged access",
    "Data sent to the wrong recipient",
    "Failure of a critical supplier",
    "Fire or flooding at an office",
)
VULNERABILITIES = (
    "Configuration is not continuously checked against a secure baseline",
    "Multi-factor authentication is not enforced for every account",
    "Patches are applied ad hoc rather than on a fixed cadence",
    "Access reviews are performed annually instead of quarterly",
    "Backups are not restore-tested",
    "Logging does not cover all administrative actions",
    "No data loss prevention on outbound e-mail",
    "Supplier security is not assessed before onboarding",
    "Single region deployment without failover",
    "Devices are not encrypted by policy",
    "Leavers' access is removed manually",
    "Staff have not had security awareness training this year",
)
OWNERS = (
    "Data Platform Lead (Ingrid Solberg)",
    "Director of Platform Engineering (Rafael Mendes)",
    "VP Engineering (Dana Whitfield)",
    "Security Engineering Lead (Aiden Murphy)",
    "IT Manager (Chloe Bernard)",
    "Head of Customer Support (Tomasz Nowak)",
    "CFO (Grace Adeyemi)",
    "Head of People (Lena Fischer)",
    "CTO (Marcus Oyelaran)",
    "ISMS Manager (Sofia Alvarez)",
    "Legal Counsel (Hiroshi Tanaka)",
    "Office Manager (Ana Costa)",
)
ACCEPTORS = ("Chief Executive Officer (Priya Raman)", "ISMS Steering Committee")
PLANS = (
    "Enforce the baseline through policy as code and alert on drift; review exceptions monthly.",
    "Roll out phishing-resistant MFA to all staff and service accounts; block legacy protocols.",
    "Weekly automated patching with a 14-day SLA for critical findings; track exceptions in Jira.",
    "Move access reviews to quarterly with automated evidence; remove stale accounts within 24 hours.",
    "Quarterly restore tests of every production database; document RTO and RPO per system.",
    "Forward all administrative audit logs to the SIEM and alert on high-risk actions.",
    "Deploy DLP rules for customer data on e-mail and cloud drives; train the support team.",
    "Assess suppliers against the vendor security standard before contract signature.",
    "Add a warm standby region and test failover twice a year.",
    "Enforce full-disk encryption through MDM and block non-compliant devices from SSO.",
)
TREATMENTS = ("Mitigate",) * 14 + ("Accept",) * 3 + ("Transfer",) * 2 + ("Avoid",)


def _day(rng: random.Random, start: dt.date, span_days: int) -> dt.date:
    return start + dt.timedelta(days=rng.randrange(span_days))


def risks(n: int, seed: int = 27001) -> list[dict[str, Any]]:
    """`n` varied risk records keyed by the register's input column names."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for i in range(1, n + 1):
        asset, threat, vuln = rng.choice(ASSETS), rng.choice(THREATS), rng.choice(VULNERABILITIES)
        likelihood, impact = rng.randint(1, 5), rng.randint(1, 5)
        treatment = rng.choice(TREATMENTS)
        res_l = max(1, likelihood - rng.randint(0, 2))
        res_i = max(1, impact - rng.randint(0, 1))
        retained = likelihood * impact if treatment == "Accept" else res_l * res_i
        accepted = retained > 9
        status = rng.choice(("Open", "In treatment", "In treatment", "Treated", "Accepted" if accepted else "Closed"))
        owner = rng.choice(OWNERS)
        rec: dict[str, Any] = {
            "Risk ID": f"R-{i:05d}",
            "Asset": asset,
            "Threat": threat,
            "Vulnerability": vuln,
            "Risk Description": f"{threat} against {asset.split(' (')[0].lower()}: {vuln.lower()}, "
            f"which could lead to loss of confidentiality, integrity or availability (scenario {i}).",
            "Confidentiality": rng.choice(("Yes", "Yes", "No")),
            "Integrity": rng.choice(("Yes", "No")),
            "Availability": rng.choice(("Yes", "No", "No")),
            "Likelihood": likelihood,
            "Impact": impact,
            "Risk Owner": owner,
            "Treatment": treatment,
            "Treatment Plan": rng.choice(PLANS) if treatment == "Mitigate" else None,
            "Annex A Controls": rng.sample(ANNEX_A, rng.randint(1, 4)) if treatment == "Mitigate" else [],
            "Target Date": _day(rng, dt.date(2027, 2, 1), 540),
            "Residual Likelihood": res_l,
            "Residual Impact": res_i,
            "Accepted By": owner,
            "Acceptance Date": _day(rng, dt.date(2026, 6, 1), 200),
            "Escalated Approval By": rng.choice(ACCEPTORS) if accepted else None,
            "Escalated Approval Date": _day(rng, dt.date(2026, 6, 1), 200) if accepted else None,
            "Plan Approved By": owner if treatment == "Mitigate" else None,
            "Plan Approval Date": _day(rng, dt.date(2026, 5, 1), 30) if treatment == "Mitigate" else None,
            "Last Reviewed": _day(rng, dt.date(2026, 2, 1), 340),
            "Status": status,
        }
        defect = rng.randrange(300)  # about 1% of rows: what clients really leave behind
        if defect == 0:
            rec["Risk Owner"] = None
        elif defect == 1:
            rec["Last Reviewed"] = dt.date(2025, 3, 31)
        elif defect == 2 and treatment == "Mitigate":
            rec["Treatment Plan"] = None
        out.append(rec)
    return out


def sheet_row(rec: dict[str, Any], row0: int) -> list[Any]:
    """The cells ctk writes for `rec` on 0-based row `row0`: each computed column's formula."""
    out: list[Any] = []
    for name, formula in _COLUMNS:
        if formula is None:
            value = rec.get(name)
            out.append("; ".join(value) if isinstance(value, list) else value)
        else:
            out.append(formula(row0))
    return out
