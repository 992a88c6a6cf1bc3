"""Evidence behind a claim: what the plant says of its certificate or report, checked.

A claim is "evidenced" when its certificate or report is described completely and valid at
the evaluation date, "expired" when it is not (the clause does not pass), "incomplete" when
details are missing (the clause passes only as claimed and the session is flagged), and
"declared" when nothing but a yes was given (flagged as well). A management system without
a certificate (its manual and internal-audit records) is "system": it satisfies 4.2.1 and
4.2.2 as the guideline words them, for the assessor to judge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from criteria.answers import Answers, EvidenceItem
from criteria.period import add_months
from criteria.ruleset import Ruleset
from criteria.texts import Text, catalogue

State = Literal["evidenced", "expired", "incomplete", "declared", "system"]

# What a description must hold, per kind of evidence.
_REQUIRED_CERTIFICATE = ("number", "issuer", "issued", "expires")
_REQUIRED_REPORT = ("issuer", "issued", "content_pct")


@dataclass(frozen=True)
class EvidenceCheck:
    claim: str
    state: State
    text: Text  # one phrase for the clause's reason
    item: EvidenceItem | None

    @property
    def counts(self) -> bool:
        """Whether the claim may pass on this evidence (flagged or not)."""
        return self.state != "expired"

    @property
    def needs_review(self) -> bool:
        return self.state in ("incomplete", "declared", "system")


def _valid_until(item: EvidenceItem, claim: str, ruleset: Ruleset) -> date | None:
    if item.expires is not None:
        return item.expires
    if claim == "third_party_report" and item.issued and ruleset.evidence is not None:
        return add_months(item.issued, ruleset.evidence.test_report_validity_months)
    return None


def check(
    answers: Answers, ruleset: Ruleset, claim: str, on: date, allow_system: bool = False
) -> EvidenceCheck:
    texts = catalogue()
    item = answers.evidence.get(claim)  # type: ignore[call-overload]
    if item is None:
        return EvidenceCheck(claim, "declared", texts.both("evidence.declared"), None)
    if item.kind == "manual_and_audit":
        if not allow_system:
            return EvidenceCheck(
                claim, "incomplete", texts.both("evidence.system_not_enough"), item
            )
        return EvidenceCheck(
            claim,
            "system",
            texts.both("evidence.system", issued=item.issued.isoformat() if item.issued else "—"),
            item,
        )
    required = _REQUIRED_REPORT if claim == "third_party_report" else _REQUIRED_CERTIFICATE
    until = _valid_until(item, claim, ruleset)
    if until is not None and until < on:
        return EvidenceCheck(
            claim,
            "expired",
            texts.both(
                "evidence.expired",
                number=item.number or "—",
                until=until.isoformat(),
                on=on.isoformat(),
            ),
            item,
        )
    missing = [field for field in required if getattr(item, field) in (None, "")]
    if missing:
        names = texts.join(
            "sep.enum", [texts.both(f"answers.field.evidence.{field}") for field in missing]
        )
        return EvidenceCheck(
            claim, "incomplete", texts.both("evidence.incomplete", missing=names), item
        )
    if claim == "third_party_report":
        text = texts.both(
            "evidence.report",
            issuer=item.issuer or "",
            issued=item.issued.isoformat() if item.issued else "",
            content=str(item.content_pct),
            until=until.isoformat() if until else "—",
        )
    else:
        text = texts.both(
            "evidence.certificate",
            number=item.number or "",
            issuer=item.issuer or "",
            until=until.isoformat() if until else "—",
        )
    return EvidenceCheck(claim, "evidenced", text, item)
