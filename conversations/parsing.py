"""Turning what a supplier types into exact values, or into a reason it cannot be read.

Every function here is pure. A failure is a `ParseError` whose `code` names a catalogue
text (`error.<code>`) and whose `params` fill its placeholders, so the engine can re-prompt
in the supplier's language without knowing which parser failed or why.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation, localcontext

__all__ = [
    "CREDIT_CODE_CHARSET",
    "CREDIT_CODE_WEIGHTS",
    "ParseError",
    "credit_code_check_char",
    "decimal_to_str",
    "match_choice",
    "normalize",
    "parse_credit_code",
    "parse_date",
    "parse_link",
    "parse_month",
    "parse_number",
    "parse_phone",
    "parse_text",
    "split_approximation",
    "split_choices",
    "strip_lead_in",
    "yes_no_marker",
]

# GB 32100-2015: the 31 characters a unified social credit code may use, and the weights
# of positions 1..17 in its check character (position 18).
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# Long enough for any real amount with separators and a unit; longer input is not a number
# anyone meant, and bounding it keeps Decimal arithmetic cheap.
_MAX_NUMBER_TEXT = 64
# Enough digits that no conversion factor or multiplier ever rounds a value.
_DECIMAL_PRECISION = 80


class ParseError(ValueError):
    """An input that cannot be accepted; `code` is the catalogue key after `error.`."""

    def __init__(self, code: str, params: Mapping[str, str] | None = None) -> None:
        self.code = code
        self.params: Mapping[str, str] = dict(params or {})
        details = ", ".join(f"{k}={v}" for k, v in self.params.items())
        super().__init__(f"{code}({details})" if details else code)


def normalize(text: str) -> str:
    """Fold full-width forms (１２３，５％ → 123,5%) and odd minus signs to ASCII, then strip.

    NFKC does the heavy lifting; the few characters it leaves alone are mapped by hand.
    """
    folded = unicodedata.normalize("NFKC", text)
    return folded.translate(_EXTRA_FOLDS).strip()


_EXTRA_FOLDS = str.maketrans(
    {
        "\u2212": "-",  # minus sign
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u3002": ".",  # ideographic full stop, typed as a decimal point on some keyboards
        "\u00a0": " ",
    }
)

_NUMBER = re.compile(
    r"""
    (?P<sign>[-+])?\s*
    (?P<num>\d[\d,]*(?:\.\d+)?|\.\d+)
    (?P<rest>.*)
    """,
    re.VERBOSE | re.DOTALL,
)
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+")
# End marks typed after a figure (35000吨。): not part of the unit.
_TRAILING_MARKS = re.compile(r"[.!?;,。！？；，]+$")


def _plain_number(num: str, raw: str) -> str:
    """Resolve commas: thousands groups only. Anything else (120,00 or 12,5) could be a
    decimal comma or a slip in the grouping, so it is asked back, never guessed."""
    if "," not in num:
        return num
    whole, dot, fraction = num.partition(".")
    if _THOUSANDS.fullmatch(whole):
        return whole.replace(",", "") + dot + fraction
    raise ParseError("number.ambiguous", {"text": raw})


def _unit_key(text: str) -> str:
    return re.sub(r"\s+", "", text).casefold()


def parse_number(
    text: str,
    units: Mapping[str, Decimal],
    *,
    multipliers: Mapping[str, Decimal] | None = None,
) -> Decimal:
    """Read one non-negative amount and convert it to the canonical unit.

    `units` maps unit tokens (compared case-insensitively, spaces ignored) to the factor that
    converts them to the canonical unit; `multipliers` are words such as 万 that may stand
    between the number and the unit. A bare number is taken in the canonical unit.
    """
    raw = text.strip()
    folded = normalize(text)
    if re.search(r"\D", folded):
        folded = _TRAILING_MARKS.sub("", folded).strip()
    if not folded or len(folded) > _MAX_NUMBER_TEXT:
        raise ParseError("number.not_a_number", {"text": raw[:_MAX_NUMBER_TEXT]})
    match = _NUMBER.fullmatch(folded)
    if match is None:
        raise ParseError("number.not_a_number", {"text": raw})
    plain = _plain_number(match["num"], raw)
    rest = match["rest"].strip()
    lookup = {_unit_key(token): value for token, value in units.items()}
    factor = Decimal(1)
    # A unit is matched whole first, so a multiplier word never splits one (千 in 千克).
    if _unit_key(rest) not in lookup:
        for word, multiple in (multipliers or {}).items():
            if rest.startswith(word):
                factor = multiple
                rest = rest[len(word) :].strip()
                break
    key = _unit_key(rest)
    if key:
        if key not in lookup:
            # Digits left over mean a second number (m3 and m³ were matched as units above).
            code = "number.several" if re.search(r"\d", rest) else "number.unit"
            raise ParseError(code, {"text": raw} if code == "number.several" else {"unit": rest})
        factor *= lookup[key]
    if match["sign"] == "-" and Decimal(plain) != 0:
        raise ParseError("number.negative", {"text": raw})
    try:
        with localcontext() as ctx:
            ctx.prec = _DECIMAL_PRECISION
            return Decimal(plain) * factor
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only digits
        raise ParseError("number.not_a_number", {"text": raw}) from exc


def decimal_to_str(value: Decimal) -> str:
    """The shortest exact plain-notation form: 1.2E+5 → '120000', 12.50 → '12.5'."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


_DAY_FORMS = (
    re.compile(r"(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"),
    re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})[日号]?"),
    re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})"),
)
_MONTH_FORMS = (
    re.compile(r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})"),
    re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月?(?:份)?"),
    # 25年1月: the two-digit year people write in a hurry, always this century.
    re.compile(r"(?P<yy>\d{2})年(?P<m>\d{1,2})月(?:份)?"),
)
_CENTURY = 2000
_EARLIEST_YEAR = 1900
_LATEST_YEAR = 2200


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", normalize(text))


def _checked(year: int, month: int, day: int, raw: str) -> date:
    if not _EARLIEST_YEAR <= year <= _LATEST_YEAR:
        raise ParseError("date.invalid", {"text": raw})
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ParseError("date.invalid", {"text": raw}) from exc


def parse_date(text: str) -> date:
    """A calendar day: 2025-12-31, 2025/12/31, 2025.12.31, 2025年12月31日 or 20251231."""
    raw = text.strip()
    compact = _compact(text)
    for form in _DAY_FORMS:
        found = form.fullmatch(compact)
        if found:
            return _checked(int(found["y"]), int(found["m"]), int(found["d"]), raw)
    if any(form.fullmatch(compact) for form in _MONTH_FORMS):
        raise ParseError("date.day_required", {"text": raw})
    raise ParseError("date.invalid", {"text": raw})


def parse_month(text: str) -> tuple[int, int]:
    """A calendar month as (year, month): 2025-12, 2025/12, 2025年12月, or any full date."""
    raw = text.strip()
    compact = _compact(text)
    for form in _MONTH_FORMS:
        found = form.fullmatch(compact)
        if found:
            groups = found.groupdict()
            year = int(groups["y"]) if groups.get("y") else _CENTURY + int(groups["yy"])
            day = _checked(year, int(found["m"]), 1, raw)
            return day.year, day.month
    day = parse_date(text)
    return day.year, day.month


def credit_code_check_char(body: str) -> str:
    """The GB 32100 check character for the first 17 characters of a credit code."""
    if len(body) != len(CREDIT_CODE_WEIGHTS):
        raise ValueError(f"a credit code body has {len(CREDIT_CODE_WEIGHTS)} characters")
    total = sum(
        CREDIT_CODE_CHARSET.index(char) * weight
        for char, weight in zip(body, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def parse_credit_code(text: str) -> str:
    """An 18-character unified social credit code whose check character is right."""
    code = normalize(text).upper()
    expected_length = len(CREDIT_CODE_WEIGHTS) + 1
    if len(code) != expected_length:
        raise ParseError("credit_code.length", {"length": str(len(code))})
    for position, char in enumerate(code, start=1):
        if char not in CREDIT_CODE_CHARSET:
            raise ParseError("credit_code.charset", {"char": char, "position": str(position)})
    if credit_code_check_char(code[:-1]) != code[-1]:
        raise ParseError("credit_code.check", {"code": code})
    return code


_PHONE_NOISE = re.compile(r"[\s\-()（）]")
_COUNTRY_PREFIX = re.compile(r"^(?:\+86|0086)")
_MOBILE = re.compile(r"1[3-9]\d{9}")
# Area code (2-3 digits after the trunk 0) plus a 7-8 digit subscriber number.
_LANDLINE = re.compile(r"0[1-9]\d{8,10}")


def parse_phone(text: str) -> str:
    """A mainland mobile (13812345678) or landline (010-12345678) number; +86 allowed.

    Kept as digits only, with the trunk 0 restored on landlines dialled as +86 10 ....
    """
    raw = text.strip()
    digits = _PHONE_NOISE.sub("", normalize(text))
    international = _COUNTRY_PREFIX.match(digits)
    if international:
        digits = digits[international.end() :]
        if not _MOBILE.fullmatch(digits) and not digits.startswith("0"):
            digits = "0" + digits
    if _MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits):
        return digits
    raise ParseError("phone.invalid", {"text": raw})


_LINK = re.compile(
    r"(?P<scheme>https?://)?(?P<host>(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63})"
    r"(?::\d{1,5})?(?P<path>[/?#]\S*)?",
    re.IGNORECASE,
)


def parse_link(text: str, *, max_length: int = 500) -> str:
    """A web address; one typed without a scheme gets https://."""
    raw = text.strip()
    candidate = unicodedata.normalize("NFKC", raw)
    found = _LINK.fullmatch(candidate) if len(candidate) <= max_length else None
    if found is None:
        raise ParseError("link.invalid", {"text": raw[:80]})
    return candidate if found["scheme"] else "https://" + candidate


def parse_text(
    text: str,
    *,
    min_length: int = 1,
    max_length: int,
    pattern: re.Pattern[str] | None = None,
) -> str:
    """Free text, trimmed and with runs of whitespace collapsed, within length limits."""
    cleaned = re.sub(r"\s+", " ", text).strip()
    if len(cleaned) < min_length:
        raise ParseError("text.empty", {"min": str(min_length)})
    if len(cleaned) > max_length:
        raise ParseError("text.too_long", {"max": str(max_length), "length": str(len(cleaned))})
    if pattern is not None and not pattern.fullmatch(cleaned):
        raise ParseError("text.pattern", {"text": cleaned[:80]})
    return cleaned


def _choice_key(text: str) -> str:
    folded = normalize(text).casefold()
    folded = re.sub(r"\s+", " ", folded)
    return folded.strip(" .!?。！？~～\"'“”‘’")


def match_choice(text: str, choices: Mapping[str, Iterable[str]]) -> str | None:
    """The choice whose label or synonym the text is, ignoring case, width and end marks."""
    key = _choice_key(text)
    if not key:
        return None
    for value, words in choices.items():
        if any(_choice_key(word) == key for word in words):
            return value
    return None


_CHOICE_SEPARATORS = re.compile(r"\s*(?:[,;/、]|\band\b|和|及|与)\s*", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


def split_choices(text: str, *, on_spaces: bool = False) -> list[str]:
    """Split a typed list of several choices: 煤矸石、粉煤灰 / coal gangue, fly ash; with
    `on_spaces`, also 煤矸石 其他 (tried when the list read whole names no option)."""
    parts = _CHOICE_SEPARATORS.split(normalize(text))
    if on_spaces:
        parts = [word for part in parts for word in _SPACES.split(part)]
    return [part for part in (p.strip() for p in parts) if part]


def split_approximation(
    text: str, *, before: Iterable[str], after: Iterable[str], inside: Iterable[str]
) -> tuple[str, bool]:
    """The figure without the words that make it approximate, and whether there were any.

    约35% → ("35%", True); 46左右 → ("46", True); 3万多吨 → ("3万吨", True): `inside`
    words count only right after a digit or a multiplier, so 多孔 in a unit is left alone.
    """
    folded = _TRAILING_MARKS.sub("", normalize(text)).strip()
    approximate = False
    for word in sorted(before, key=len, reverse=True):
        if folded.startswith(word):
            folded, approximate = folded[len(word) :].strip(), True
            break
    for word in sorted(after, key=len, reverse=True):
        if folded.endswith(word):
            folded, approximate = folded[: -len(word)].strip(), True
            break
    for word in sorted(inside, key=len, reverse=True):
        pattern = re.compile(r"(?<=[\d万亿千百十])" + re.escape(word))
        folded, count = pattern.subn("", folded)
        approximate = approximate or count > 0
    return folded, approximate


def strip_lead_in(text: str, words: Iterable[str]) -> str:
    """The text without a leading phrase made only of `words` (我们烧原煤 3000吨 → 3000吨).

    Only a phrase built wholly from the listed words goes: anything else before the figure
    (少于, 不到) stays, so the reply is refused rather than read as something not said.
    """
    folded = normalize(text)
    ordered = sorted((normalize(w) for w in words if w), key=len, reverse=True)
    rest = folded
    while True:
        rest = rest.lstrip(" :：,，、")
        word = next((w for w in ordered if rest.startswith(w)), None)
        if word is None:
            break
        rest = rest[len(word) :]
    return rest if rest != folded.lstrip(" :：,，、") and rest else text


def yes_no_marker(text: str, *, yes: Iterable[str], no: Iterable[str]) -> str | None:
    """ "y" or "n" for a reply that carries its answer inside (ISO9001有, 已通过认证,
    没有公布), else None. A negation wins: 没有 contains 有, 未通过 contains 通过."""
    key = normalize(text).casefold()
    if any(word.casefold() in key for word in no):
        return "n"
    if any(word.casefold() in key for word in yes):
        return "y"
    return None
