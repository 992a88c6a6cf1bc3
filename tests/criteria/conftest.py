"""Fixtures for the criteria tests: the packaged ruleset and answer documents to vary."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from criteria import Evaluation, Ruleset, evaluate, load_ruleset, parse_answers

# Every basic requirement met, no indicator met: each test switches on what it is about.
BASELINE: dict[str, Any] = {
    "enterprise": {"name": "测试建材有限公司", "credit_code": "91410183MA45YQ7K2Y"},
    "product_category": "porous_brick",
    "basic": {
        "lawful_operation": True,
        "white_list": True,
        "quality_management": True,
        "environmental_management": True,
        "metering": True,
        "product_quality": True,
    },
    # The certificates behind the two management systems, valid for as long as tests run.
    "evidence": {
        "quality_management": {
            "number": "00123Q45678R0M",
            "issuer": "中国质量认证中心",
            "issued": "2024-01-10",
            "expires": "2099-01-09",
        },
        "environmental_management": {
            "number": "00123E45678R0M",
            "issuer": "中国质量认证中心",
            "issued": "2024-01-10",
            "expires": "2099-01-09",
        },
    },
}

Document = dict[str, Any]


def merge(base: Document, changes: Document) -> Document:
    """A deep copy of base with changes applied section by section."""
    result = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


@pytest.fixture(scope="session")
def ruleset() -> Ruleset:
    return load_ruleset()


@pytest.fixture
def make_doc() -> Callable[..., Document]:
    def build(changes: Document | None = None, **sections: Any) -> Document:
        return merge(merge(BASELINE, changes or {}), sections)

    return build


@pytest.fixture
def judge(ruleset: Ruleset, make_doc: Callable[..., Document]) -> Callable[..., Evaluation]:
    """Evaluate the baseline with the given sections changed."""

    def run(
        changes: Document | None = None, *, using: Ruleset | None = None, **sections: Any
    ) -> Evaluation:
        document = make_doc(changes, **sections)
        return evaluate(parse_answers(document), using or ruleset)

    return run
