"""The load test's set-up in the database under test: signed-in accounts with shortlists, and
the plan the locustfile draws its requests from. Needs Django set up (scripts/load/run.py).

The accounts are commissioners `load-test-N@example.org` with one shortlist each; every run
gives them a fresh password and rebuilds their shortlists, so runs do not drift.
"""

import random
import re

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import transaction

from accounts import services as account_services
from accounts.models import CommissionerProfile, User
from directory.organisations.models import (
    ClientGroup,
    DeliverySetting,
    Organisation,
    Pathway,
    Region,
)
from directory.search.management import seed_vocabulary as words
from directory.search.management.commands.seed_directory import load_places
from directory.shortlists import services as shortlist_services
from directory.shortlists.models import Shortlist

ACCOUNT_EMAIL = "load-test-{number}@example.org"
SHORTLIST_NAME = "Load test shortlist"
SHORTLIST_SIZE = 5
TAXONOMY_MODELS = {
    "pathway": Pathway,
    "region": Region,
    "client_group": ClientGroup,
    "setting": DeliverySetting,
}


@transaction.atomic
def prepare_accounts(*, count: int, password: str, organisations: list[Organisation]) -> list[dict]:
    """`count` verified commissioners, each with a new shortlist of a few organisations."""
    emails = [ACCOUNT_EMAIL.format(number=number) for number in range(1, count + 1)]
    # One hash for every account: hashing is deliberately slow, and they share the password.
    hashed = make_password(password)
    existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    User.objects.bulk_create(
        [
            User(email=email, full_name=f"Load Test {number}", password=hashed)
            for number, email in enumerate(emails, start=1)
            if email not in existing
        ]
    )
    users = list(User.objects.filter(email__in=emails).order_by("id"))
    User.objects.filter(pk__in=[user.pk for user in users]).update(password=hashed, is_active=True)
    verified = set(
        EmailAddress.objects.filter(user__in=users, verified=True).values_list("user_id", flat=True)
    )
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(user=user, email=user.email, verified=True, primary=True)
            for user in users
            if user.pk not in verified
        ]
    )
    with_profile = set(
        CommissionerProfile.objects.filter(user__in=users).values_list("user_id", flat=True)
    )
    for user in users:
        if user.pk not in with_profile:
            profile = account_services.commissioner_register(
                user=user,
                body_type=CommissionerProfile.BodyType.OTHER,
                body_name="Load test commissioning body",
            )
            account_services.commissioner_verify(profile=profile)
    Shortlist.objects.filter(owner__in=users).delete()
    accounts = []
    for index, user in enumerate(users):
        shortlist = shortlist_services.shortlist_create(owner=user, name=SHORTLIST_NAME)
        for offset in range(SHORTLIST_SIZE):
            organisation = organisations[(index * SHORTLIST_SIZE + offset) % len(organisations)]
            shortlist_services.shortlist_add(shortlist=shortlist, organisation=organisation)
        accounts.append({"email": user.email, "shortlist": shortlist.pk})
    return accounts


def sample_organisations(rng: random.Random, size: int) -> list[Organisation]:
    """Up to `size` published organisations chosen at random (reproducibly for a seed)."""
    ids = list(Organisation.objects.published().order_by("id").values_list("id", flat=True))
    if not ids:
        raise ValueError("There are no published organisations to load-test against")
    chosen = rng.sample(ids, min(size, len(ids)))
    by_id = Organisation.objects.only("id", "slug", "name", "status").in_bulk(chosen)
    return [by_id[pk] for pk in chosen]


def search_queries(rng: random.Random, organisations: list[Organisation]) -> list[str]:
    """Words people search for: sector words, service names, towns, a phrase or two, and real
    organisation names with a letter dropped (the misspellings the trigram match is for)."""
    queries = [focus.lower().replace("'s", "") for focus in words.NAME_FOCUSES]
    queries += [name.lower() for names in words.SERVICE_NAMES.values() for name in names[:2]]
    queries += list(dict.fromkeys(words.TOWNS_BY_POSTCODE_AREA.values()))[:10]
    queries += ['"peer support"', '"housing first"', "mentoring -youth"]
    for organisation in organisations[:20]:
        word = max(re.findall(r"[A-Za-z]+", organisation.name) or ["support"], key=len)
        if len(word) > 4:
            queries.append(word[:-2] + word[-1])
    rng.shuffle(queries)
    return queries


def build_plan(*, accounts: int, password: str, seed: int, profile_sample: int) -> dict:
    """Everything the locustfile needs, as JSON-ready data."""
    rng = random.Random(seed)
    organisations = sample_organisations(rng, profile_sample)
    return {
        "password": password,
        "accounts": prepare_accounts(
            count=accounts, password=password, organisations=organisations
        ),
        "organisations": [organisation.slug for organisation in organisations],
        "queries": search_queries(rng, organisations),
        "taxonomies": {
            group: list(model.objects.order_by("position").values_list("slug", flat=True))
            for group, model in TAXONOMY_MODELS.items()
        },
        "postcodes": sorted(
            place.postcode for places in load_places().values() for place in places
        ),
    }
