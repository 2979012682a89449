"""Finding a time zone from what a student types: a city ("boston", "sao paulo"), an
abbreviation ("EST", "IST"), or the zone's own name ("new york", "america/new_york").

Pure: the city table is parsed from text (``data/zone_cities.tsv``, generated from GeoNames by
``scripts/build_zone_cities.py``) and searched in memory. Matching ignores case, accents and
punctuation; exact names come first, then names that start with what was typed, then names with
a word that does, then (from four letters) names that contain it; bigger cities first within
each. Each zone is offered once, under its best match, labelled so the student sees what they
pick: ``Boston, United States → America/New_York (US Eastern)``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum

ARROW = "→"
HIDDEN_PREFIXES = ("Etc/",)
"""Zones found only by their exact name: ``Etc/GMT+5`` is UTC−5, which confuses more than
it helps."""
MIN_CONTAINS = 4
SHORT_QUERY = 4
"""Queries this short match only the start of a name or a whole word of it."""
"""Shortest query matched in the middle of a name (shorter ones only at a word's start)."""

ZONE_NAMES: dict[str, str] = {
    "America/New_York": "US Eastern",
    "America/Detroit": "US Eastern",
    "America/Chicago": "US Central",
    "America/Denver": "US Mountain",
    "America/Boise": "US Mountain",
    "America/Phoenix": "Arizona, no daylight saving",
    "America/Los_Angeles": "US Pacific",
    "America/Anchorage": "Alaska",
    "Pacific/Honolulu": "Hawaii",
    "America/Toronto": "Canada Eastern",
    "America/Winnipeg": "Canada Central",
    "America/Edmonton": "Canada Mountain",
    "America/Vancouver": "Canada Pacific",
    "America/Halifax": "Canada Atlantic",
    "America/St_Johns": "Newfoundland",
    "Europe/London": "UK",
    "Europe/Dublin": "Ireland",
    "Australia/Sydney": "Australian Eastern",
    "Australia/Melbourne": "Australian Eastern",
    "Australia/Brisbane": "Australian Eastern, no daylight saving",
    "Australia/Adelaide": "Australian Central",
    "Australia/Darwin": "Australian Central, no daylight saving",
    "Australia/Perth": "Australian Western",
    "Pacific/Auckland": "New Zealand",
    "Asia/Kolkata": "India",
    "Asia/Shanghai": "China",
    "Asia/Tokyo": "Japan",
    "UTC": "Coordinated Universal Time",
}
"""How a zone is described after its name in a label (zones not here: no description)."""

ABBREVIATIONS: dict[str, tuple[tuple[str, str], ...]] = {
    # what students type: (zone, what it means), the most common meaning first
    "UTC": (("UTC", "Coordinated Universal Time"),),
    "GMT": (
        ("Europe/London", "UK time: GMT in winter, BST in summer"),
        ("UTC", "GMT all year, no summer time"),
    ),
    "BST": (("Europe/London", "British Summer Time; UK time all year"),),
    "WET": (("Europe/Lisbon", "Western European Time"),),
    "WEST": (("Europe/Lisbon", "Western European Summer Time"),),
    "CET": (("Europe/Berlin", "Central European Time"),),
    "CEST": (("Europe/Berlin", "Central European Summer Time"),),
    "EET": (("Europe/Athens", "Eastern European Time"),),
    "EEST": (("Europe/Athens", "Eastern European Summer Time"),),
    "MSK": (("Europe/Moscow", "Moscow Time"),),
    "ET": (("America/New_York", "US Eastern"),),
    "EST": (("America/New_York", "US Eastern; EDT in summer"),),
    "EDT": (("America/New_York", "US Eastern; EST in winter"),),
    "CT": (("America/Chicago", "US Central"),),
    "CST": (
        ("America/Chicago", "US Central; CDT in summer"),
        ("Asia/Shanghai", "China Standard Time"),
    ),
    "CDT": (("America/Chicago", "US Central; CST in winter"),),
    "MT": (("America/Denver", "US Mountain"),),
    "MST": (
        ("America/Denver", "US Mountain; MDT in summer"),
        ("America/Phoenix", "Arizona: MST all year"),
    ),
    "MDT": (("America/Denver", "US Mountain; MST in winter"),),
    "PT": (("America/Los_Angeles", "US Pacific"),),
    "PST": (
        ("America/Los_Angeles", "US Pacific; PDT in summer"),
        ("Asia/Manila", "Philippine Standard Time"),
    ),
    "PDT": (("America/Los_Angeles", "US Pacific; PST in winter"),),
    "AKST": (("America/Anchorage", "Alaska"),),
    "AKDT": (("America/Anchorage", "Alaska"),),
    "HST": (("Pacific/Honolulu", "Hawaii"),),
    "AST": (
        ("America/Halifax", "Atlantic Standard Time"),
        ("Asia/Riyadh", "Arabia Standard Time"),
    ),
    "ADT": (("America/Halifax", "Atlantic Daylight Time"),),
    "NST": (("America/St_Johns", "Newfoundland"),),
    "BRT": (("America/Sao_Paulo", "Brasília Time"),),
    "ART": (("America/Argentina/Buenos_Aires", "Argentina Time"),),
    "IST": (
        ("Asia/Kolkata", "India Standard Time"),
        ("Europe/Dublin", "Irish Standard Time"),
        ("Asia/Jerusalem", "Israel Standard Time"),
    ),
    "PKT": (("Asia/Karachi", "Pakistan"),),
    "GST": (("Asia/Dubai", "Gulf Standard Time"),),
    "ICT": (("Asia/Bangkok", "Indochina Time"),),
    "WIB": (("Asia/Jakarta", "Western Indonesia"),),
    "SGT": (("Asia/Singapore", "Singapore"),),
    "HKT": (("Asia/Hong_Kong", "Hong Kong"),),
    "PHT": (("Asia/Manila", "Philippine Time"),),
    "JST": (("Asia/Tokyo", "Japan Standard Time"),),
    "KST": (("Asia/Seoul", "Korea Standard Time"),),
    "AWST": (("Australia/Perth", "Australian Western"),),
    "ACST": (("Australia/Adelaide", "Australian Central"),),
    "ACDT": (("Australia/Adelaide", "Australian Central Daylight"),),
    "AEST": (
        ("Australia/Sydney", "Australian Eastern; AEDT in summer"),
        ("Australia/Brisbane", "Queensland: AEST all year"),
    ),
    "AEDT": (("Australia/Sydney", "Australian Eastern Daylight"),),
    "AET": (("Australia/Sydney", "Australian Eastern"),),
    "NZST": (("Pacific/Auckland", "New Zealand; NZDT in summer"),),
    "NZDT": (("Pacific/Auckland", "New Zealand Daylight"),),
    "NZT": (("Pacific/Auckland", "New Zealand"),),
    "WAT": (("Africa/Lagos", "West Africa Time"),),
    "CAT": (("Africa/Maputo", "Central Africa Time"),),
    "EAT": (("Africa/Nairobi", "East Africa Time"),),
    "SAST": (("Africa/Johannesburg", "South Africa"),),
}
"""Time-zone abbreviations. An ambiguous one (IST, CST, PST, AST, MST, AEST, GMT) offers its
most common meaning first; its labels name the others, which are offered after it."""

POPULAR_ZONES: tuple[tuple[str, str], ...] = (
    ("America/New_York", "US Eastern"),
    ("America/Chicago", "US Central"),
    ("America/Denver", "US Mountain"),
    ("America/Los_Angeles", "US Pacific"),
    ("America/Toronto", "Toronto"),
    ("America/Vancouver", "Vancouver"),
    ("America/Sao_Paulo", "São Paulo"),
    ("Europe/London", "UK and Ireland"),
    ("Europe/Paris", "Central Europe (Paris)"),
    ("Europe/Berlin", "Central Europe (Berlin)"),
    ("Africa/Lagos", "West Africa"),
    ("Africa/Johannesburg", "South Africa"),
    ("Asia/Dubai", "Gulf"),
    ("Asia/Kolkata", "India"),
    ("Asia/Singapore", "Singapore"),
    ("Asia/Shanghai", "China"),
    ("Asia/Tokyo", "Japan"),
    ("Australia/Sydney", "Sydney"),
    ("Pacific/Auckland", "New Zealand"),
    ("UTC", "UTC"),
)
"""The zones offered before anything is typed (and in the one-click menus), with a label."""

_FOLD = str.maketrans(
    {
        "ł": "l",
        "ø": "o",
        "æ": "ae",
        "œ": "oe",
        "ß": "ss",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "ı": "i",
        "'": None,
        "’": None,
        "ʻ": None,
        "`": None,
        ".": None,
        "-": " ",
        "_": " ",
        ",": " ",
        "(": " ",
        ")": " ",
    }
)


def fold(text: str) -> str:
    """``text`` as matching sees it: lower case, no accents or apostrophes, hyphens and
    underscores as spaces, single spaces (``São Paulo`` → ``sao paulo``)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.translate(_FOLD).split())


def fold_zone(zone: str) -> str:
    """A zone name as matching sees it: ``America/New_York`` → ``america/new york``."""
    return "/".join(fold(part) for part in zone.split("/"))


@dataclass(frozen=True, slots=True)
class City:
    name: str
    others: tuple[str, ...]
    """Other names it is typed as: without accents, older or English names."""
    country: str
    """The country's name (its code when the country table lacks it)."""
    population: int
    zone: str


@dataclass(frozen=True, slots=True)
class ZoneMatch:
    zone: str
    """The IANA name, what is stored."""
    label: str
    """What the student reads, e.g. ``Boston, United States → America/New_York (US Eastern)``."""
    exact: bool
    """What was typed is exactly this city's, abbreviation's or zone's name."""


class ZoneTableError(ValueError):
    """A line of the city table is malformed (the message names the line)."""


def parse_countries(text: str) -> dict[str, str]:
    """``code <TAB> name`` lines (``#`` lines are notes)."""
    names: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0] or not parts[1]:
            raise ZoneTableError(f"line {number}: expected a country code, a tab and a name")
        names[parts[0]] = parts[1]
    return names


def parse_cities(text: str, countries: Mapping[str, str]) -> tuple[City, ...]:
    """``name <TAB> other|names <TAB> country code <TAB> population <TAB> zone`` lines."""
    cities: list[City] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 5 or not parts[0] or not parts[4] or not parts[3].isdigit():
            raise ZoneTableError(
                f"line {number}: expected name, other names, country, population and zone "
                "separated by tabs"
            )
        name, others, country, population, zone = parts
        cities.append(
            City(
                name=name,
                others=tuple(o for o in others.split("|") if o),
                country=countries.get(country, country),
                population=int(population),
                zone=zone,
            )
        )
    return tuple(cities)


class ShortRule(Enum):
    """How a short query (at most :data:`SHORT_QUERY` letters) may match inside a name."""

    ANY_WORD_START = "any word start"
    """Not short: any word of the name may start with it."""
    WHOLE_WORD = "whole word"
    """Short: the start of the name or a whole word of it ("york" finds New York, "est"
    no longer finds Tampines Estate)."""
    NAME_START = "name start"
    """A short time zone abbreviation: only the start of a name (its zones come first
    anyway; "EST" must not offer "Rufisque est")."""


def _score(
    names: Iterable[str], needle: str, rule: ShortRule = ShortRule.ANY_WORD_START
) -> int | None:
    """0 exact, 1 starts with, 2 a word starts with (see ``rule``), 3 contains; None: no
    match."""
    best: int | None = None
    for name in names:
        if name == needle:
            return 0
        if name.startswith(needle):
            score = 1
        elif rule is ShortRule.NAME_START:
            continue
        elif rule is ShortRule.WHOLE_WORD:
            if f" {needle} " not in f" {name} ":
                continue
            score = 2
        elif f" {needle}" in f" {name}":
            score = 2
        elif len(needle) >= MIN_CONTAINS and needle in name:
            score = 3
        else:
            continue
        best = score if best is None else min(best, score)
    return best


def _city_name(city: City, needle: str) -> str:
    """The city's name, and the other name the student typed when that is what matched
    (``Mumbai (Bombay)``); a name that differs only in accents is not repeated."""
    if _score((fold(city.name),), needle) is not None:
        return city.name
    typed = next((o for o in city.others if _score((fold(o),), needle) is not None), None)
    return f"{city.name} ({typed})" if typed else city.name


def zone_label(zone: str) -> str:
    description = ZONE_NAMES.get(zone)
    return f"{zone} ({description})" if description else zone


class ZoneIndex:
    """The cities and zones to search, folded once."""

    def __init__(self, cities: Iterable[City], zones: Iterable[str]) -> None:
        self.zones = tuple(zones)
        self._known = known = frozenset(self.zones)
        self._by_key = {fold_zone(zone): zone for zone in self.zones}
        self._cities = [
            (city, tuple({fold(n) for n in (city.name, *city.others)} - {""}))
            for city in cities
            if city.zone in known
        ]
        biggest: dict[str, int] = {}
        for city in self._cities:
            biggest[city[0].zone] = max(biggest.get(city[0].zone, 0), city[0].population)
        self._zone_names = [
            (zone, fold_zone(zone), fold(zone.rsplit("/", 1)[-1]), biggest.get(zone, 0))
            for zone in self.zones
        ]

    def search(self, query: str, limit: int) -> list[ZoneMatch]:
        """The zones matching ``query``, best first, each once; nothing for an empty query
        (the caller offers :data:`POPULAR_ZONES` then)."""
        needle = fold(query)
        if not needle or limit <= 0:
            return []
        ranked: list[tuple[int, int, int, ZoneMatch]] = []
        abbreviation = query.strip().upper() in ABBREVIATIONS
        rule = ShortRule.ANY_WORD_START
        if len(needle) <= SHORT_QUERY:
            rule = ShortRule.NAME_START if abbreviation else ShortRule.WHOLE_WORD
        for position, (zone, meaning) in enumerate(ABBREVIATIONS.get(query.strip().upper(), ())):
            if zone in self._known:
                label = f"{query.strip().upper()} {ARROW} {zone} ({meaning})"
                ranked.append((-2, 0, position, ZoneMatch(zone, label, exact=position == 0)))
        key = fold_zone(query.strip())
        for zone, folded_key, city_part, population in self._zone_names:
            if folded_key == key:
                score: int | None = -1
            elif zone.startswith(HIDDEN_PREFIXES):
                continue
            elif "/" in key and folded_key.startswith(key):
                score = 1
            else:
                score = _score((city_part,), needle, rule)
            if score is not None:  # after a city of the same name: its label says more
                match = ZoneMatch(zone, zone_label(zone), score <= 0)
                ranked.append((score, 1, -population, match))
        for city, names in self._cities:
            score = _score(names, needle, rule)
            if score is None:
                continue
            label = f"{_city_name(city, needle)}, {city.country} {ARROW} {zone_label(city.zone)}"
            ranked.append((score, 0, -city.population, ZoneMatch(city.zone, label, score == 0)))
        ranked.sort(key=lambda entry: entry[:3])
        seen: set[str] = set()
        found: list[ZoneMatch] = []
        for *_, match in ranked:
            if match.zone in seen:
                continue
            seen.add(match.zone)
            found.append(match)
            if len(found) == limit:
                break
        return found

    def resolve(self, query: str) -> ZoneMatch | None:
        """The zone a typed name stands for: a zone's exact name (any case), or the best match
        when it is exactly a city's, an abbreviation's or a zone's last part; else None."""
        exact = self._by_key.get(fold_zone(query.strip()))
        if exact is not None:
            return ZoneMatch(exact, zone_label(exact), exact=True)
        best = self.search(query, 1)
        return best[0] if best and best[0].exact else None
