"""Phase 2, preparing: schedule (or move) the meeting, build the contact's question list."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.actions.common import log_event, stage_guard, student_transaction
from bot.actions.contact_lookup import resolve_contact
from bot.actions.contacts import owned_contact, student_zone
from bot.actions.context import ActionContext, StudentKey
from bot.content import MAX_QUESTION_TEXT, TIARA, BankQuestion
from bot.domain.contacts import Stage
from bot.errors import UserError
from bot.storage.contacts import ContactRecord, set_meeting, touch_contact
from bot.storage.database import Transaction
from bot.storage.guild_settings import DEFAULT_MEETING_MINUTES, server_settings
from bot.storage.questions import (
    MAX_QUESTIONS,
    MAX_STARS,
    Question,
    add_question,
    count_questions,
    list_questions,
    set_starred,
    take_question,
)
from bot.storage.timestamps import to_db
from bot.validation import clean_text, local_datetime, parse_clock_time, parse_date

__all__ = [
    "DEFAULT_MEETING_MINUTES",
    "FULL",
    "MAX_MEETING_MINUTES",
    "MAX_QUESTIONS",
    "MAX_STARS",
    "MIN_MEETING_MINUTES",
    "OWN",
    "BankQuestion",
    "MeetingScheduled",
    "Question",
    "QuestionList",
    "QuestionsAdded",
    "QuestionsRemoved",
    "StarChanged",
    "add_bank_questions",
    "add_own_question",
    "check_room_for_question",
    "find_question",
    "question_list",
    "remove_questions",
    "schedule_meeting",
    "star_question",
    "suggest_questions",
    "tiara_bank",
    "toggle_star",
    "unstar_question",
]

MIN_MEETING_MINUTES = 10
MAX_MEETING_MINUTES = 60
FURTHEST_MEETING = timedelta(days=366)
"""How far ahead a meeting may be scheduled."""

OWN = "own"
"""The category of a question the student wrote themselves."""
FULL = (
    f"You can have at most {MAX_QUESTIONS} questions per contact and your list is full. "
    "Remove one first."
)
NOT_IN_BANK = "That question is no longer in the bank. Run `/prepare questions` again."
NOT_A_CATEGORY = "Pick one of the five TIARA categories."
PICK_TO_REMOVE = "Pick questions from the list to remove them."
QUESTION_GONE = (
    "That question isn't on your list for this contact. Pick one from the list as you type, "
    "or give its number as `/prepare questions` shows it (for example `2`)."
)
STARS_FULL = (
    f"You have already starred {MAX_STARS} questions for this contact (numbers 1 to "
    f"{MAX_STARS}, at the top of your list), the most you can. "
    "Unstar one first with `/prepare unstar` (or the ⭐ menu in `/prepare questions`), "
    "then star this one."
)
QUESTION_REF = re.compile(r"q([0-9]{1,18})")
"""The value an autocomplete choice or a menu option sends for a question: ``q`` + its id."""


@dataclass(frozen=True, slots=True)
class MeetingScheduled:
    contact: ContactRecord
    """The contact as it was before scheduling (its ``meeting_at`` is the old time, if any)."""
    start: datetime
    previous: datetime | None
    """The meeting time this one replaces; None when it is the first."""
    minutes: int
    local_day: date
    local_time: time
    zone: ZoneInfo


@dataclass(frozen=True, slots=True)
class QuestionList:
    """A contact's questions, in the order they will be asked."""

    contact: ContactRecord
    questions: tuple[Question, ...]

    @property
    def full(self) -> bool:
        return len(self.questions) >= MAX_QUESTIONS

    @property
    def bank_ids(self) -> frozenset[str]:
        """The bank questions already on the list."""
        return frozenset(q.bank_id for q in self.questions if q.bank_id)

    @property
    def starred(self) -> tuple[Question, ...]:
        """The starred questions (they come first on the list)."""
        return tuple(q for q in self.questions if q.starred)

    def number_of(self, question_id: int) -> int | None:
        """The question's number as the list shows it (1 for the first), if it is on it."""
        return next((n for n, q in enumerate(self.questions, start=1) if q.id == question_id), None)


@dataclass(frozen=True, slots=True)
class QuestionsAdded:
    listing: QuestionList
    added: int
    skipped: int
    """Picked questions that were already on the list."""


@dataclass(frozen=True, slots=True)
class StarChanged:
    listing: QuestionList
    """The list as it now is (starred questions first)."""
    question: Question
    """The question starred or unstarred, as it now is."""
    changed: bool
    """False when it already was starred (or unstarred): nothing was written."""

    @property
    def number(self) -> int:
        """Its number on the list now."""
        number = self.listing.number_of(self.question.id)
        assert number is not None
        return number


@dataclass(frozen=True, slots=True)
class QuestionsRemoved:
    listing: QuestionList
    removed: int
    """How many of the picked questions were still there to remove."""


# --- the meeting ------------------------------------------------------------------------------


def _schedule_guard(contact: ContactRecord) -> None:
    """Scheduling moves planned/requested/replied to scheduled; rescheduling keeps scheduled."""
    if contact.stage is not Stage.SCHEDULED:
        stage_guard(contact, Stage.SCHEDULED)


async def schedule_meeting(
    ctx: ActionContext,
    who: StudentKey,
    contact_id: int,
    day: str,
    at: str,
    minutes: int | None = None,
) -> MeetingScheduled:
    """Schedule the meeting at local ``day`` ``at`` in the student's zone, for ``minutes`` (the
    server's usual length by default); log ``meeting_scheduled``, or ``meeting_rescheduled`` if
    it replaces an earlier time; plan the meeting reminders."""
    contact = await owned_contact(ctx, who, contact_id)
    _schedule_guard(contact)
    usual = (await server_settings(ctx.db, who.guild_id)).meeting_minutes
    if minutes is None:
        minutes = usual
    if not MIN_MEETING_MINUTES <= minutes <= MAX_MEETING_MINUTES:
        raise UserError(
            f"A meeting lasts {MIN_MEETING_MINUTES} to {MAX_MEETING_MINUTES} minutes; "
            f"{usual} is a good length to ask for."
        )
    zone = await student_zone(ctx, who)
    now = ctx.clock.now()
    local_day = parse_date(day, today=now.astimezone(zone).date(), direction="future")
    local_time = parse_clock_time(at)
    start = local_datetime(local_day, local_time, zone)
    if start <= now:
        local_now = now.astimezone(zone)
        raise UserError(
            f"{local_day.isoformat()} {local_time:%H:%M} has already passed (it's "
            f"{local_now:%Y-%m-%d %H:%M} in {zone.key}). Pick a time in the future."
        )
    if start - now > FURTHEST_MEETING:
        raise UserError(f"{local_day.isoformat()} is more than a year ahead; check the year.")
    previous = contact.meeting_at
    payload: dict[str, object] = {"timezone": zone.key, "minutes": minutes}
    if previous is None:
        payload["meeting_at"] = to_db(start)
    else:
        payload.update(old_meeting_at=to_db(previous), new_meeting_at=to_db(start))
    async with student_transaction(ctx, who, now) as tx:
        await set_meeting(tx, contact.id, meeting_at=start, zone=zone.key, minutes=minutes, now=now)
        await log_event(
            tx,
            who,
            "meeting_scheduled" if previous is None else "meeting_rescheduled",
            now,
            contact_id=contact.id,
            payload=payload,
        )
        await ctx.planner.replan_contact(tx, contact.id, now)  # the meeting reminders
    return MeetingScheduled(contact, start, previous, minutes, local_day, local_time, zone)


# --- the question list ------------------------------------------------------------------------
# Nothing planned depends on the list (the top-questions reminder reads it when it goes out),
# so these actions re-plan nothing.


def tiara_bank(ctx: ActionContext, category: str) -> tuple[BankQuestion, ...]:
    """The bank's questions in one TIARA category."""
    if category not in TIARA:
        raise UserError(NOT_A_CATEGORY)
    return tuple(ctx.content.questions_in(category))


async def question_list(ctx: ActionContext, who: StudentKey, contact_id: int) -> QuestionList:
    """The contact's questions, if the contact is the student's."""
    contact = await owned_contact(ctx, who, contact_id)
    return QuestionList(contact, tuple(await list_questions(ctx.db, contact.id)))


async def check_room_for_question(
    ctx: ActionContext, who: StudentKey, contact_id: int
) -> ContactRecord:
    """Before the own-question form opens: the list must have room."""
    listing = await question_list(ctx, who, contact_id)
    if listing.full:
        raise UserError(FULL)
    return listing.contact


async def _append(
    tx: Transaction,
    who: StudentKey,
    contact: ContactRecord,
    picks: Sequence[tuple[str, str | None, str]],
    now: datetime,
) -> None:
    """Append ``(category, bank_id, text)`` picks in order, each logged ``question_added``; all
    or none (the list holds at most ``MAX_QUESTIONS``, counted inside the transaction so two
    additions at once cannot overfill it)."""
    present = await count_questions(tx, contact.id)
    if present + len(picks) > MAX_QUESTIONS:
        room = MAX_QUESTIONS - present
        raise UserError(
            f"You can have at most {MAX_QUESTIONS} questions per contact; there's room for "
            f"{room} more, so pick fewer."
            if room > 0
            else FULL
        )
    for category, bank_id, text in picks:
        await add_question(tx, contact.id, category, text, bank_id)
        await log_event(
            tx,
            who,
            "question_added",
            now,
            contact_id=contact.id,
            payload={"category": category, "bank_id": bank_id},
        )
    await touch_contact(tx, contact.id, now)


async def add_bank_questions(
    ctx: ActionContext,
    who: StudentKey,
    contact_id: int,
    category: str,
    bank_ids: Sequence[str],
) -> QuestionsAdded:
    """Add the picked bank questions of ``category`` that are not on the list yet, in the
    order picked (``question_added`` each)."""
    bank = {q.id: q for q in tiara_bank(ctx, category)}
    picked = list(dict.fromkeys(bank_ids))
    if not picked or any(value not in bank for value in picked):
        raise UserError(NOT_IN_BANK)
    listing = await question_list(ctx, who, contact_id)
    new = [bank[value] for value in picked if value not in listing.bank_ids]
    if new:
        now = ctx.clock.now()
        async with student_transaction(ctx, who, now) as tx:
            await _append(tx, who, listing.contact, [(q.category, q.id, q.text) for q in new], now)
            # "at least 3 questions" may finish the preparation: its reminder is re-planned
            await ctx.planner.replan_contact(tx, listing.contact.id, now)
            questions = await list_questions(tx, listing.contact.id)
        listing = QuestionList(listing.contact, tuple(questions))
    return QuestionsAdded(listing, len(new), len(picked) - len(new))


async def add_own_question(
    ctx: ActionContext, who: StudentKey, contact_id: int, text: str
) -> QuestionList:
    """Add a question the student wrote (spaces and line breaks squashed; ``question_added``
    with category ``own``)."""
    question = clean_text(" ".join(text.split()), "question", max_length=MAX_QUESTION_TEXT)
    contact = await owned_contact(ctx, who, contact_id)
    now = ctx.clock.now()
    async with student_transaction(ctx, who, now) as tx:
        await _append(tx, who, contact, [(OWN, None, question)], now)
        await ctx.planner.replan_contact(tx, contact.id, now)
        questions = await list_questions(tx, contact.id)
    return QuestionList(contact, tuple(questions))


async def remove_questions(
    ctx: ActionContext, who: StudentKey, contact_id: int, question_ids: Sequence[int]
) -> QuestionsRemoved:
    """Take the picked questions off the list (``question_removed`` each); the others keep
    their order. Ids no longer on this contact's list (already removed, or never its own) are
    skipped."""
    ids = list(dict.fromkeys(question_ids))
    if not ids:
        raise UserError(PICK_TO_REMOVE)
    contact = await owned_contact(ctx, who, contact_id)
    now = ctx.clock.now()
    removed = 0
    async with student_transaction(ctx, who, now) as tx:
        for question_id in ids:
            question = await take_question(tx, contact.id, question_id)
            if question is None:
                continue
            removed += 1
            await log_event(
                tx,
                who,
                "question_removed",
                now,
                contact_id=contact.id,
                payload={"category": question.category, "bank_id": question.bank_id},
            )
        if removed:
            await touch_contact(tx, contact.id, now)
            await ctx.planner.replan_contact(tx, contact.id, now)
        questions = await list_questions(tx, contact.id)
    return QuestionsRemoved(QuestionList(contact, tuple(questions)), removed)


# --- stars: up to three questions the student most wants to ask (the 1-hour reminder shows them)


def find_question(listing: QuestionList, value: str) -> Question:
    """The question ``value`` names on the list: ``q<id>`` (what the autocomplete and the
    builder's menu send), its number as the list shows it (``2``), or words of its text that
    only it contains."""
    text = value.strip()
    questions = listing.questions
    ref = QUESTION_REF.fullmatch(text)
    if ref is not None:
        found = next((q for q in questions if q.id == int(ref[1])), None)
    elif (digits := text.removeprefix("#")).isascii() and digits.isdigit() and len(digits) <= 2:
        number = int(digits)
        found = questions[number - 1] if 1 <= number <= len(questions) else None
    else:
        words = " ".join(text.split()).casefold()
        matches = [q for q in questions if words and words in q.text.casefold()]
        found = matches[0] if len(matches) == 1 else None
    if found is None:
        raise UserError(QUESTION_GONE)
    return found


async def _star(
    ctx: ActionContext, who: StudentKey, contact_id: int, value: str, starred: bool | None
) -> StarChanged:
    """Star (``starred`` True), unstar (False) or toggle (None) the question ``value`` names
    (see :func:`find_question`); ``question_starred`` / ``question_unstarred``. At most
    ``MAX_STARS`` per contact, counted again inside the transaction so two stars at once
    cannot make four."""
    listing = await question_list(ctx, who, contact_id)
    question = find_question(listing, value)
    want = not question.starred if starred is None else starred
    if want == question.starred:
        return StarChanged(listing, question, changed=False)
    if want and len(listing.starred) >= MAX_STARS:
        raise UserError(STARS_FULL)
    contact = listing.contact
    now = ctx.clock.now()
    async with student_transaction(ctx, who, now) as tx:
        if want and sum(q.starred for q in await list_questions(tx, contact.id)) >= MAX_STARS:
            raise UserError(STARS_FULL)
        updated = await set_starred(tx, contact.id, question.id, now if want else None)
        if updated is None:  # removed since it was read
            raise UserError(QUESTION_GONE)
        await log_event(
            tx,
            who,
            "question_starred" if want else "question_unstarred",
            now,
            contact_id=contact.id,
            payload={"category": question.category, "bank_id": question.bank_id},
        )
        await touch_contact(tx, contact.id, now)
        # Nothing planned depends on the stars: the 1-hour reminder reads them when it goes out.
        questions = await list_questions(tx, contact.id)
    return StarChanged(QuestionList(contact, tuple(questions)), updated, changed=True)


async def star_question(
    ctx: ActionContext, who: StudentKey, contact_id: int, question: str
) -> StarChanged:
    """Star one of the contact's questions (at most ``MAX_STARS``; a fourth is refused, saying
    how to unstar one); starring a starred question changes nothing."""
    return await _star(ctx, who, contact_id, question, True)


async def unstar_question(
    ctx: ActionContext, who: StudentKey, contact_id: int, question: str
) -> StarChanged:
    """Take the star off one of the contact's questions (nothing if it has none)."""
    return await _star(ctx, who, contact_id, question, False)


async def toggle_star(
    ctx: ActionContext, who: StudentKey, contact_id: int, question: str
) -> StarChanged:
    """Star the question if it has no star, else unstar it (the builder's ⭐ menu)."""
    return await _star(ctx, who, contact_id, question, None)


async def suggest_questions(
    ctx: ActionContext, who: StudentKey, contact: str, typed: str, *, starred: bool | None = None
) -> list[tuple[int, Question]]:
    """For autocomplete: the questions of the contact ``contact`` names (as the contact option
    sends it), numbered as the list shows them, whose number or text matches ``typed``; only
    the starred (True) or unstarred (False) ones when asked. Empty if there is no such contact."""
    try:
        record = await resolve_contact(ctx, who, contact)
    except UserError:
        return []
    words = " ".join(typed.split()).casefold().removeprefix("#")
    return [
        (n, q)
        for n, q in enumerate(await list_questions(ctx.db, record.id), start=1)
        if (starred is None or q.starred == starred)
        and (not words or words == str(n) or words in q.text.casefold())
    ]
