"""What the simulated people ask for: search parameters, profiles, exports, source addresses.

Everything is drawn from the plan that scripts/load/plan.py writes (taxonomy slugs, postcodes,
search words and organisation slugs that exist in the database under test). Free of locust
and Django, like ramp.py.
"""

import ipaddress
import random
from urllib.parse import urlsplit

SERVICE_GROUPS = ("pathway", "region", "client_group", "setting")
YES_NO_FILTERS = (
    "accepting_referrals",
    "lived_experience_led",
    "has_evidence",
    "verified_recently",
)
DISTANCES = ("5", "10", "25", "50")
SORTS = ("name", "verified")


def search_params(rng: random.Random, plan: dict) -> list[tuple[str, str]]:
    """One search with filters, as the search form sends it: every search has a filter or a
    postcode, most have words too, some sort or go past the first page."""
    params: list[tuple[str, str]] = []
    if rng.random() < 0.6:
        params.append(("q", rng.choice(plan["queries"])))
    groups = [group for group in SERVICE_GROUPS if plan["taxonomies"].get(group)]
    near_postcode = rng.random() < 0.25 and plan["postcodes"]
    filter_count = rng.choices(
        (0, 1, 2, 3), (0, 45, 35, 20) if not near_postcode else (40, 40, 15, 5)
    )[0]
    for group in rng.sample(groups, min(filter_count, len(groups))):
        params.append((group, rng.choice(plan["taxonomies"][group])))
    if rng.random() < 0.2:
        params.append((rng.choice(YES_NO_FILTERS), "yes"))
    if near_postcode:
        params += [("postcode", rng.choice(plan["postcodes"])), ("within", rng.choice(DISTANCES))]
    if not any(name != "q" for name, _ in params):
        group = rng.choice(groups)
        params.append((group, rng.choice(plan["taxonomies"][group])))
    if rng.random() < 0.1:
        params.append(("sort", rng.choice(SORTS)))
    page = rng.choices((1, rng.randint(2, 5), rng.randint(6, 30)), (75, 20, 5))[0]
    if page > 1:
        params.append(("page", str(page)))
    return params


def export_params(rng: random.Random, plan: dict) -> list[tuple[str, str]]:
    """A commissioner's CSV export: a region and a pathway, sometimes one more condition."""
    taxonomies = plan["taxonomies"]
    params = [
        ("region", rng.choice(taxonomies["region"])),
        ("pathway", rng.choice(taxonomies["pathway"])),
    ]
    if rng.random() < 0.5 and taxonomies.get("client_group"):
        params.append(("client_group", rng.choice(taxonomies["client_group"])))
    elif rng.random() < 0.5:
        params.append((rng.choice(YES_NO_FILTERS), "yes"))
    return params


def source_address(number: int, host_url: str) -> str | None:
    """A loopback address of its own for simulated user `number` (127.77.x.y), when the site
    under test is on the loopback; None otherwise (the operating system chooses)."""
    host = urlsplit(host_url).hostname or ""
    try:
        loopback = ipaddress.ip_address(host).is_loopback if host != "localhost" else True
    except ValueError:
        loopback = False
    if not loopback:
        return None
    if number >= 250 * 256:
        raise ValueError("At most 64,000 simulated users have an address of their own")
    return f"127.77.{number // 250}.{number % 250 + 1}"
