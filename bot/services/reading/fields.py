"""What an assessor checks, found in a certificate's or report's text.

Labels and standards come from `bot/data/certificate_fields.yaml`; here only the general
shape is coded: a label, then its value on the same line (or the next line, as OCR often
splits a table row), dates in the forms Chinese documents use, and a measured percentage.
A field not found is None: a reader that guesses would present a wrong value as a match.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import yaml

from criteria.reading_match import Read

_DATE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*(?P<sep>年|[-./])\s*(?P<m>\d{1,2})\s*(?:月|[-./])\s*(?P<d>\d{1,2})\s*日?"
)
_PCT = re.compile(r"(?P<v>\d{1,3}(?:\.\d+)?)\s*[%％]")
_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-/()（）.]{3,}")
_SEPARATORS = " \t:：;；,，.。|"
_ORG_SUFFIX = re.compile(r"(有限责任公司|股份有限公司|有限公司|集团|厂|公司)")
#: What a seal's legend leaves in a line OCR reads through it ("…检测中专用章", "…测专翊章"): a name
#: with it glued on is not the name under the seal.
_SEAL = re.compile(r"专.?章|用章")
#: A seal's legend this close to a date, in the same piece of text (no space between:
#: the recogniser read them as one), was stamped over it: "2026年4月19日专用章" was
#: 2026-04-10 under the seal. Further off, or in a piece of its own, it is only beside it.
_SEAL_REACH = 3
_SEAL_AFTER = re.compile(rf"\S{{0,{_SEAL_REACH}}}?(?:{_SEAL.pattern})")
_SEAL_BEFORE = re.compile(rf"(?:{_SEAL.pattern})\S{{0,{_SEAL_REACH}}}$")


@dataclass(frozen=True)
class ReadFields(Read):
    """The fields criteria compares (`Read`), plus where each was found in the text."""

    #: For each field found, the line of text it came from.
    sources: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@cache
def _rules() -> dict[str, Any]:
    text = resources.files("bot").joinpath("data/certificate_fields.yaml").read_text("utf-8")
    rules: dict[str, Any] = yaml.safe_load(text)
    return rules


def _lines(text: str) -> list[str]:
    return [re.sub(r"\s+", " ", line).strip() for line in text.splitlines() if line.strip()]


def _after_label(lines: list[str], labels: list[str]) -> tuple[str, str] | None:
    """The value after the first label found (longest labels first), with its line."""
    for label in sorted(labels, key=len, reverse=True):
        # OCR drops the spaces between Latin words: "CertificateNo.:" is "Certificate No.".
        words = r"\s*".join(re.escape(word) for word in label.split())
        pattern = re.compile(rf"(?:^|\s){words}\s*[:：]?\s*(.*)$", re.IGNORECASE)
        for index, line in enumerate(lines):
            found = pattern.search(line)
            if found is None:
                continue
            value = found.group(1).strip(_SEPARATORS)
            if not value and index + 1 < len(lines):
                return lines[index + 1].strip(_SEPARATORS), f"{line} {lines[index + 1]}"
            if value:
                return value, line
    return None


def _sealed_over(text: str, start: int, end: int) -> bool:
    return bool(_SEAL_AFTER.match(text[end:]) or _SEAL_BEFORE.search(text[:start]))


def _date_in(text: str) -> str | None:
    found = _DATE.search(text)
    if found is None:
        return None
    if _sealed_over(text, found.start(), found.end()):
        return None
    if found["sep"] != "年" and len(found["m"]) == 2 and len(found["d"]) == 1:
        # "2026-01-3以证专用章": a writer who pads the month pads the day; the day's second
        # digit is under a seal, and 2026-01-03 would be a wrong date, not a missing one.
        return None
    try:
        return date(int(found["y"]), int(found["m"]), int(found["d"])).isoformat()
    except ValueError:
        return None


def extract_fields(text: str) -> ReadFields:
    rules = _rules()
    labels: dict[str, list[str]] = rules["labels"]
    lines = _lines(text)
    found: dict[str, Any] = {}
    sources: dict[str, str] = {}

    holder = _after_label(lines, labels["holder"])
    if holder is not None:
        parts = _ORG_SUFFIX.split(holder[0], maxsplit=1)
        name = parts[0] + parts[1] if len(parts) > 1 else holder[0]
        if not _SEAL.search(name):
            found["holder"], sources["holder"] = name.strip(_SEPARATORS), holder[1]

    for rule in rules["standards"]:
        for line in lines:
            if re.search(rule["pattern"], line, re.IGNORECASE):
                found["standard"], sources["standard"] = rule["name"], line
                break
        if "standard" in found:
            break

    number = _after_label(lines, labels["number"])
    if number is not None:
        token = _NUMBER.search(number[0])
        if token is not None:
            found["number"], sources["number"] = token.group(0).rstrip("."), number[1]

    issuer = _after_label(lines, labels["issuer"])
    if issuer is not None:
        if not _SEAL.search(issuer[0]):
            found["issuer"], sources["issuer"] = issuer[0], issuer[1]
    else:
        for line in lines:
            if any(line.endswith(suffix) for suffix in rules["issuer_suffixes"]):
                found["issuer"], sources["issuer"] = line, line
                break

    for key in ("issued", "expires"):
        label = _after_label(lines, labels[key])
        if label is not None and (value := _date_in(label[0])) is not None:
            found[key], sources[key] = value, label[1]
    if "expires" not in found:
        # "有效期：2024年3月1日至2027年2月28日": the second date is the expiry.
        validity = _after_label(lines, labels["validity"])
        if validity is not None:
            dates = list(_DATE.finditer(validity[0]))
            if len(dates) >= 2:
                # A range: its start stands even when a seal hides part of its end.
                if (value := _date_in(validity[0][dates[-1].start() :])) is not None:
                    found["expires"], sources["expires"] = value, validity[1]
                if "issued" not in found and (first := _date_in(validity[0])):
                    found["issued"], sources["issued"] = first, validity[1]

    content = _after_label(lines, labels["content_pct"])
    if content is not None and (pct := _PCT.search(content[0])) is not None:
        value_pct = float(pct["v"])
        if 0 <= value_pct <= 100:
            found["content_pct"], sources["content_pct"] = value_pct, content[1]
    return ReadFields(**found, sources=sources)
