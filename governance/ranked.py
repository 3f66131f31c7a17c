"""Instant-runoff counting for ranked-choice ballots, with a deterministic tie-break."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from governance.bylaws import Threshold

__all__ = ["Round", "instant_runoff"]


@dataclass(frozen=True, slots=True)
class Round:
    """One counting round: votes per continuing option, and who was eliminated (if anyone)."""

    counts: tuple[tuple[str, int], ...]
    eliminated: str | None


def instant_runoff(
    options: tuple[str, ...], rankings: Iterable[tuple[str, ...]], threshold: Threshold
) -> tuple[str | None, tuple[Round, ...]]:
    """Count non-empty rankings by instant runoff; return the winner (or None) and the rounds.

    Each round every ranking counts for its highest continuing option; rankings with no
    continuing option are exhausted. An option wins when its votes meet ``threshold`` of the
    non-exhausted rankings (the most votes wins if several do). Otherwise one option is
    eliminated: the fewest votes this round; among those tied, the fewest first preferences in
    round one; then the one listed later in ``options``.
    """
    groups = Counter(r for r in rankings if r)
    position = {option: index for index, option in enumerate(options)}
    continuing = list(options)
    first: dict[str, int] = dict.fromkeys(options, 0)
    for ranking, weight in groups.items():
        first[ranking[0]] += weight
    rounds: list[Round] = []
    while continuing:
        alive = set(continuing)
        counts = dict.fromkeys(continuing, 0)
        for ranking, weight in groups.items():
            for option in ranking:
                if option in alive:
                    counts[option] += weight
                    break
        active = sum(counts.values())
        ordered = tuple((o, counts[o]) for o in continuing)
        if active == 0:
            rounds.append(Round(ordered, None))
            return None, tuple(rounds)
        reaching = [o for o in continuing if threshold.met(counts[o], active)]
        if reaching:
            rounds.append(Round(ordered, None))
            winner = max(reaching, key=lambda o: (counts[o], first[o], -position[o]))
            return winner, tuple(rounds)
        loser = min(continuing, key=lambda o: (counts[o], first[o], -position[o]))
        rounds.append(Round(ordered, loser))
        continuing.remove(loser)
    return None, tuple(rounds)  # pragma: no cover - the last option always reaches the threshold
