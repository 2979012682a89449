"""The LAMP rules: names compared without case or extra spaces, the order, the active five with
pins and exhausted employers, how the five moves, the 3B7 state at an employer, and reading a
pasted list."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.contacts import Stage
from bot.domain.employers import (
    ContactAtEmployer,
    FiveChange,
    ImportLine,
    Outreach,
    OutreachState,
    ScoreError,
    Scores,
    Standing,
    active_five,
    board_order,
    check_motivation,
    check_posting,
    five_change,
    furthest_stage,
    name_key,
    outreach_state,
    parse_import,
    plan_import,
    ranked,
    scores_text,
)


def employer(
    id: int,
    name: str,
    a: bool | None = None,
    m: int | None = None,
    p: int | None = None,
    **extra: object,
) -> Standing:
    return Standing(id, name, Scores(a, m, p), **extra)  # type: ignore[arg-type]


# --- names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "other",
    [
        "contoso energy",
        "CONTOSO ENERGY",
        "  Contoso   Energy ",
        "Contoso\tEnergy",
        "Contoso\u00a0Energy",
    ],
)
def test_names_match_without_case_or_extra_whitespace(other: str):
    assert name_key(other) == name_key("Contoso Energy") == "contoso energy"


def test_non_ascii_case_is_folded_too():
    assert name_key("ÉCOLE Straße") == name_key("école STRASSE")


def test_different_names_differ():
    assert name_key("Contoso Energy") != name_key("Contoso Energies")
    assert name_key("ContosoEnergy") != name_key("Contoso Energy")


# --- scores ------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, 1, 2, 3, None])
def test_motivation_0_to_3(value: int | None):
    assert check_motivation(value) == value


@pytest.mark.parametrize("value", [-1, 4, 10])
def test_motivation_outside_its_range_is_refused_naming_the_range(value: int):
    with pytest.raises(ScoreError, match=rf"Motivation is 0 to 3 .*; {value} is outside"):
        check_motivation(value)


@pytest.mark.parametrize("value", [0, 4, -3])
def test_posting_outside_1_to_3_is_refused_naming_the_range(value: int):
    with pytest.raises(ScoreError, match=rf"Posting is 1 to 3 .*; {value} is outside"):
        check_posting(value)
    assert check_posting(1) == 1
    assert check_posting(3) == 3


def test_merged_scores_keep_what_is_not_given():
    old = Scores(True, 1, 2)
    assert old.merged(Scores(motivation=3)) == Scores(True, 3, 2)
    assert old.merged(Scores(alumni=False)) == Scores(False, 1, 2)
    assert old.merged(Scores()) == old


def test_scores_text_marks_missing_scores():
    assert scores_text(Scores(True, 3, 2)) == "A yes · M 3 · P 2"
    assert scores_text(Scores(False, 0, None)) == "A no · M 0 · P ?"


# --- order and the active five ----------------------------------------------------------------


def test_sorted_by_motivation_then_posting_then_alumni_then_name():
    employers = [
        employer(1, "Zeta", True, 2, 3),
        employer(2, "Alpha", False, 3, 1),
        employer(3, "beta", False, 3, 2),
        employer(4, "Gamma", True, 3, 2),
        employer(5, "Delta", False, 3, 2),
        employer(6, "Unscored"),
        employer(7, "Low", False, 0, 1),
    ]
    assert [e.name for e in ranked(employers)] == [
        "Gamma",  # M3 P2 A yes
        "beta",  # M3 P2 A no, b < D (case aside)
        "Delta",
        "Alpha",  # M3 P1
        "Zeta",  # M2
        "Low",  # M0
        "Unscored",  # below every scored one
    ]


def test_active_five_are_the_first_five_not_exhausted():
    employers = [employer(i, f"E{i}", m=3 if i < 4 else 1) for i in range(1, 9)]
    assert active_five(employers) == (1, 2, 3, 4, 5)
    employers[1] = employer(2, "E2", m=3, done=True)
    employers[2] = employer(3, "E3", m=3, contacts=2, open_contacts=0)  # every contact closed
    assert active_five(employers) == (1, 4, 5, 6, 7)


def test_an_employer_with_open_contacts_or_none_is_not_exhausted():
    assert not employer(1, "A", contacts=0).exhausted
    assert not employer(1, "A", contacts=3, open_contacts=1).exhausted
    assert employer(1, "A", contacts=3, open_contacts=0).exhausted
    assert employer(1, "A", done=True).exhausted


def test_pinned_employers_join_the_five_and_push_out_the_lowest():
    employers = [employer(i, f"E{i}", m=3) for i in range(1, 7)] + [
        employer(7, "Pinned", m=0, pinned=True)
    ]
    assert active_five(employers) == (1, 2, 3, 4, 7)
    assert [e.id for e in board_order(employers)] == [1, 2, 3, 4, 7, 5, 6]


def test_five_pins_make_the_whole_five_and_exhausted_pins_do_not_count():
    employers = [employer(i, f"E{i}", m=3) for i in range(1, 4)] + [
        employer(10 + i, f"P{i}", m=0, pinned=True) for i in range(5)
    ]
    assert active_five(employers) == (10, 11, 12, 13, 14)
    employers[3] = employer(10, "P0", m=0, pinned=True, contacts=1, open_contacts=0)
    assert active_five(employers) == (1, 11, 12, 13, 14)


def test_board_puts_exhausted_last():
    employers = [
        employer(1, "Done", m=3, done=True),
        employer(2, "A", m=1),
        employer(3, "B", m=2),
    ]
    assert [e.name for e in board_order(employers)] == ["B", "A", "Done"]


def test_five_change_names_who_moved_in_and_out():
    assert five_change((1, 2, 3, 4, 5), (1, 2, 4, 5, 6)) == FiveChange(entered=(6,), left=(3,))
    assert not five_change((1, 2), (1, 2))
    assert five_change((), (7,)) == FiveChange(entered=(7,))


def test_promotion_when_the_first_is_exhausted():
    employers = [employer(i, f"E{i}", m=3, p=4 - i if i < 4 else 1) for i in range(1, 7)]
    before = active_five(employers)
    employers[0] = employer(1, "E1", m=3, p=3, done=True)
    assert five_change(before, active_five(employers)) == FiveChange(entered=(6,), left=(1,))


# --- the 3B7 state at one employer -------------------------------------------------------------

MONDAY = date(2026, 11, 30)


def asked(id: int, person: str, count_from: date = MONDAY, **extra: object) -> ContactAtEmployer:
    # 3B = Thursday 3 December, 7B = Wednesday 9 December for a count from Monday 30 November
    return ContactAtEmployer(
        id,
        person,
        Stage.REQUESTED,
        count_from=count_from,
        second_contact_on=date(2026, 12, 3),
        follow_up_on=date(2026, 12, 9),
        **extra,  # type: ignore[arg-type]
    )


def test_furthest_stage_counts_where_closed_contacts_got_to():
    assert furthest_stage([]) is None
    contacts = [
        ContactAtEmployer(1, "A", Stage.REQUESTED),
        ContactAtEmployer(2, "B", Stage.CLOSED, stage_before_close=Stage.MET),
        ContactAtEmployer(3, "C", Stage.REPLIED),
    ]
    assert furthest_stage(contacts) is Stage.MET
    assert furthest_stage([ContactAtEmployer(4, "D", Stage.CLOSED)]) is Stage.PLANNED


@pytest.mark.parametrize(
    ("contacts", "today", "expected"),
    [
        ([], MONDAY, OutreachState(Outreach.NO_CONTACT)),
        (
            [ContactAtEmployer(1, "Ada", Stage.PLANNED)],
            MONDAY,
            OutreachState(Outreach.NOT_ASKED, "Ada"),
        ),
        (
            [asked(1, "Ada")],
            date(2026, 12, 2),
            OutreachState(Outreach.WAITING, "Ada", date(2026, 12, 3)),
        ),
        (
            [asked(1, "Ada")],
            date(2026, 12, 3),
            OutreachState(Outreach.SECOND_PERSON, "Ada", date(2026, 12, 3)),
        ),
        (
            # Ben is on the list but was there before Ada's request and never asked: Ada's
            # 3B step is not done (the same rule as the reminders)
            [asked(1, "Ada"), ContactAtEmployer(2, "Ben", Stage.PLANNED)],
            date(2026, 12, 4),
            OutreachState(Outreach.SECOND_PERSON, "Ada", date(2026, 12, 3)),
        ),
        (
            [asked(1, "Ada", second_person="Ben"), ContactAtEmployer(2, "Ben", Stage.PLANNED)],
            date(2026, 12, 2),
            OutreachState(Outreach.SECOND_ADDED, "Ada", date(2026, 12, 9), "Ben"),
        ),
        (
            [asked(1, "Ada")],
            date(2026, 12, 9),
            OutreachState(Outreach.FOLLOW_UP, "Ada", date(2026, 12, 9)),
        ),
        (
            [asked(1, "Ada", followed_up=True)],
            date(2026, 12, 10),
            OutreachState(Outreach.FOLLOWED_UP, "Ada"),
        ),
        (
            [asked(1, "Ada"), ContactAtEmployer(2, "Ben", Stage.SCHEDULED)],
            date(2026, 12, 10),
            OutreachState(Outreach.TALKING, "Ben", stage=Stage.SCHEDULED),
        ),
        (
            [ContactAtEmployer(1, "Ada", Stage.CLOSED, stage_before_close=Stage.REQUESTED)],
            MONDAY,
            OutreachState(Outreach.EXHAUSTED),
        ),
    ],
)
def test_outreach_state(contacts: list[ContactAtEmployer], today: date, expected: OutreachState):
    assert outreach_state(contacts, today) == expected


def test_the_state_follows_the_first_person_asked_and_ignores_closed_ones():
    first = asked(5, "Ada", count_from=date(2026, 11, 27))
    later = asked(2, "Ben")  # asked later although added earlier
    closed = ContactAtEmployer(1, "Cy", Stage.CLOSED, stage_before_close=Stage.REQUESTED)
    state = outreach_state([closed, later, first], date(2026, 12, 1))
    assert (state.step, state.person) == (Outreach.WAITING, "Ada")


def test_done_by_the_student_wins():
    assert outreach_state([asked(1, "Ada")], MONDAY, done=True) == OutreachState(Outreach.DONE)


# --- a pasted list -----------------------------------------------------------------------------


def test_import_lines_with_keyed_scores_positions_notes_and_bullets():
    text = (
        "Contoso Energy; A=yes; M=3; P=2\n"
        "\n"
        "  Fabrikam ;m=2\n"
        "Northwind Traders\n"
        "- Tailspin Toys; Alumni: no; Motivation=1; note=Met them at the fair; booth 12\n"
        "Litware\tY\t3\t\n"
        "3. Adventure Works; P=3\n"
    )
    lines = parse_import(text)
    assert [(line.number, line.name, line.scores, line.note) for line in lines] == [
        (1, "Contoso Energy", Scores(True, 3, 2), None),
        (3, "Fabrikam", Scores(None, 2, None), None),
        (4, "Northwind Traders", Scores(), None),
        (5, "Tailspin Toys", Scores(False, 1, None), "Met them at the fair; booth 12"),
        (6, "Litware", Scores(True, 3, None), None),
        (7, "Adventure Works", Scores(None, None, 3), None),
    ]
    assert all(line.error is None for line in lines)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("Contoso; M=5", "Motivation is 0 to 3"),
        ("Contoso; P=0", "Posting is 1 to 3"),
        ("Contoso; P=two", "Posting is 1 to 3"),
        (
            "Contoso; A=maybe",
            "Alumni/Advocacy is yes or no (yes = you have a connection there); you wrote “maybe”",
        ),
        ("Contoso; Q=1", "“Q” isn't a score I know"),
        ("Contoso; M=1; M=2", "M is given twice"),
        ("Contoso; yes; 3; 2; 1", "too many values"),
        ("; M=3", "no employer name"),
        (
            "Stark Industries, 3, 2",
            "not a comma, so I didn't add it. Did you mean “Stark Industries; M=3; P=2”?",
        ),
        ("Stark Industries,yes,3,2", "Did you mean “Stark Industries; A=yes; M=3; P=2”?"),
        ("Stark Industries, M=3, p:2", "Did you mean “Stark Industries; M=3; p=2”?"),
        ("Stark Industries, 3", "Did you mean “Stark Industries; M=3”?"),
        ("Stark Industries, no", "Did you mean “Stark Industries; A=no”?"),
        ("Stark, 3, yes", "Write them with their letters, e.g. “Stark; A=yes; M=3; P=2”."),
        ("Stark, 1, 2, 3, 4; note=x", "Write them with their letters"),
        # Never a guess the importer would refuse: A is yes/no, not 3; keyed and bare mixed.
        ("Stark, 3, 2, 1", "Write them with their letters"),
        ("Stark, 3, M=2", "Write them with their letters"),
        ("Stark, 1, 3, 2", "Did you mean “Stark; A=1; M=3; P=2”?"),
    ],
)
def test_bad_import_lines_say_why(line: str, reason: str):
    (parsed,) = parse_import(line)
    assert parsed.name is None
    assert parsed.error is not None
    assert reason in parsed.error


@pytest.mark.parametrize("name", ["Acme, Inc.", "Studio 54", "Bain, Capital & Co", "3M, Europe"])
def test_commas_inside_a_name_are_kept(name: str):
    (parsed,) = parse_import(f"{name}; M=2")
    assert (parsed.name, parsed.scores, parsed.error) == (name, Scores(None, 2, None), None)


def test_a_header_row_first_is_skipped():
    lines = parse_import("Employer\tAlumni\tMotivation\tPosting\nContoso\tyes\t3\t2")
    assert lines[0].header
    assert lines[0].name is None
    assert lines[1].name == "Contoso"
    assert lines[1].scores == Scores(True, 3, 2)
    # a one-word employer called "Company" later on is a name
    assert parse_import("Contoso\nCompany; M=1")[1].name == "Company"


def test_plan_refuses_duplicates_of_the_list_and_of_earlier_lines_and_past_the_room():
    lines = parse_import("Contoso\nfabrikam  inc\nFABRIKAM INC\nNorthwind\nLitware\nTailspin")
    plan = plan_import(lines, {"contoso": "Contoso"}, room=2)
    assert [line.name for line in plan.add] == ["fabrikam inc", "Northwind"]
    assert [(line.number, line.error) for line in plan.refused] == [
        (1, "you already have “Contoso” on your list"),
        (3, "the same employer as line 2"),
        (5, "you have reached the most employers one student may keep (200)"),
        (6, "you have reached the most employers one student may keep (200)"),
    ]


def test_plan_keeps_parse_errors_and_skips_headers():
    lines = [
        ImportLine(1, "Name; M", header=True),
        ImportLine(2, "X; M=9", error="Motivation is 0 to 3"),
        ImportLine(3, "Y", name="Y"),
    ]
    plan = plan_import(lines, {}, room=10)
    assert plan.skipped == [lines[0]]
    assert plan.refused == [lines[1]]
    assert plan.add == [lines[2]]
