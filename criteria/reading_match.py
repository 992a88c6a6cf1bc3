"""What was read from a certificate or report, compared with what the plant typed.

The comparison decides what an assessor sees beside each file, so it only says "matches"
when both sides hold a value and the values are the same after the differences that do not
change what a document says (brackets, spaces, the long and the short spelling of a limited
company, GB/T 19001 vs ISO 9001). A field that was not read, or not typed, is neither a
match nor a difference: a reader that guessed would present a wrong value as a match. The
equivalences are data, in `rulesets/_reading_match.yaml`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml

from criteria.answers import EvidenceItem
from criteria.texts import Text, catalogue

FieldState = Literal["matches", "differs", "not_read", "not_claimed"]
FileState = Literal["matches", "differs", "unreadable", "unchecked"]

#: The fields compared, in the order an assessor reads them.
FIELDS = ("holder", "standard", "number", "issued", "expires", "content_pct")


@dataclass(frozen=True)
class Read:
    """The fields read from one file (dates as YYYY-MM-DD), each None when not found."""

    holder: str | None = None
    standard: str | None = None
    number: str | None = None
    issuer: str | None = None
    issued: str | None = None
    expires: str | None = None
    content_pct: float | None = None

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Read:
        known = {key: values.get(key) for key in cls.__dataclass_fields__}
        return cls(**known)

    @property
    def empty(self) -> bool:
        return all(getattr(self, key) in (None, "") for key in self.__dataclass_fields__)


@dataclass(frozen=True)
class FieldMatch:
    field: str
    state: FieldState
    read: str | None
    claimed: str | None
    #: Why it differs, in both languages; None unless it differs.
    how: Text | None = None


@dataclass(frozen=True)
class FileMatch:
    state: FileState
    fields: tuple[FieldMatch, ...]

    @property
    def differences(self) -> list[Text]:
        return [f.how for f in self.fields if f.how is not None]

    def field(self, name: str) -> FieldMatch | None:
        return next((f for f in self.fields if f.field == name), None)


@cache
def _rules() -> dict[str, Any]:
    text = resources.files("criteria").joinpath("rulesets/_reading_match.yaml").read_text("utf-8")
    rules: dict[str, Any] = yaml.safe_load(text)
    return rules


def same_company(read: str, claimed: str) -> bool:
    """Whether two spellings of a company name name the same registered company.

    Beyond the spellings, one character the recogniser is known to misread as another is
    forgiven (`ocr_misreads`): otherwise every plant with coal gangue in its name would see
    its own certificate called another company's.
    """
    read_key, claimed_key = _company_key(read), _company_key(claimed)
    if not claimed_key:
        return False
    return read_key == claimed_key or _one_known_misread(read_key, claimed_key)


def _one_known_misread(read_key: str, claimed_key: str) -> bool:
    rules = _rules()["names"]
    if len(read_key) != len(claimed_key) or len(claimed_key) < rules["misread_min_length"]:
        return False
    differing = [
        (typed, read) for read, typed in zip(read_key, claimed_key, strict=True) if read != typed
    ]
    if len(differing) != 1:
        return False
    typed, read = differing[0]
    return read in rules["ocr_misreads"].get(typed, "")


def _company_key(name: str) -> str:
    rules = _rules()["names"]
    text = unicodedata.normalize("NFKC", name)
    ignored = unicodedata.normalize("NFKC", rules["ignored"])
    text = "".join(ch for ch in text if ch not in ignored and not ch.isspace())
    for variant, form in sorted(rules["equivalent_suffixes"].items(), key=lambda kv: -len(kv[0])):
        text = text.replace(variant, form)
    return text


def standard_family(text: str) -> str | None:
    """The family (quality, environmental, …) of a standard named in `text`, if any."""
    flat = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).upper()
    for family, names in _rules()["standards"].items():
        for name in names:
            if re.sub(r"\s+", "", name).upper() in flat:
                return str(family)
    return None


def _number_key(number: str) -> str:
    text = unicodedata.normalize("NFKC", number).upper()
    return re.sub(r"[\s\-_–—]", "", text)


def _as_decimal(value: object) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _compare(
    name: str, read: object, claimed: object, same: bool, texts_on: date | None = None
) -> FieldMatch:
    read_s = None if read in (None, "") else str(read)
    claimed_s = None if claimed in (None, "") else str(claimed)
    if read_s is None:
        return FieldMatch(name, "not_read", None, claimed_s)
    if claimed_s is None:
        return FieldMatch(name, "not_claimed", read_s, None)
    if same:
        return FieldMatch(name, "matches", read_s, claimed_s)
    texts = catalogue()
    how = texts.both(
        "reading.differs",
        field=texts.both(f"reading.field.{name}"),
        read=read_s,
        claimed=claimed_s,
    )
    return FieldMatch(name, "differs", read_s, claimed_s, how)


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def compare(
    read: Read | None,
    claim: str,
    item: EvidenceItem | None,
    company: str,
    on: date,
) -> FileMatch:
    """One file's reading against the claim it was uploaded for, at the evaluation date.

    `read` is None when the file could not be read at all (a damaged file, a scan with no
    text found); `item` is what the plant typed for the claim (None when nothing was typed).
    """
    if read is None or read.empty:
        return FileMatch("unreadable", ())
    texts = catalogue()
    item = item or EvidenceItem()
    fields: list[FieldMatch] = []

    fields.append(
        _compare(
            "holder",
            read.holder,
            company,
            bool(read.holder and company and same_company(read.holder, company)),
        )
    )

    expected = item.standard or _expected_standard(claim)
    read_family = standard_family(read.standard) if read.standard else None
    fields.append(
        _compare(
            "standard",
            read.standard,
            expected,
            read_family is not None and read_family == standard_family(expected or ""),
        )
    )

    fields.append(
        _compare(
            "number",
            read.number,
            item.number,
            bool(
                read.number and item.number and _number_key(read.number) == _number_key(item.number)
            ),
        )
    )

    read_issued = _date(read.issued)
    issued = _compare(
        "issued",
        read.issued,
        item.issued.isoformat() if item.issued else None,
        read_issued is not None and read_issued == item.issued,
    )
    if issued.state in ("matches", "not_claimed") and read_issued and read_issued > on:
        issued = FieldMatch(
            "issued",
            "differs",
            issued.read,
            issued.claimed,
            texts.both("reading.not_yet_issued", read=read_issued.isoformat(), on=on.isoformat()),
        )
    fields.append(issued)

    read_expires = _date(read.expires)
    expires = _compare(
        "expires",
        read.expires,
        item.expires.isoformat() if item.expires else None,
        read_expires is not None and read_expires == item.expires,
    )
    if expires.state in ("matches", "not_claimed") and read_expires and read_expires < on:
        # The dates agree, but the document is out of date on the evaluation date.
        expires = FieldMatch(
            "expires",
            "differs",
            expires.read,
            expires.claimed,
            texts.both("reading.expired", read=read_expires.isoformat(), on=on.isoformat()),
        )
    fields.append(expires)

    if claim == "third_party_report":
        read_pct = _as_decimal(read.content_pct) if read.content_pct is not None else None
        claimed_pct = item.content_pct
        fields.append(
            _compare(
                "content_pct",
                read.content_pct,
                claimed_pct,
                read_pct is not None
                and claimed_pct is not None
                and read_pct == Decimal(str(claimed_pct)),
            )
        )

    states = {f.state for f in fields}
    if "differs" in states:
        return FileMatch("differs", tuple(fields))
    if "matches" in states:
        return FileMatch("matches", tuple(fields))
    return FileMatch("unchecked", tuple(fields))


def _expected_standard(claim: str) -> str | None:
    family = _rules()["claims"].get(claim)
    if family is None:
        return None
    names: list[str] = _rules()["standards"][family]
    return " / ".join(names)
