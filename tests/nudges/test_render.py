"""The texts of nudge DMs (pure functions, no Discord)."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.discord_limits import MESSAGE_LIMIT
from bot.domain.contacts import Stage
from bot.domain.nudge_plan import NudgeKind
from bot.domain.stalls import digest_contents
from bot.nudges.render import contact_nudge_text, days_in_words, digest_text
from bot.storage.contacts import ContactRecord
from bot.storage.delivery import ReminderQuestion

NOW = datetime(2026, 11, 27, 19, 0, tzinfo=UTC)
ADA = ContactRecord(
    id=1,
    guild_id=10,
    user_id=1,
    person="Ada",
    organization="Acme",
    role=None,
    connection=None,
    stage=Stage.THANKED,
    referred_by=None,
    created_at=NOW,
    updated_at=NOW,
    requested_at=None,
    requested_tz=None,
    request_time_known=None,
    count_from=None,
    second_contact_on=None,
    follow_up_on=None,
    replied_at=None,
    replied_on=None,
    reply_class=None,
    met_at=NOW,
)


@pytest.mark.parametrize(
    ("days", "words"),
    [
        (7, "a week"),
        (10, "10 days"),
        (14, "two weeks"),
        (21, "three weeks"),
        (28, "four weeks"),
        (29, "29 days"),
        (30, "a month"),
    ],
)
def test_days_in_words(days: int, words: str):
    assert days_in_words(days) == words


@pytest.mark.parametrize(
    ("days", "opening"),
    [
        (7, "📣 About a week since you met **Ada** (Acme)."),
        (14, "📣 About two weeks since you met **Ada** (Acme)."),
        (20, "📣 About 20 days since you met **Ada** (Acme)."),
        (30, "📣 About a month since you met **Ada** (Acme)."),
    ],
)
def test_the_report_back_nudge_says_the_servers_delay(days: int, opening: str):
    """Regression: it said "About two weeks" whatever staff set report-back-days to."""
    text = contact_nudge_text(NudgeKind.REPORT_BACK, ADA, report_back_days=days)
    assert text == (
        f"{opening} Tell them what you did with their advice. `/followup draft "
        "kind:report-back` gives you a draft (pick Ada): put it in your own words, send it, "
        "then press **Done**."
    )


def test_the_default_delay_is_two_weeks():
    text = contact_nudge_text(NudgeKind.REPORT_BACK, ADA)
    assert text.startswith("📣 About two weeks since you met")


def test_top_questions_lists_the_first_three_in_order():
    questions = [ReminderQuestion(q) for q in ("One?", "Two?", "Three?", "Four?")]
    text = contact_nudge_text(NudgeKind.TOP_QUESTIONS, ADA, questions=questions)
    assert "Your top questions:\n1. One?\n2. Two?\n3. Three?\nListen more" in text
    assert "Four?" not in text
    assert "⭐" not in text


def test_top_questions_marks_the_starred_ones():
    """They come starred first (delivery sorts them); the reminder says which are the
    student's picks, and still lists three."""
    questions = [
        ReminderQuestion("Picked *one*?", starred=True),
        ReminderQuestion("Picked two?", starred=True),
        ReminderQuestion("First on the list?"),
        ReminderQuestion("Second on the list?"),
    ]
    text = contact_nudge_text(NudgeKind.TOP_QUESTIONS, ADA, questions=questions)
    assert (
        "Your top questions (⭐ the ones you starred):\n1. ⭐ Picked \\*one\\*?\n"
        "2. ⭐ Picked two?\n3. First on the list?\nListen more"
    ) in text
    assert "Second on the list?" not in text


# --- issue 10: offering times, referrals by name, telling the referrer, the thank-you window ---

NY = ZoneInfo("America/New_York")
DANA = dataclasses.replace(
    ADA,
    id=2,
    person="Dana",
    organization="Contoso",
    stage=Stage.REPLIED,
    replied_at=datetime(2026, 12, 1, 15, 0, tzinfo=UTC),
    met_at=None,
)


def ts(instant: datetime, style: str) -> str:
    return f"<t:{int(instant.timestamp())}:{style}>"


def test_schedule_asks_for_two_or_three_times_with_the_servers_length():
    text = contact_nudge_text(NudgeKind.SCHEDULE, DANA, meeting_minutes=30)
    assert text == (
        "📆 **Dana** (Contoso) replied: offer two or three times that suit you, in their time "
        "zone too, for a 30-minute conversation (for example two mornings and an afternoon in "
        "the next week). Once you agree on one, press **Schedule the meeting**."
    )


def test_schedule_again_says_when_they_replied():
    text = contact_nudge_text(NudgeKind.SCHEDULE_AGAIN, DANA)
    assert text.startswith(
        f"📆 Still no meeting with **Dana** (Contoso), who replied {ts(DANA.replied_at, 'R')}. "
        "Don't let it go cold: answer today with two or three times"
    )
    assert "press **Schedule the meeting** for the one they pick" in text


@dataclasses.dataclass(frozen=True)
class Person:
    person: str
    organization: str
    stage: Stage = Stage.PLANNED


def test_referrals_names_each_one_not_yet_contacted():
    referrals = [
        Person("Priya Shah", "Fabrikam"),
        Person("Lee", "Initech", Stage.REQUESTED),  # already contacted: not named
        Person("Tom Ruiz", "Contoso"),
    ]
    text = contact_nudge_text(NudgeKind.REFERRALS, DANA, referrals=referrals)
    assert text == (
        "🤝 **Dana** (Contoso) suggested **Priya Shah** (Fabrikam) and **Tom Ruiz** (Contoso): "
        "reach out to them now (they're already in your contacts). Name Dana in your first "
        "line (“Dana suggested I contact you”), check your draft with `/request check-email`, "
        "and press **I reached out to …** for each one you write to. Then let Dana know you did."
    )


def test_referrals_escape_names_and_count_past_five():
    referrals = [Person(f"P_{n}*", "Org") for n in range(7)]
    text = contact_nudge_text(NudgeKind.REFERRALS, DANA, referrals=referrals)
    assert "**P\\_0\\*** (Org), " in text
    assert "**P\\_4\\*** (Org) and 2 more: reach out" in text
    assert "P\\_5" not in text
    # Read at delivery without referrals (none left): a general reminder, no names.
    assert "suggested people to talk to" in contact_nudge_text(NudgeKind.REFERRALS, DANA)


def test_tell_referrer_names_both():
    priya = dataclasses.replace(DANA, person="Priya Shah", organization="Fabrikam")
    text = contact_nudge_text(
        NudgeKind.TELL_REFERRER, priya, referrer=Person("Dana", "Contoso", Stage.THANKED)
    )
    assert text == (
        "📨 Let **Dana** (Contoso) know you reached out to **Priya Shah** (Fabrikam). Two "
        "lines are enough (“I've written to Priya Shah, thank you again for suggesting "
        "them”): it keeps Dana in the loop and glad they helped. Then press **I told them**."
    )
    nobody = contact_nudge_text(NudgeKind.TELL_REFERRER, priya)
    assert "let the person who suggested them know" in nobody


# Met 15:00–15:30 New York on Thursday 10 December, logged at 16:00: the window ends Friday 15:30.
MET_DANA = dataclasses.replace(
    DANA,
    stage=Stage.MET,
    meeting_at=datetime(2026, 12, 10, 15, 0, tzinfo=NY),
    meeting_minutes=30,
    met_at=datetime(2026, 12, 10, 16, 0, tzinfo=NY),
)
END = datetime(2026, 12, 10, 15, 30, tzinfo=NY)
DEADLINE = datetime(2026, 12, 11, 15, 30, tzinfo=NY)


def test_thank_you_says_how_long_is_left():
    now = datetime(2026, 12, 10, 18, 30, tzinfo=NY)
    text = contact_nudge_text(NudgeKind.THANK_YOU, MET_DANA, now=now, zone=NY)
    assert text == (
        f"🙏 You met **Dana** (Contoso) {ts(END, 'R')}: send your thank-you while it's fresh. "
        f"You have until about {ts(DEADLINE, 't')} tomorrow ({ts(DEADLINE, 'R')}). Name one "
        "specific takeaway (`/followup thank-you` drafts it), send it, then press "
        "**I sent the thank-you**."
    )


def test_the_last_call_says_today():
    now = datetime(2026, 12, 11, 11, 30, tzinfo=NY)
    text = contact_nudge_text(NudgeKind.THANK_YOU_AGAIN, MET_DANA, now=now, zone=NY)
    assert text.startswith(
        "⏳ Last call for your thank-you to **Dana** (Contoso): the 24 hours after your meeting "
        f"end at about {ts(DEADLINE, 't')} today ({ts(DEADLINE, 'R')})."
    )


def test_a_thank_you_reminder_delivered_after_the_window_says_so():
    text = contact_nudge_text(NudgeKind.THANK_YOU, MET_DANA, now=DEADLINE, zone=NY)
    assert text == (
        "🙏 Your thank-you to **Dana** (Contoso) isn't logged yet, and the 24 hours since your "
        "meeting have passed. A late thank-you is still far better than none: send it today, "
        "naming one specific takeaway (`/followup thank-you` drafts it), then press "
        "**I sent the thank-you**."
    )


def test_the_late_second_thank_you_reminder_differs_from_the_first():
    """Regression: both late reminders said the same words and named a "Done" button the
    message does not have."""
    two_days = END + timedelta(days=2, hours=1)
    first = contact_nudge_text(NudgeKind.THANK_YOU, MET_DANA, now=two_days, zone=NY)
    second = contact_nudge_text(NudgeKind.THANK_YOU_AGAIN, MET_DANA, now=two_days, zone=NY)
    assert second != first
    assert second == (
        "🙏 It's been 2 days since you met **Dana** (Contoso), and your thank-you isn't logged "
        "yet. A late thank-you is still much better than none: three or four sentences naming "
        "one thing you have done or will do with their advice (`/followup thank-you` drafts "
        "it). Send it today, then press **I sent the thank-you**."
    )
    just_late = contact_nudge_text(NudgeKind.THANK_YOU_AGAIN, MET_DANA, now=DEADLINE, zone=NY)
    assert just_late.startswith("🙏 It's been more than a day since you met **Dana**")


def _button_labels(kind: NudgeKind) -> set[str]:
    from bot.nudges.buttons import _FIXED, LAYOUTS, _label, referral_labels
    from bot.nudges.render import ADD_ANOTHER

    labels = {_label(kind, action) or _FIXED[action][1] for action in LAYOUTS[kind]}
    if "add" in LAYOUTS[kind]:
        labels.add(ADD_ANOTHER)  # a later person's 3B reminder names its button so
    if "refs" in LAYOUTS[kind]:  # with one referral left, the button names them
        labels |= set(referral_labels([Person("Priya Shah", "Fabrikam")]).values())
    return labels


def _every_reminder_text(kind: NudgeKind) -> list[str]:
    """The kind's texts in each state the renderer distinguishes."""
    if kind is NudgeKind.DIGEST:
        return []
    asked = {NudgeKind.SECOND_CONTACT, NudgeKind.FOLLOW_UP, NudgeKind.CLOSE_NO_REPLY}
    base = REQ_DANA if kind in asked else MET_DANA
    texts = []
    for now in (None, END + timedelta(hours=3), END + timedelta(hours=20), END + timedelta(days=2)):
        texts.append(contact_nudge_text(kind, base, now=now, zone=NY))
    later = dataclasses.replace(REQ_DANA, id=8, person="Ben", asked_before="Dana")
    ben = _colleague(6, "Ben", Stage.PLANNED)
    texts += [
        contact_nudge_text(kind, base, outlook=_outlook(ben)),
        contact_nudge_text(kind, later, outlook=_outlook(next_employer=None)),
        contact_nudge_text(
            kind,
            base,
            referrer=Person("Eve", "Acme", Stage.THANKED),
            referrals=[Person("Priya Shah", "Fabrikam")],
        ),
    ]
    return texts


@pytest.mark.parametrize("kind", list(NudgeKind))
def test_every_button_a_reminder_names_is_on_that_reminder(kind: NudgeKind):
    labels = _button_labels(kind)
    for text in _every_reminder_text(kind):
        for named in re.findall(r"press \*\*(.+?)\*\*", text):
            assert named in labels, (kind, named, labels, text)


# --- the digest ---------------------------------------------------------------------------


def test_the_digest_lists_stalls_with_what_to_do_then_overdue_and_due():
    now = datetime(2026, 12, 21, 9, 0, tzinfo=NY)
    replied = dataclasses.replace(DANA, id=1, replied_on=date(2026, 12, 7))
    sam = dataclasses.replace(
        ADA,
        id=10,
        person="Sam",
        organization="Globex",
        stage=Stage.THANKED,
        met_at=datetime(2026, 12, 11, 15, 0, tzinfo=NY),
        thanked_at=datetime(2026, 12, 11, 20, 0, tzinfo=NY),
    )
    priya = dataclasses.replace(
        ADA,
        id=12,
        person="Priya Shah",
        organization="Fabrikam",
        stage=Stage.PLANNED,
        referred_by=10,
        met_at=None,
    )
    tom = dataclasses.replace(
        priya,
        id=11,
        person="Tom Ruiz",
        organization="Contoso",
        stage=Stage.REQUESTED,
        requested_at=datetime(2026, 12, 14, 10, 0, tzinfo=NY),
        second_contact_on=date(2026, 12, 17),
        follow_up_on=date(2026, 12, 23),
    )
    contents = digest_contents([replied, sam, priya, tom], now, NY)
    text = digest_text(contents)
    day7, report_day = datetime(2026, 12, 23, tzinfo=NY), datetime(2026, 12, 25, tzinfo=NY)
    assert text.splitlines() == [
        "🗒️ **Your weekly InfoCoach digest**",
        "",
        "**Stalled: get these moving again**",
        f"• **Dana** (Contoso) replied {ts(replied.replied_at, 'R')} and no meeting is set: "
        "offer two or three times that suit you (in their time zone too), then log the one "
        "they pick with `/prepare schedule`.",
        f"• **Tom Ruiz** (Contoso): you reached out {ts(tom.requested_at, 'R')}; let **Sam** "
        "(Globex) know you did, then log it with `/followup told-referrer`.",
        "• **Sam** (Globex) suggested **Priya Shah** (Fabrikam), not contacted yet: reach out "
        "to them, naming Sam in your first line, and log each with `/request sent`.",
        "",
        "**Due this week**",
        "• **Tom Ruiz** (Contoso): No reply yet: contact a second person at Contoso now; if Tom "
        f"Ruiz still hasn't replied by then, send one short follow-up ({ts(day7, 'D')})",
        "• **Sam** (Globex): Report back to Sam on what you did with their advice "
        f"({ts(report_day, 'D')})",
    ]


def test_a_long_digest_counts_what_it_leaves_out():
    now = datetime(2026, 12, 21, 9, 0, tzinfo=NY)
    many = [
        dataclasses.replace(DANA, id=n, person=f"Person number {n:03}" + "x" * 40)
        for n in range(40)
    ]
    text = digest_text(digest_contents(many, now, NY))
    assert len(text) <= MESSAGE_LIMIT - 200
    shown = text.count("• ")
    assert 0 < shown < 40
    assert text.endswith(f"…and {40 - shown} more: see `/progress` in the server.")


# --- issue 11: the 3B reminder names the employer and who is there -----------------------------

REQ_DANA = dataclasses.replace(
    ADA,
    id=5,
    person="Dana",
    organization="Contoso Energy",
    stage=Stage.REQUESTED,
    requested_at=NOW,
    second_contact_on=date(2026, 12, 3),
    follow_up_on=date(2026, 12, 9),
    met_at=None,
    employer_id=7,
)


def _outlook(*colleagues: ContactRecord, next_employer: str | None = "Fabrikam"):
    from bot.actions.employers import EmployerOutlook

    return EmployerOutlook("Contoso Energy", tuple(colleagues), next_employer)


def _colleague(cid: int, person: str, stage: Stage, **changes: object) -> ContactRecord:
    return dataclasses.replace(
        REQ_DANA, id=cid, person=person, stage=stage, requested_at=None, **changes
    )


def test_the_first_persons_3b_reminder_names_the_employer_and_who_is_there():
    text = contact_nudge_text(NudgeKind.SECOND_CONTACT, REQ_DANA, outlook=_outlook())
    assert text == (
        "📬 3 business days and no reply from **Dana** (Contoso Energy). Contact a second "
        "person at Contoso Energy now — you have Dana there so far. Look for an alum or "
        "someone in a similar role, press **Add the second person** to add them, then send "
        "them your short email. If Dana still hasn't replied by Wednesday 9 December 2026, "
        "I'll remind you to send one short follow-up."
    )


def test_the_3b_reminder_promises_no_follow_up_reminder_once_one_is_logged():
    followed = dataclasses.replace(REQ_DANA, followed_up_at=NOW)
    text = contact_nudge_text(NudgeKind.SECOND_CONTACT, followed, outlook=_outlook())
    assert "I'll remind you to send one short follow-up" not in text
    assert text.endswith(
        "You already logged your one follow-up to Dana: the method sends no other."
    )


def test_the_3b_reminder_points_at_someone_there_not_asked_yet():
    ben = _colleague(6, "Ben", Stage.PLANNED)
    eve = _colleague(4, "Eve", Stage.CLOSED)
    text = contact_nudge_text(NudgeKind.SECOND_CONTACT, REQ_DANA, outlook=_outlook(eve, ben))
    assert text == (
        "📬 3 business days and no reply from **Dana** (Contoso Energy). Contact a second "
        "person at Contoso Energy now — you have Dana, Eve (closed) and Ben (not asked yet) "
        "there so far. Write to **Ben** now and log it with `/request sent`, or press **Add "
        "the second person** to add someone else there. If Dana still hasn't replied by "
        "Wednesday 9 December 2026, I'll remind you to send one short follow-up."
    )


def test_a_later_persons_3b_reminder_suggests_the_next_person_or_employer():
    ben = dataclasses.replace(REQ_DANA, id=8, person="Ben", asked_before="Dana")
    dana = dataclasses.replace(REQ_DANA, second_person="Ben")
    cleo = _colleague(9, "Cleo", Stage.PLANNED)
    text = contact_nudge_text(NudgeKind.SECOND_CONTACT, ben, outlook=_outlook(dana, cleo))
    assert text == (
        "📬 No reply from **Ben** (Contoso Energy) either after 3 business days. Try "
        "**Cleo** at Contoso Energy, who is on your list and not asked yet, or move on to "
        "**Fabrikam**, next in your top five: send a short email and log it with "
        "`/request sent`. If Ben still hasn't replied by Wednesday 9 December 2026, I'll "
        "remind you to send one short follow-up."
    )
    alone = contact_nudge_text(
        NudgeKind.SECOND_CONTACT, ben, outlook=_outlook(dana, next_employer=None)
    )
    assert alone == (
        "📬 No reply from **Ben** (Contoso Energy) either after 3 business days. Try a third "
        "person at Contoso Energy (press **Add another person**), or move on to the next "
        "employer on your list (`/employers list`): send a short email and log it with "
        "`/request sent`. If Ben still hasn't replied by Wednesday 9 December 2026, I'll "
        "remind you to send one short follow-up."
    )
    assert "second person" not in text + alone


def test_a_later_persons_3b_reminder_when_someone_there_already_replied():
    ben = dataclasses.replace(REQ_DANA, id=8, person="Ben", asked_before="Dana")
    dana = dataclasses.replace(REQ_DANA, stage=Stage.SCHEDULED)
    text = contact_nudge_text(NudgeKind.SECOND_CONTACT, ben, outlook=_outlook(dana))
    assert text == (
        "📬 3 business days and no reply from **Ben** (Contoso Energy). You're already "
        "talking with **Dana** at Contoso Energy, so no one else is needed there: move on to "
        "**Fabrikam**, next in your top five. Find someone there, add them with `/request new`, "
        "and log your email with `/request sent` once it's out. If Ben still hasn't replied "
        "by Wednesday 9 December 2026, I'll remind you to send one "
        "short follow-up."
    )


# --- a stall that lasts: the method's last word, not the same line every week ------------------


def test_a_three_week_stall_gets_the_check_in_or_move_on_advice():
    """Regression: a contact who replied and never got a meeting was listed with the same
    "offer two or three times" line in every digest for 12 weeks."""
    now = datetime(2026, 12, 28, 9, 0, tzinfo=NY)
    fresh = dataclasses.replace(DANA, id=1, replied_on=date(2026, 12, 21))
    old = dataclasses.replace(DANA, id=2, person="Omar", replied_on=date(2026, 12, 1))
    lines = digest_text(digest_contents([fresh, old], now, NY)).splitlines()
    (omar,) = [line for line in lines if "**Omar**" in line]
    assert "still no meeting is set" in omar
    assert "one short check-in" in omar
    assert "close it (`/followup close`) and move on to the next employer" in omar
    (dana,) = [line for line in lines if "**Dana**" in line]
    assert "offer two or three times" in dana
    assert "`/followup close`" not in dana


@pytest.mark.parametrize(
    ("now", "opening"),
    [
        (datetime(2026, 12, 7, 15, 0, tzinfo=UTC), "📅 Tomorrow you meet"),  # Mon 10:00 NY
        # Held by quiet hours into the meeting day: it must not say "Tomorrow".
        (datetime(2026, 12, 8, 12, 0, tzinfo=UTC), "📅 Today you meet"),  # Tue 07:00 NY
    ],
)
def test_the_confirmation_says_which_day_the_meeting_is(now: datetime, opening: str):
    meeting = dataclasses.replace(
        ADA, stage=Stage.SCHEDULED, meeting_at=datetime(2026, 12, 8, 15, 0, tzinfo=UTC)
    )
    text = contact_nudge_text(
        NudgeKind.CONFIRM, meeting, now=now, zone=ZoneInfo("America/New_York")
    )
    assert text.startswith(opening)
