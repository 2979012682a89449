"""The time-zone search over the shipped GeoNames table and this machine's IANA zones."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from bot.discord_limits import MAX_CHOICES
from bot.domain.zone_search import (
    ABBREVIATIONS,
    POPULAR_ZONES,
    ZONE_NAMES,
    City,
    ZoneIndex,
    ZoneTableError,
    fold,
    parse_cities,
    parse_countries,
)
from bot.validation import all_timezones
from bot.zone_table import load_zone_index, zone_index


@pytest.fixture(scope="module")
def index() -> ZoneIndex:
    return zone_index()


def test_boston_finds_us_eastern(index: ZoneIndex) -> None:
    (match,) = index.search("boston", MAX_CHOICES)
    assert match.zone == "America/New_York"
    assert match.label == "Boston, United States → America/New_York (US Eastern)"
    assert index.resolve("Boston") == match


def test_accents_and_case_do_not_matter(index: ZoneIndex) -> None:
    for typed in ("sao paulo", "SÃO PAULO", "São Paulo", "sao-paulo"):
        best = index.resolve(typed)
        assert best is not None, typed
        assert best.zone == "America/Sao_Paulo", typed
        assert best.label.startswith("São Paulo, Brazil → ")
    assert fold("Łódź's  Zürich-Nord") == "lodzs zurich nord"


def test_abbreviations_offer_the_common_meaning_first(index: ZoneIndex) -> None:
    est = index.search("EST", MAX_CHOICES)
    assert est[0].zone == "America/New_York"
    assert est[0].label.startswith("EST → ")
    ist = index.search("ist", MAX_CHOICES)
    assert [m.zone for m in ist[:3]] == ["Asia/Kolkata", "Europe/Dublin", "Asia/Jerusalem"]
    assert "India" in ist[0].label
    assert "Irish" in ist[1].label
    resolved = index.resolve("IST")
    assert resolved is not None
    assert resolved.zone == "Asia/Kolkata"
    for typed in ("PST", "CST", "GMT", "BST", "CET", "JST", "AEST", "NZST", "UTC", "MST"):
        assert index.search(typed, MAX_CHOICES)[0].label.startswith(f"{typed} → "), typed


def test_a_short_abbreviation_never_matches_inside_a_name(index: ZoneIndex) -> None:
    """Regression: "EST" offered Tampines Estate, Santo Domingo Este and Rufisque est."""
    est = index.search("EST", MAX_CHOICES)
    assert est[0].label.startswith("EST → ")
    for match in est[1:]:
        place = match.label.split(",")[0].split(" → ")[0].lower()
        assert place.startswith("est"), match.label
    labels = " ".join(m.label for m in est)
    for inside in ("Tampines Estate", "Santo Domingo Este", "Rufisque est", "del Este"):
        assert inside not in labels


def test_a_short_query_matches_a_whole_word_but_not_inside_one(index: ZoneIndex) -> None:
    assert "America/New_York" in [m.zone for m in index.search("york", MAX_CHOICES)]
    assert all("Estate" not in m.label for m in index.search("esta", MAX_CHOICES))
    # five letters and more: any word may start with it again
    assert any("Tampines Estate" in m.label for m in index.search("estat", MAX_CHOICES))


def test_cities_and_zone_names(index: ZoneIndex) -> None:
    assert index.resolve("Lagos") is not None
    assert index.search("Lagos", 1)[0].label == "Lagos, Nigeria → Africa/Lagos"
    for typed, zone in (
        ("new york", "America/New_York"),
        ("kolkata", "Asia/Kolkata"),
        ("america/new_york", "America/New_York"),
        ("AMERICA/NEW_YORK", "America/New_York"),
        ("bombay", "Asia/Kolkata"),
        ("cologne", "Europe/Berlin"),
        ("Etc/GMT+5", "Etc/GMT+5"),
    ):
        found = index.resolve(typed)
        assert found is not None, typed
        assert found.zone == zone, typed
    assert index.search("bomb", 1)[0].label.startswith("Mumbai (Bombay), India")


def test_same_name_ranks_the_bigger_city_first_and_each_zone_once(index: ZoneIndex) -> None:
    birmingham = index.search("birmingham", MAX_CHOICES)
    assert [m.zone for m in birmingham] == ["Europe/London", "America/Chicago"]
    many = index.search("san", MAX_CHOICES)
    assert len(many) == MAX_CHOICES
    assert len({m.zone for m in many}) == len(many)
    assert all(len(m.label) <= 100 for m in index.search("a", MAX_CHOICES))


def test_partial_typing_is_searched_but_not_resolved(index: ZoneIndex) -> None:
    assert index.search("bost", 5)[0].zone == "America/New_York"
    assert index.resolve("bost") is None
    assert index.search("etc/gm", 5) == []  # Etc/ zones only by their exact name


@pytest.mark.parametrize("nonsense", ["qwxzzy", "Mars/Olympus", "   ", "12345", "!!"])
def test_nonsense_finds_nothing(index: ZoneIndex, nonsense: str) -> None:
    assert index.search(nonsense, MAX_CHOICES) == []
    assert index.resolve(nonsense) is None


def test_shipped_table_is_compact_and_every_zone_is_known(index: ZoneIndex) -> None:
    from bot.config import DEFAULT_DATA_DIR

    table = DEFAULT_DATA_DIR / "zone_cities.tsv"
    assert table.stat().st_size < 300_000
    text = table.read_text(encoding="utf-8")
    assert "GeoNames" in text
    assert "CC BY 4.0" in text
    countries = parse_countries(
        (DEFAULT_DATA_DIR / "zone_cities.countries.tsv").read_text(encoding="utf-8")
    )
    cities = parse_cities(text, countries)
    assert len(cities) > 3000
    zones = set(all_timezones())
    assert {city.zone for city in cities} <= zones
    assert all(city.country in countries.values() for city in cities)
    named = {zone for options in ABBREVIATIONS.values() for zone, _ in options}
    assert named | set(ZONE_NAMES) | {zone for zone, _ in POPULAR_ZONES} <= zones
    for zone in named:
        ZoneInfo(zone)
    assert load_zone_index().search("boston", 1) == index.search("boston", 1)


def test_a_malformed_line_is_named() -> None:
    with pytest.raises(ZoneTableError, match="line 2"):
        parse_cities("# note\nBoston\tUS\t1\n", {})
    with pytest.raises(ZoneTableError, match="line 1"):
        parse_countries("US United States\n")


def test_cities_in_unknown_zones_are_ignored() -> None:
    index = ZoneIndex(
        [
            City("Atlantis", (), "Sea", 10, "Ocean/Atlantis"),
            City("Oslo", (), "Norway", 5, "Europe/Oslo"),
        ],
        ["Europe/Oslo"],
    )
    assert index.search("atlantis", 5) == []
    assert [m.zone for m in index.search("oslo", 5)] == ["Europe/Oslo"]
