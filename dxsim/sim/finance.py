"""One ledger for budgets, commitments, spending and subsidies.

Budgets are per programme owner (an operator) and calendar year; orders commit money when
placed, spending is recognised when the asset comes on air. Subsidies received are added to
the owner's budget in the year they are paid, so state support buys more sites.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable


def commitment_owner(operator: str, programme: str) -> str:
    """The ledger owner of an operator's surge toward a programme it committed to (Operator.committed_to): it has no
    budget of its own, only commitments. Why apart: the operator finances that surge outside the year's budget, which
    paces its ordinary build; on the operator's own line it overdrew 2025 and stopped Viettel's ordinary orders for
    the rest of the year (2026-12-06)."""
    return f"{operator}:{programme}"


class Ledger:
    """Budgets and commitments by (owner, year)."""

    def __init__(self, budget_for: Callable[[str, int], float]) -> None:
        self._budget_for = budget_for
        self.committed: dict[tuple[str, int], float] = defaultdict(float)
        self.received: dict[tuple[str, int], float] = defaultdict(float)

    def budget(self, owner: str, year: int) -> float:
        """The owner's whole budget for the year, what it received included (VND bn)."""
        return self._budget_for(owner, year) + self.received[(owner, year)]

    def available(self, owner: str, year: int) -> float:
        """Money the owner can still commit this year (VND bn)."""
        return self._budget_for(owner, year) + self.received[(owner, year)] - self.committed[(owner, year)]

    def commit(self, owner: str, year: int, amount_vnd_bn: float) -> None:
        if amount_vnd_bn < 0:
            raise ValueError("commitments are non-negative")
        self.committed[(owner, year)] += amount_vnd_bn

    def receive(self, owner: str, year: int, amount_vnd_bn: float) -> None:
        self.received[(owner, year)] += amount_vnd_bn
