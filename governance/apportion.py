"""Exact apportionment of an integer amount by integer weights (largest remainder)."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["largest_remainder"]


def largest_remainder(amount: int, weights: Mapping[str, int]) -> dict[str, int]:
    """Split ``amount`` in proportion to ``weights`` exactly, in whole units.

    Each key first gets ``floor(amount * weight / total)``; the units left over (fewer than the
    number of keys) go one each to the largest remainders ``amount * weight mod total``, equal
    remainders to the smaller key (a signed id, so every node hands them out the same way).
    Keys of weight 0 get 0. The shares sum to ``amount``; no share is a unit or more away from
    the exact fraction ``amount * weight / total``. The caller checks the inputs: ``amount`` and
    the weights are non-negative integers and the weights are not all 0.
    """
    total = sum(weights.values())
    shares = {key: amount * weight // total for key, weight in weights.items()}
    left = amount - sum(shares.values())
    order = sorted((key for key, weight in weights.items() if weight),
                   key=lambda key: (-(amount * weights[key] % total), key))
    for key in order[:left]:
        shares[key] += 1
    return shares
