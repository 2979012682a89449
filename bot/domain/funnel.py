"""A student's funnel: how many contacts are at each stage now, and how many got at least that
far along the journey (a closed contact counts as far as it got before closing)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.domain.contacts import JOURNEY, Stage


@dataclass(frozen=True, slots=True)
class FunnelRow:
    stage: Stage
    current: int
    reached: int | None  # None for "closed", which sits outside the journey


def funnel(contacts: Iterable[tuple[Stage, Stage | None]]) -> list[FunnelRow]:
    """Rows in journey order, then "closed". Each contact is ``(stage, stage_before_close)``."""
    current = dict.fromkeys(Stage, 0)
    furthest: list[int] = []
    for stage, before_close in contacts:
        current[stage] += 1
        journey_stage = (before_close or Stage.PLANNED) if stage is Stage.CLOSED else stage
        furthest.append(journey_stage.rank)
    rows = [
        FunnelRow(stage, current[stage], sum(1 for rank in furthest if rank >= stage.rank))
        for stage in JOURNEY
    ]
    rows.append(FunnelRow(Stage.CLOSED, current[Stage.CLOSED], None))
    return rows
