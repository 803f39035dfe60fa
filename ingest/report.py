"""Counts of repairs and warnings made while tidying, shown in the closing summary."""
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Report:
    """Collects what a parser repaired or could not match, with counts."""

    counts: Counter = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)

    def count(self, what: str, n: int = 1) -> None:
        """Record that `what` happened `n` times (no-op for n == 0)."""
        if n:
            self.counts[what] += int(n)

    def warn(self, message: str) -> None:
        """Record a warning once."""
        if message not in self.warnings:
            self.warnings.append(message)

    def lines(self) -> list[str]:
        """Human-readable summary lines."""
        out = [f"{what}: {n:,}" for what, n in sorted(self.counts.items())]
        return out + [f"warning: {w}" for w in self.warnings]
