"""The shipped content loads; malformed content fails with a message naming file and item."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.config import DEFAULT_DATA_DIR
from bot.content import PHASES, ContentError, load_checklist, load_content, load_glossary
from bot.domain.auto_ticks import DoneBy
from bot.domain.email_check import check_email


def test_shipped_content_is_valid():
    content = load_content(DEFAULT_DATA_DIR)
    assert list(content.checklists) == list(PHASES)
    for checklist in content.checklists.values():
        assert 5 <= len(checklist.items) <= 15
    assert content.email_rules.word_limit == 100
    assert "cv" in content.email_rules.job_words
    assert "alumni" in content.email_rules.connection_words
    assert "a position on your team" in content.email_rules.narrow_interest_phrases
    assert "at your convenience" in content.email_rules.passive_follow_up_phrases


def test_checklist_texts_have_no_markup_that_would_show_literally():
    """Item texts and why-lines are escaped when shown (they are plain text, also in staff
    edits), so a backtick or asterisk in the shipped files would show as a stray character."""
    content = load_content(DEFAULT_DATA_DIR)
    for checklist in content.checklists.values():
        for item in checklist.items:
            for text in (item.text, item.why or ""):
                for markup in ("`", "**", "__", "~~", "||"):
                    assert markup not in text, (checklist.phase, item.id, text)


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("3-b-7", "3b7"),
        ("5 point email", "five-point-email"),
        ("TIARA", "tiara"),
        ("Top-Five", "top-five"),
    ],
)
def test_help_topics_are_found_ignoring_case_hyphens_and_spaces(typed: str, found: str):
    entry = load_content(DEFAULT_DATA_DIR).topic(typed)
    assert entry is not None
    assert entry.id == found


def test_a_mistyped_topic_finds_the_closest_within_the_cutoff():
    content = load_content(DEFAULT_DATA_DIR)
    assert content.topic("tiarra") is None
    nearest = content.closest_topic("tiarra")
    assert nearest is not None
    assert nearest.id == "tiara"
    closest_lamp = content.closest_topic("lmap")
    assert closest_lamp is not None
    assert closest_lamp.id == "lamp"
    assert content.closest_topic("xyz") is None
    assert content.closest_topic("salary") is None
    assert content.closest_topic("") is None


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "request.toml"
    path.write_text(body, encoding="utf-8")
    return path


HEADER = 'phase = "request"\ntitle = "Making a request"\n'


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            HEADER + '[[items]]\nid = "a"\ntext = "x"\n[[items]]\nid = "a"\ntext = "y"\n',
            "item 2 (id “a”): the id is used twice",
        ),
        (
            HEADER + '[[items]]\nid = "a"\ntext = "  "\n',
            "item 1 (id “a”): “text” must be non-empty",
        ),
        (HEADER + '[[items]]\nid = "Bad Id"\ntext = "x"\n', "item 1: id 'Bad Id'"),
        ('phase = "dance"\ntitle = "t"\n[[items]]\nid = "a"\ntext = "x"\n', "phase must be one of"),
        (HEADER + '[[items]]\nid = "a"\ntext = "x"\ncolour = "red"\n', "unknown key(s) colour"),
        (HEADER + '[[items]]\nid = "a"\ntext = "' + "x" * 201 + '"\n', "201 characters"),
        (HEADER, "at least one [[items]]"),
        ("phase = ", "not valid TOML"),
        (
            HEADER + '[[items]]\nid = "a"\ntext = "x"\ndone_by = "sent"\n',
            "item 1 (id “a”): done_by 'sent' is not an action the bot knows; use one of "
            "email_checked, request_sent,",
        ),
        (
            HEADER + '[[items]]\nid = "a"\ntext = "x"\ndone_by = 3\n',
            "item 1 (id “a”): done_by 3 is not an action",
        ),
        (
            HEADER + '[[items]]\nid = "a"\ntext = "x"\nbefore_meeting = false\n',
            "item 1 (id “a”): before_meeting applies only to the prepare checklist",
        ),
    ],
)
def test_malformed_checklists(tmp_path: Path, body: str, message: str):
    path = _write(tmp_path, body)
    with pytest.raises(ContentError) as info:
        load_checklist(path)
    assert str(path) in str(info.value)
    assert message in str(info.value)


def test_missing_file_and_mismatched_phase(tmp_path: Path):
    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, data, ignore=shutil.ignore_patterns("*.sqlite3*"))
    (data / "checklists" / "followup.toml").unlink()
    with pytest.raises(ContentError, match=r"followup\.toml: file is missing"):
        load_content(data)
    shutil.copy(data / "checklists" / "prepare.toml", data / "checklists" / "followup.toml")
    with pytest.raises(ContentError, match="says phase 'prepare'"):
        load_content(data)


def test_email_rules_are_validated(tmp_path: Path):
    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, data, ignore=shutil.ignore_patterns("*.sqlite3*"))
    (data / "outreach_email.toml").write_text("word_limit = 0\n", encoding="utf-8")
    with pytest.raises(ContentError, match="word_limit must be a whole number"):
        load_content(data)
    (data / "outreach_email.toml").write_text("job_words = []\n", encoding="utf-8")
    with pytest.raises(ContentError, match="job_words must be a non-empty list"):
        load_content(data)


_LISTS = (
    'job_words = ["job"]\nconnection_words = ["alum"]\n'
    'narrow_interest_phrases = ["a role as"]\npassive_follow_up_phrases = ["at your convenience"]\n'
)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            _LISTS.replace('narrow_interest_phrases = ["a role as"]\n', ""),
            "narrow_interest_phrases must be a non-empty list of words",
        ),
        (
            _LISTS.replace('["at your convenience"]', "[]"),
            "passive_follow_up_phrases must be a non-empty list of words",
        ),
        (
            _LISTS.replace('["at your convenience"]', '["at your convenience", ""]'),
            "passive_follow_up_phrases contains an empty or non-text entry",
        ),
        (
            _LISTS.replace('["a role as"]', '["A role  as", "a role as"]'),
            "narrow_interest_phrases lists “a role as” twice",
        ),
        (
            _LISTS.replace('["at your convenience"]', '["don’t hesitate", "DON\'T HESITATE"]'),
            "passive_follow_up_phrases lists “DON'T HESITATE” twice",
        ),
        (
            _LISTS.replace('["a role as"]', '["—"]'),
            "narrow_interest_phrases: “—” has no letters or digits to match",
        ),
        (
            _LISTS + 'pasive_follow_up_phrases = ["x"]\n',
            "unknown setting(s) 'pasive_follow_up_phrases'; the settings are connection_window,",
        ),
    ],
)
def test_email_phrase_lists_are_validated(tmp_path: Path, body: str, message: str):
    data = _data_copy(tmp_path)
    (data / "outreach_email.toml").write_text(body, encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_content(data)
    assert str(data / "outreach_email.toml") in str(info.value)
    assert message in str(info.value)


def test_email_phrase_lists_load_tidied(tmp_path: Path):
    data = _data_copy(tmp_path)
    (data / "outreach_email.toml").write_text(
        _LISTS.replace('["a role as"]', '["  a role\\nas ", "join your team"]'), encoding="utf-8"
    )
    rules = load_content(data).email_rules
    assert rules.narrow_interest_phrases == ("a role as", "join your team")
    assert rules.passive_follow_up_phrases == ("at your convenience",)
    assert (rules.word_limit, rules.connection_window) == (100, 30)


def _data_copy(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, data, ignore=shutil.ignore_patterns("*.sqlite3*"))
    return data


def test_shipped_question_bank_covers_every_tiara_category():
    content = load_content(DEFAULT_DATA_DIR)
    assert len(content.questions) >= 40
    for category in ("trends", "insights", "advice", "resources", "assignments"):
        assert 7 <= len(content.questions_in(category)) <= 25, category
    assert content.question("resources-who-else") is not None  # "who else should I talk to?"


# Every id the bank has ever shipped: students' picks point at them, so none may disappear.
SHIPPED_BEFORE_ISSUE_12 = frozenset(
    {
        "trends-changes",
        "trends-excited",
        "trends-skills",
        "trends-challenges",
        "insights-surprise",
        "insights-typical-week",
        "insights-enjoy",
        "insights-culture",
        "advice-if-starting",
        "advice-wish-known",
        "advice-stand-out",
        "advice-mistakes",
        "resources-who-else",
        "resources-read",
        "resources-groups",
        "resources-tools",
        "assignments-project",
        "assignments-first-step",
        "assignments-follow-up",
    }
)


def test_question_ids_are_never_dropped_and_texts_are_distinct():
    content = load_content(DEFAULT_DATA_DIR)
    assert {q.id for q in content.questions} >= SHIPPED_BEFORE_ISSUE_12
    texts = [q.text.casefold() for q in content.questions]
    assert len(texts) == len(set(texts))


def test_tiara_categories_follow_the_method():
    """Assignments are the projects and tasks the role involves; a task or next step for the
    student is Advice; "who else should I talk to?" is a Resource."""
    content = load_content(DEFAULT_DATA_DIR)

    def category(question_id: str) -> str:
        question = content.question(question_id)
        assert question is not None, question_id
        return question.category

    assert category("insights-typical-week") == "assignments"
    assert category("assignments-current") == "assignments"
    assert content.question("assignments-current").text == (  # type: ignore[union-attr]
        "What projects are you working on right now?"
    )
    for moved in ("assignments-project", "assignments-first-step", "assignments-follow-up"):
        assert category(moved) == "advice", moved
    assert category("resources-who-else") == "resources"
    for question in content.questions_in("assignments"):
        words = set(question.text.casefold().replace("?", " ").replace(",", " ").split())
        assert "i" not in words, question.text  # about their work, not a task for the student
        assert words & {"project", "projects", "tasks", "week"}, question.text


def test_no_bank_question_asks_for_a_job():
    content = load_content(DEFAULT_DATA_DIR)
    rules = content.email_rules
    for question in content.questions:
        assert question.text.endswith("?"), question.id
        verdicts = {v.rule: v for v in check_email(question.text, rules)}
        assert verdicts["no_job_words"].passed, (question.id, verdicts["no_job_words"].reason)
        assert verdicts["interest_broad"].passed, (question.id, verdicts["interest_broad"].reason)


def test_question_bank_header_defines_each_letter():
    header = (DEFAULT_DATA_DIR / "questions.toml").read_text(encoding="utf-8").split("[[")[0]
    for line in (
        "Trends: what is changing in their field",
        "Insights: their own view of the work from the inside",
        "Advice: what they would recommend the student do",
        "Resources: people, groups, reading and tools",
        "Assignments: the projects and tasks their role involves",
    ):
        assert line in " ".join(header.replace("#", " ").split()), line


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[[questions]]\nid = "a"\ncategory = "gossip"\ntext = "x"\n', "category must be one of"),
        (
            '[[questions]]\nid = "a"\ncategory = "trends"\ntext = "x"\n' * 2,
            "question 2 (id “a”): the id is used twice",
        ),
        ('[[questions]]\nid = "a"\ncategory = "trends"\ntext = ""\n', "“text” must be non-empty"),
    ],
)
def test_malformed_question_bank(tmp_path: Path, body: str, message: str):
    data = _data_copy(tmp_path)
    (data / "questions.toml").write_text(body, encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_content(data)
    assert "questions.toml" in str(info.value)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Dear {persn},", "unknown placeholder(s) persn"),
        ("Dear {person", "templates.toml: [thank_you]"),
        ("", "needs a non-empty text"),
    ],
)
def test_malformed_templates(tmp_path: Path, text: str, message: str):
    data = _data_copy(tmp_path)
    (data / "templates.toml").write_text(f'[thank_you]\ntext = """{text}"""\n', encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_content(data)
    assert message in str(info.value)


def test_shipped_checklists_tie_items_to_actions_and_mark_day_of_items():
    content = load_content(DEFAULT_DATA_DIR)
    tied = {
        (phase, item.id): item.done_by
        for phase, checklist in content.checklists.items()
        for item in checklist.items
        if item.done_by is not None
    }
    assert tied == {
        ("request", "check-email"): DoneBy.EMAIL_CHECKED,
        ("request", "log-sent"): DoneBy.REQUEST_SENT,
        ("request", "second-contact"): DoneBy.SECOND_CONTACT,
        ("request", "follow-up"): DoneBy.FOLLOWED_UP,
        ("request", "log-reply"): DoneBy.REPLY_LOGGED,
        ("prepare", "schedule"): DoneBy.MEETING_SCHEDULED,
        ("prepare", "confirm-day-before"): DoneBy.MEETING_CONFIRMED,
        ("prepare", "tiara-questions"): DoneBy.QUESTIONS_CHOSEN,
        ("followup", "debrief"): DoneBy.MEETING_LOGGED,
        ("followup", "thank-you"): DoneBy.THANKED,
        ("followup", "contact-referrals"): DoneBy.REFERRALS_CONTACTED,
        ("followup", "tell-referrer"): DoneBy.REFERRER_TOLD,
        ("followup", "report-back"): DoneBy.REPORTED_BACK,
        ("followup", "keep-in-touch"): DoneBy.KEPT_IN_TOUCH,
    }
    assert set(tied.values()) == set(DoneBy)  # every action ticks something by default
    day_of = [item.id for item in content.checklists["prepare"].items if not item.before_meeting]
    assert day_of == ["confirm-day-before", "arrive-early"]


def test_search_wide_steps_are_in_search_toml_not_on_the_contact_checklists():
    content = load_content(DEFAULT_DATA_DIR)
    search = [item.id for item in content.search.items]
    assert search[:2] == ["lamp-list", "top-five"]
    assert content.search.title == "Your search"
    on_checklists = {item.id for c in content.checklists.values() for item in c.items}
    assert not on_checklists & set(search)
    texts = " ".join(item.text for c in content.checklists.values() for item in c.items)
    assert "LAMP" not in texts


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (None, "search.toml: file is missing"),
        ('title = "Your search"\n', "search.toml: needs at least one [[items]] entry"),
        (
            'title = "S"\n[[items]]\nid = "a"\ntext = "x"\ndone_by = "thanked"\n',
            "search.toml: item 1 (id “a”): unknown key(s) done_by",
        ),
        (
            'title = "S"\n' + '[[items]]\nid = "a{n}"\ntext = "x"\n' * 1,
            "id 'a{n}' must be",
        ),
        (
            'title = "S"\n' + "".join(f'[[items]]\nid = "a{n}"\ntext = "x"\n' for n in range(9)),
            "search.toml: has 9 items; the most is 8",
        ),
        ('[[items]]\nid = "a"\ntext = "x"\n', "search.toml: header: “title” must be"),
    ],
)
def test_malformed_search_guide(tmp_path: Path, body: str | None, message: str):
    data = _data_copy(tmp_path)
    if body is None:
        (data / "search.toml").unlink()
    else:
        (data / "search.toml").write_text(body, encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_content(data)
    assert message in str(info.value)


# --- the /help glossary -----------------------------------------------------------------------


def test_shipped_glossary_explains_the_method():
    content = load_content(DEFAULT_DATA_DIR)
    ids = [entry.id for entry in content.glossary]
    for needed in ("lamp", "five-point-email", "3b7", "tiara", "booster", "top-five", "digest"):
        assert needed in ids
    assert all(len(entry.text) <= 600 for entry in content.glossary)
    assert content.topic("Obligate") == content.topic("booster")
    assert content.topic("5-Point Email") == content.topic("five-point-email")
    tiara = content.topic("tiara")
    assert tiara is not None
    assert "Assignments: the projects and tasks the role involves" in tiara.text
    three_b_seven = content.topic("3b7")
    assert three_b_seven is not None
    assert "No reply after 3 business days: contact a second person at the same" in (
        three_b_seven.text
    )


GOOD_TERM = 'id = "lamp"\nterm = "LAMP list"\ntext = "Your list of employers."\n'


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "needs at least one [[terms]] entry"),
        (
            "[[terms]]\n" + GOOD_TERM + "[[terms]]\n" + GOOD_TERM,
            "term 2 (id “lamp”): the id is used twice",
        ),
        ('[[terms]]\nid = "Bad Id"\nterm = "x"\ntext = "y"\n', "term 1: id 'Bad Id'"),
        ('[[terms]]\nid = "lamp"\ntext = "y"\n', "term 1 (id “lamp”): “term” must be non-empty"),
        ('[[terms]]\nid = "lamp"\nterm = "x"\ntext = " "\n', "term 1 (id “lamp”): “text” must be"),
        (
            '[[terms]]\nid = "tiara"\nterm = "TIARA"\ntext = "' + "x" * 601 + '"\n',
            "term 1 (id “tiara”): “text” is 601 characters; the most is 600",
        ),
        ("[[terms]]\n" + GOOD_TERM + 'see = "employers list"\n', "term 1 (id “lamp”): “see” must"),
        (
            "[[terms]]\n" + GOOD_TERM + 'colour = "red"\n',
            "term 1 (id “lamp”): unknown key(s) colour",
        ),
        ("[[terms]]\n" + GOOD_TERM + "aliases = [3]\n", "term 1 (id “lamp”): “aliases” must"),
        ("[[terms]]\n" + GOOD_TERM + 'link = "yes"\n', "term 1 (id “lamp”): “link” must be true"),
        (
            "[[terms]]\n" + GOOD_TERM + '[[terms]]\nid = "list"\nterm = "x"\ntext = "y"\n'
            'aliases = ["LAMP list"]\n',
            "term 2 (id “list”): “lamp list” already names the term “lamp”",
        ),
        ("[[terms]]\nid = ", "not valid TOML"),
        (
            "".join(f'[[terms]]\nid = "t{n}"\nterm = "T{n}"\ntext = "x"\n' for n in range(26)),
            "has 26 terms; the most is 25",
        ),
    ],
)
def test_malformed_glossary(tmp_path: Path, body: str, message: str):
    path = tmp_path / "glossary.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_glossary(path)
    assert str(path) in str(info.value)
    assert message in str(info.value)


def test_missing_glossary_stops_loading(tmp_path: Path):
    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, data, ignore=shutil.ignore_patterns("*.sqlite3*"))
    (data / "glossary.toml").unlink()
    with pytest.raises(ContentError, match=r"glossary\.toml: file is missing"):
        load_content(data)
