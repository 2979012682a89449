"""Contacts: how a student is connected to them, and the stages a contact moves through."""

from __future__ import annotations

from enum import StrEnum

MAX_NAME = 100
"""Longest person, organization or role name, in characters."""


class Connection(StrEnum):
    ALUMNI = "alumni"
    FRIEND_FAMILY = "friend_family"
    MUTUAL = "mutual"
    GROUP = "group"
    COLD = "cold"

    @property
    def label(self) -> str:
        return _CONNECTION_LABELS[self]


_CONNECTION_LABELS = {
    Connection.ALUMNI: "alumni",
    Connection.FRIEND_FAMILY: "friend or family",
    Connection.MUTUAL: "mutual contact",
    Connection.GROUP: "group",
    Connection.COLD: "cold",
}


class Stage(StrEnum):
    PLANNED = "planned"
    REQUESTED = "requested"
    REPLIED = "replied"
    SCHEDULED = "scheduled"
    MET = "met"
    THANKED = "thanked"
    KEEPING_IN_TOUCH = "keeping_in_touch"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")

    @property
    def rank(self) -> int:
        """Position along :data:`JOURNEY`; closed sits outside it (-1)."""
        return JOURNEY.index(self) if self in JOURNEY else -1


JOURNEY: tuple[Stage, ...] = (
    Stage.PLANNED,
    Stage.REQUESTED,
    Stage.REPLIED,
    Stage.SCHEDULED,
    Stage.MET,
    Stage.THANKED,
    Stage.KEEPING_IN_TOUCH,
)
"""The stages in the order a contact moves through them (closed sits outside the journey)."""


class StageChangeError(ValueError):
    """A stage change that the journey does not allow; the message is for the student."""


def check_stage_change(current: Stage, new: Stage) -> None:
    """Allow moving forward (skipping stages is fine: students log late), refuse the rest."""
    if current is Stage.CLOSED:
        raise StageChangeError("This contact is closed. Reopen it before logging new steps.")
    if new is Stage.CLOSED:
        return
    if new.rank < current.rank:
        raise StageChangeError(
            f"This contact is already at “{current.label}”; stages don't move backwards."
        )
    if new is current:
        raise StageChangeError(f"This contact is already at “{current.label}”.")
