"""The time-zone search's city table (``data/zone_cities.tsv`` and its country names), read
once on first use. See :mod:`bot.domain.zone_search`."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from bot.config import DEFAULT_DATA_DIR
from bot.domain.zone_search import ZoneIndex, parse_cities, parse_countries
from bot.validation import all_timezones

CITIES_FILE = "zone_cities.tsv"
COUNTRIES_FILE = "zone_cities.countries.tsv"


def load_zone_index(data_dir: Path = DEFAULT_DATA_DIR) -> ZoneIndex:
    countries = parse_countries((data_dir / COUNTRIES_FILE).read_text(encoding="utf-8"))
    cities = parse_cities((data_dir / CITIES_FILE).read_text(encoding="utf-8"), countries)
    return ZoneIndex(cities, all_timezones())


@cache
def zone_index() -> ZoneIndex:
    """The index over the shipped table and every IANA zone this machine knows."""
    return load_zone_index()
