"""Employers, the student's LAMP list: add, re-score, import a pasted list, pin, mark done or
open again; the board; finding an employer from what the student typed; and the employer a new
contact belongs to.

Every change that can move the active five reports how it moved (:class:`Moves`), so the
student is told which employer moved into their top five and which moved out.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.actions.common import log_event, student_transaction
from bot.actions.context import ActionContext, StudentKey
from bot.actions.settings import known_zone
from bot.domain.contacts import MAX_NAME, Stage
from bot.domain.employers import (
    IMPORT_EXAMPLE,
    MAX_NOTE,
    MAX_PINNED,
    ContactAtEmployer,
    ImportLine,
    OutreachState,
    ScoreError,
    Scores,
    Standing,
    active_five,
    board_order,
    five_change,
    furthest_stage,
    name_key,
    outreach_state,
    parse_import,
    plan_import,
)
from bot.domain.limits import MAX_EMPLOYERS
from bot.errors import UserError
from bot.storage.contacts import ContactRecord, colleagues_of
from bot.storage.database import Source, Transaction
from bot.storage.employers import (
    EmployerRecord,
    add_employer,
    contacts_by_employer,
    get_employer,
    link_contact,
    list_employers,
    set_done,
    set_pinned,
    set_scores,
)
from bot.text import escape_markdown
from bot.validation import clean_optional_text, clean_text

EMPLOYER_GONE = "That employer is no longer on your list (it may have been deleted)."
NOT_FOUND = (
    "I couldn't find that employer on your list in this server. Pick one from the list as you "
    "type, or add it with `/employers add`."
)
LIST_FULL = (
    f"You already have {MAX_EMPLOYERS} employers, the most one student can keep here, so "
    "nothing was added. The method needs about 40: work your top five (`/employers list`)."
)
NOTHING_TO_IMPORT = (
    f"There was nothing to import. Paste one employer per line, e.g. `{IMPORT_EXAMPLE}`."
)
LONGEST_ID = 18
"""Digits in the largest employer id a value may name (more is a name, not an id)."""


def _shown(name: str) -> str:
    """An employer's name inside a refusal (escaped: it is the student's text)."""
    return f"“{escape_markdown(name)}”"


@dataclass(frozen=True, slots=True)
class NewEmployer:
    name: str
    scores: Scores = field(default_factory=Scores)
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Moves:
    """How the active five changed: the employers that moved in and out (rank order)."""

    entered: tuple[EmployerRecord, ...] = ()
    left: tuple[EmployerRecord, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.entered or self.left)


@dataclass(frozen=True, slots=True)
class Lamp:
    """The student's employers with what the rules read about each."""

    employers: dict[int, EmployerRecord]
    contacts: dict[int, list[ContactAtEmployer]]
    standings: list[Standing]

    @property
    def five(self) -> tuple[int, ...]:
        return active_five(self.standings)

    def by_key(self) -> dict[str, EmployerRecord]:
        """Each employer under its :func:`name_key` (the first one if two share a key)."""
        keyed: dict[str, EmployerRecord] = {}
        for employer in self.employers.values():
            keyed.setdefault(name_key(employer.name), employer)
        return keyed


def standing_of(employer: EmployerRecord, contacts: list[ContactAtEmployer]) -> Standing:
    return Standing(
        id=employer.id,
        name=employer.name,
        scores=employer.scores,
        pinned=employer.pinned,
        done=employer.done,
        contacts=len(contacts),
        open_contacts=sum(1 for c in contacts if c.stage is not Stage.CLOSED),
    )


async def read_lamp(source: Source, who: StudentKey) -> Lamp:
    employers = await list_employers(source, who.guild_id, who.user_id)
    contacts = await contacts_by_employer(source, who.guild_id, who.user_id)
    return Lamp(
        employers={e.id: e for e in employers},
        contacts=contacts,
        standings=[standing_of(e, contacts.get(e.id, [])) for e in employers],
    )


async def active_five_ids(source: Source, who: StudentKey) -> tuple[int, ...]:
    """The ids of the student's active five now (to compare with :func:`moves_since` after a
    change, e.g. closing a contact, that may exhaust an employer)."""
    return (await read_lamp(source, who)).five


async def moves_since(
    source: Source, who: StudentKey, before: tuple[int, ...], was: Lamp | None = None
) -> Moves:
    """How the active five moved since it was ``before`` (``was``: the list then, for the
    names of employers that left)."""
    now = await read_lamp(source, who)
    change = five_change(before, now.five)
    old = was.employers if was is not None else {}
    return Moves(
        entered=tuple(now.employers[i] for i in change.entered),
        left=tuple(now.employers.get(i) or old[i] for i in change.left),
    )


def _scores(scores: Scores) -> Scores:
    try:
        return scores.checked()
    except ScoreError as refused:
        raise UserError(f"{refused} Nothing was changed.") from None


def _name(raw: str) -> str:
    return " ".join(clean_text(raw, "employer name", max_length=MAX_NAME).split())


def _note(raw: str | None) -> str | None:
    return clean_optional_text(raw, "note", max_length=MAX_NOTE)


async def owned_employer(source: Source, who: StudentKey, employer_id: int) -> EmployerRecord:
    employer = await get_employer(source, who.guild_id, who.user_id, employer_id)
    if employer is None:
        raise UserError(EMPLOYER_GONE)
    return employer


# --- add, re-score, import -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EmployerAdded:
    employer: EmployerRecord
    position: int  # 1-based, on the board
    total: int
    active: bool  # in the active five
    moves: Moves


async def add_new_employer(ctx: ActionContext, who: StudentKey, new: NewEmployer) -> EmployerAdded:
    """``/employers add``: a new employer with the scores given (the rest unscored); refused if
    the student has one of that name (case and spaces aside) or has the most they may keep."""
    name = _name(new.name)
    note = _note(new.note)
    scores = _scores(new.scores)
    now = ctx.clock.now()
    async with student_transaction(ctx, who, now) as tx:
        lamp = await read_lamp(tx, who)
        same = lamp.by_key().get(name_key(name))
        if same is not None:
            raise UserError(
                f"{_shown(same.name)} is already on your list (names are compared without "
                "case or extra spaces), so nothing was added. Change its scores with "
                "`/employers score`."
            )
        if len(lamp.employers) >= MAX_EMPLOYERS:
            raise UserError(LIST_FULL)
        employer_id = await add_employer(
            tx,
            guild_id=who.guild_id,
            user_id=who.user_id,
            name=name,
            scores=scores,
            note=note,
            now=now,
        )
        await log_event(
            tx,
            who,
            "employer_added",
            now,
            payload={"employer_id": employer_id, "source": "add", "scored": scores.complete},
        )
        moves = await moves_since(tx, who, lamp.five, lamp)
        after = await read_lamp(tx, who)
    order = [s.id for s in board_order(after.standings)]
    return EmployerAdded(
        employer=after.employers[employer_id],
        position=order.index(employer_id) + 1,
        total=len(order),
        active=employer_id in after.five,
        moves=moves,
    )


@dataclass(frozen=True, slots=True)
class EmployerScored:
    employer: EmployerRecord  # as it is now
    before: Scores
    changed: bool
    moves: Moves


async def score_employer(
    ctx: ActionContext,
    who: StudentKey,
    employer_id: int,
    changes: Scores,
    note: str | None = None,
) -> EmployerScored:
    """``/employers score``: change the scores given (and the note, if given); the others stay."""
    if changes.empty and note is None:
        raise UserError(
            "Give at least one thing to change: alumni, motivation, posting or note. "
            "Nothing was changed."
        )
    changes = _scores(changes)
    new_note = _note(note)
    now = ctx.clock.now()
    async with student_transaction(ctx, who, now) as tx:
        employer = await owned_employer(tx, who, employer_id)
        lamp = await read_lamp(tx, who)
        scores = employer.scores.merged(changes)
        kept_note = employer.note if note is None else new_note
        if scores == employer.scores and kept_note == employer.note:
            return EmployerScored(employer, employer.scores, changed=False, moves=Moves())
        await set_scores(tx, employer.id, scores, kept_note, now)
        await log_event(
            tx,
            who,
            "employer_scored",
            now,
            payload={
                "employer_id": employer.id,
                "alumni": scores.alumni,
                "motivation": scores.motivation,
                "posting": scores.posting,
            },
        )
        moves = await moves_since(tx, who, lamp.five, lamp)
        now_employer = await owned_employer(tx, who, employer.id)
    return EmployerScored(now_employer, employer.scores, changed=True, moves=moves)


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    """One non-blank line of the pasted list and what became of it."""

    number: int
    text: str
    added: EmployerRecord | None = None
    reason: str | None = None  # why it was refused (or skipped)
    skipped: bool = False  # a header row


@dataclass(frozen=True, slots=True)
class ImportReport:
    lines: list[ImportOutcome]
    moves: Moves
    total: int  # employers on the list now

    @property
    def added(self) -> list[EmployerRecord]:
        return [line.added for line in self.lines if line.added is not None]

    @property
    def refused(self) -> list[ImportOutcome]:
        return [line for line in self.lines if line.added is None and not line.skipped]


def _checked_line(line: ImportLine) -> ImportLine:
    """The parsed line with its name and note checked like typed ones (a refusal if not)."""
    if line.error is not None or line.name is None:
        return line
    try:
        name = _name(line.name)
        note = _note(line.note)
    except UserError as refused:
        return ImportLine(line.number, line.text, error=refused.message.rstrip("."))
    return ImportLine(line.number, line.text, name=name, scores=line.scores, note=note)


async def import_employers(ctx: ActionContext, who: StudentKey, text: str) -> ImportReport:
    """``/employers import``: one employer per line; the good lines are added (in one
    transaction: all of them or, on a failure, none), each bad line is reported with why."""
    lines = [_checked_line(line) for line in parse_import(text)]
    if not any(line.name is not None or line.error is not None for line in lines):
        raise UserError(NOTHING_TO_IMPORT)
    now = ctx.clock.now()
    async with student_transaction(ctx, who, now) as tx:
        lamp = await read_lamp(tx, who)
        existing = {key: employer.name for key, employer in lamp.by_key().items()}
        plan = plan_import(lines, existing, MAX_EMPLOYERS - len(lamp.employers))
        added: dict[int, int] = {}
        for line in plan.add:
            assert line.name is not None
            added[line.number] = await add_employer(
                tx,
                guild_id=who.guild_id,
                user_id=who.user_id,
                name=line.name,
                scores=line.scores,
                note=line.note,
                now=now,
            )
        await log_event(
            tx,
            who,
            "employer_imported",
            now,
            payload={
                "added": len(plan.add),
                "refused": len(plan.refused),
                "skipped": len(plan.skipped),
            },
        )
        moves = await moves_since(tx, who, lamp.five, lamp)
        after = await read_lamp(tx, who)
    refused = {line.number: line for line in plan.refused}
    outcomes: list[ImportOutcome] = []
    for line in lines:
        if line.number in added:
            outcomes.append(
                ImportOutcome(line.number, line.text, after.employers[added[line.number]])
            )
        elif line.number in refused:
            outcomes.append(
                ImportOutcome(line.number, line.text, reason=refused[line.number].error)
            )
        else:
            outcomes.append(
                ImportOutcome(line.number, line.text, reason="a header row", skipped=True)
            )
    return ImportReport(outcomes, moves, len(after.employers))


# --- done, open again, pin --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EmployerDone:
    employer: EmployerRecord
    moves: Moves  # ``moves.entered``: who moved up into the top five
    open_contacts: int  # contacts there not closed (they stay as they are)


async def mark_employer_done(ctx: ActionContext, who: StudentKey, employer_id: int) -> EmployerDone:
    """``/employers done``: the student is done with this employer (it leaves the active five
    and its pin); the next one moves up."""
    now = ctx.clock.now()
    async with student_transaction(ctx, who, now) as tx:
        employer = await owned_employer(tx, who, employer_id)
        if employer.done:
            raise UserError(
                f"{_shown(employer.name)} is already marked done. To work it again, use "
                "`/employers reopen`."
            )
        lamp = await read_lamp(tx, who)
        await set_done(tx, employer.id, now, now)
        moves = await moves_since(tx, who, lamp.five, lamp)
        await log_event(
            tx,
            who,
            "employer_done",
            now,
            payload={
                "employer_id": employer.id,
                "promoted": [e.id for e in moves.entered],
            },
        )
        done = await owned_employer(tx, who, employer.id)
    contacts = lamp.contacts.get(employer.id, [])
    return EmployerDone(
        done, moves, open_contacts=sum(1 for c in contacts if c.stage is not Stage.CLOSED)
    )


@dataclass(frozen=True, slots=True)
class EmployerReopened:
    employer: EmployerRecord
    moves: Moves
    all_closed: bool  # every contact there is closed: it stays exhausted until a new one


async def reopen_employer(
    ctx: ActionContext, who: StudentKey, employer_id: int
) -> EmployerReopened:
    """``/employers reopen``: undo ``/employers done``."""
    now = ctx.clock.now()
    async with student_transaction(ctx, who, now) as tx:
        employer = await owned_employer(tx, who, employer_id)
        if not employer.done:
            raise UserError(
                f"{_shown(employer.name)} isn't marked done, so there is nothing to reopen."
            )
        lamp = await read_lamp(tx, who)
        await set_done(tx, employer.id, None, now)
        moves = await moves_since(tx, who, lamp.five, lamp)
        await log_event(tx, who, "employer_reopened", now, payload={"employer_id": employer.id})
        after = await read_lamp(tx, who)
    standing = next(s for s in after.standings if s.id == employer.id)
    return EmployerReopened(after.employers[employer.id], moves, all_closed=standing.exhausted)


@dataclass(frozen=True, slots=True)
class EmployerPinned:
    employer: EmployerRecord
    pinned: bool
    moves: Moves


async def pin_employer(
    ctx: ActionContext, who: StudentKey, employer_id: int, pinned: bool = True
) -> EmployerPinned:
    """``/employers pin`` (``pinned``) or ``unpin``: a pinned employer is in the active five
    whatever its scores; at most five are pinned."""
    now = ctx.clock.now()
    async with student_transaction(ctx, who, now) as tx:
        employer = await owned_employer(tx, who, employer_id)
        lamp = await read_lamp(tx, who)
        name = _shown(employer.name)
        if pinned:
            standing = next(s for s in lamp.standings if s.id == employer.id)
            if employer.pinned:
                raise UserError(f"{name} is already pinned to your top five.")
            if employer.done:
                raise UserError(
                    f"{name} is marked done. Reopen it with `/employers reopen` first, then pin it."
                )
            if standing.exhausted:
                raise UserError(
                    f"Every contact at {name} is closed, so it can't be in your top five. Add "
                    "someone new there with `/request new` first."
                )
            already = [s for s in lamp.standings if s.pinned and not s.exhausted]
            if len(already) >= MAX_PINNED:  # a pin on an exhausted employer holds no place
                names = ", ".join(escape_markdown(s.name) for s in already)
                raise UserError(
                    f"You have pinned {MAX_PINNED} employers already ({names}): that is your "
                    "whole top five. Unpin one first with `/employers unpin`."
                )
        elif not employer.pinned:
            raise UserError(f"{name} isn't pinned, so there is nothing to unpin.")
        await set_pinned(tx, employer.id, pinned, now)
        moves = await moves_since(tx, who, lamp.five, lamp)
        await log_event(
            tx, who, "employer_pinned", now, payload={"employer_id": employer.id, "pinned": pinned}
        )
        changed = await owned_employer(tx, who, employer.id)
    return EmployerPinned(changed, pinned, moves)


# --- the board and finding an employer --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BoardRow:
    employer: EmployerRecord
    active: bool
    exhausted: bool
    contacts: int
    furthest: Stage | None
    outreach: OutreachState


@dataclass(frozen=True, slots=True)
class Board:
    """The student's employers in board order (the active five first, the exhausted last)."""

    rows: list[BoardRow] = field(default_factory=list)
    today: date = date.min
    zone: ZoneInfo | None = None
    now: datetime | None = None


async def employer_board(ctx: ActionContext, who: StudentKey) -> Board:
    """``/employers list``: reads only (an empty board when the student has no employers)."""
    lamp = await read_lamp(ctx.db, who)
    zone = await known_zone(ctx, who)
    now = ctx.clock.now()
    today = now.astimezone(zone or ZoneInfo("UTC")).date()
    five = set(lamp.five)
    rows = []
    for standing in board_order(lamp.standings):
        employer = lamp.employers[standing.id]
        contacts = lamp.contacts.get(standing.id, [])
        rows.append(
            BoardRow(
                employer=employer,
                active=standing.id in five,
                exhausted=standing.exhausted,
                contacts=len(contacts),
                furthest=furthest_stage(contacts),
                outreach=outreach_state(contacts, today, done=employer.done),
            )
        )
    return Board(rows, today, zone, now)


@dataclass(frozen=True, slots=True)
class Suggestion:
    employer: EmployerRecord
    active: bool


async def suggest_employers(
    ctx: ActionContext, who: StudentKey, typed: str, limit: int
) -> list[Suggestion]:
    """The student's employers whose name contains ``typed`` (case and spaces aside), in board
    order: the active five first."""
    lamp = await read_lamp(ctx.db, who)
    needle = name_key(typed)
    five = set(lamp.five)
    found = []
    for standing in board_order(lamp.standings):
        employer = lamp.employers[standing.id]
        if needle in name_key(employer.name):
            found.append(Suggestion(employer, standing.id in five))
            if len(found) >= limit:
                break
    return found


async def resolve_employer(ctx: ActionContext, who: StudentKey, value: str) -> EmployerRecord:
    """The student's employer the value names: its id (what autocomplete sends) or its name
    typed out (case and spaces aside); a private error if none."""
    text = value.strip()
    if text.isascii() and text.isdigit() and len(text) <= LONGEST_ID:
        employer = await get_employer(ctx.db, who.guild_id, who.user_id, int(text))
        if employer is not None:
            return employer
    lamp = await read_lamp(ctx.db, who)
    found = lamp.by_key().get(name_key(text))
    if found is None:
        raise UserError(NOT_FOUND)
    return found


# --- the employer a contact belongs to --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EmployerLink:
    employer: EmployerRecord
    created: bool  # new on the list (unscored)
    reopened: bool  # it was marked done; a new contact there opens it again
    active: bool = False  # in the active five once the contact is linked


async def employer_for_organization(
    tx: Transaction, who: StudentKey, organization: str, now: datetime
) -> EmployerLink:
    """The student's employer named ``organization`` (case and spaces aside), created unscored
    if they have none, opened again if it was marked done. Inside the caller's transaction,
    which logs what happened (see :func:`link_payload`); refused when the list is full. Link
    the contact with :func:`link_to_employer`."""
    lamp = await read_lamp(tx, who)
    employer = lamp.by_key().get(name_key(organization))
    if employer is None:
        if len(lamp.employers) >= MAX_EMPLOYERS:
            raise UserError(
                f"{_shown(organization)} isn't on your employer list, and the list is full "
                f"({MAX_EMPLOYERS} employers, the most one student can keep here). Pick one of "
                "your employers as you type the organization. Nothing was added."
            )
        employer_id = await add_employer(
            tx,
            guild_id=who.guild_id,
            user_id=who.user_id,
            name=" ".join(organization.split()),
            scores=Scores(),
            note=None,
            now=now,
        )
        return EmployerLink(await owned_employer(tx, who, employer_id), True, False)
    if employer.done:
        await set_done(tx, employer.id, None, now)
        return EmployerLink(await owned_employer(tx, who, employer.id), False, True)
    return EmployerLink(employer, False, False)


async def link_to_employer(
    tx: Transaction, who: StudentKey, contact_id: int, link: EmployerLink
) -> EmployerLink:
    """The contact (the student's own) works at ``link.employer``; returns the link with
    whether the employer is in the active five now."""
    await link_contact(tx, contact_id, link.employer.id)
    five = await active_five_ids(tx, who)
    return EmployerLink(link.employer, link.created, link.reopened, link.employer.id in five)


def link_payload(link: EmployerLink) -> dict[str, object]:
    """What the event of the contact's creation records about its employer."""
    payload: dict[str, object] = {"employer_id": link.employer.id}
    if link.created:
        payload["employer_added"] = True
    if link.reopened:
        payload["employer_reopened"] = True
    return payload


async def attach_to_employer(
    tx: Transaction, who: StudentKey, contact_id: int, organization: str, now: datetime
) -> EmployerLink:
    """For a contact already stored and logged (a referral): find or create its employer, link
    it, and log ``employer_added`` (or ``employer_reopened``) when that changed the list."""
    link = await link_to_employer(
        tx, who, contact_id, await employer_for_organization(tx, who, organization, now)
    )
    if link.created or link.reopened:
        kind = "employer_added" if link.created else "employer_reopened"
        await log_event(
            tx,
            who,
            kind,
            now,
            contact_id=contact_id,
            payload={"employer_id": link.employer.id, "source": "contact", "scored": False},
        )
    return link


# --- the 3B reminder and closing the last contact at an employer ------------------------------


@dataclass(frozen=True, slots=True)
class EmployerOutlook:
    """What a "no reply after 3 business days" reminder names: the contact's employer, the
    other contacts there (oldest first), and the next employer of the active five with no
    request out yet."""

    employer: str
    colleagues: tuple[ContactRecord, ...]
    next_employer: str | None


def _request_out(contacts: list[ContactAtEmployer]) -> bool:
    """Someone there was asked and the contact is still open (waiting, or further along)."""
    return any(
        c.stage is not Stage.CLOSED and c.stage.rank >= Stage.REQUESTED.rank for c in contacts
    )


async def employer_outlook(
    source: Source, who: StudentKey, contact: ContactRecord
) -> EmployerOutlook:
    """Read at delivery, so the reminder says the names as they are now."""
    colleagues = await colleagues_of(source, contact)
    lamp = await read_lamp(source, who)
    employer = lamp.employers.get(contact.employer_id) if contact.employer_id is not None else None
    upcoming = (
        lamp.employers[i].name
        for i in lamp.five
        if i != contact.employer_id and not _request_out(lamp.contacts.get(i, []))
    )
    return EmployerOutlook(
        employer=employer.name if employer is not None else contact.organization,
        colleagues=tuple(colleagues),
        next_employer=next(upcoming, None),
    )


@dataclass(frozen=True, slots=True)
class EmployerExhausted:
    """Closing a contact left every contact at its employer closed: the employer leaves the
    active five, and ``moves.entered`` says who moved up."""

    employer: EmployerRecord
    moves: Moves


async def exhausted_by_close(
    source: Source, who: StudentKey, employer_id: int | None, before: tuple[int, ...]
) -> EmployerExhausted | None:
    """After a contact at ``employer_id`` was closed (``before``: the active five just before,
    from :func:`active_five_ids`): the employer and how the five moved, if that close left
    every contact there closed (an employer the student had marked done already: None)."""
    if employer_id is None:
        return None
    lamp = await read_lamp(source, who)
    standing = next((s for s in lamp.standings if s.id == employer_id), None)
    if standing is None or standing.done or not standing.exhausted:
        return None
    return EmployerExhausted(lamp.employers[employer_id], await moves_since(source, who, before))


async def five_before_close(
    source: Source, who: StudentKey, employer_id: int | None
) -> tuple[int, ...]:
    """The active five as it was before one contact at ``employer_id``, now closed, was
    closed (for a caller that could not read it before: the same list with that contact
    counted open again)."""
    lamp = await read_lamp(source, who)
    standings = [
        replace(s, open_contacts=s.open_contacts + 1) if s.id == employer_id else s
        for s in lamp.standings
    ]
    return active_five(standings)
