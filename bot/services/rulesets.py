"""Which ruleset version judges a submission right now.

The packaged YAML is version 1; admins add later versions to the database. The newest
stored version wins, so every process sees a change as soon as it is committed.
"""

from __future__ import annotations

from criteria import Ruleset, load_ruleset
from storage import UnitOfWork

DEFAULT_RULESET_ID = "sintered-wall-2020"


class RulesetProvider:
    def __init__(self, ruleset_id: str = DEFAULT_RULESET_ID) -> None:
        self.ruleset_id = ruleset_id
        self._baseline = load_ruleset(ruleset_id)

    @property
    def baseline(self) -> Ruleset:
        return self._baseline

    async def active(self, uow: UnitOfWork) -> Ruleset:
        latest = await uow.rulesets.latest(self.ruleset_id)
        if latest is None:
            return self._baseline
        return Ruleset.model_validate(latest.values)
