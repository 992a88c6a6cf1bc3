"""Which evaluator made an evaluation: a digest of the code and texts that judge.

A stored evaluation is re-judged in part (`rejudge`) only if this very evaluator made it.
One made by another release, with other wording or a clause judged differently, is
judged in full, so no part of a verdict outlives the code that was replaced.
"""

from __future__ import annotations

from hashlib import sha256
from pathlib import Path

_PACKAGE = Path(__file__).parent


def _digest() -> str:
    digest = sha256()
    for path in sorted([*_PACKAGE.glob("*.py"), *_PACKAGE.glob("rulesets/_*.yaml")]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


#: The evaluator's edition, stamped in every evaluation it makes.
EDITION = _digest()

__all__ = ["EDITION"]
