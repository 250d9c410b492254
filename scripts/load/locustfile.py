"""Locust users for `make load`: 70% searches with filters, 20% profile views, 10% signed-in
shortlist actions and CSV exports (ramp.MIX), under the RampThenHold schedule.

scripts/load/run.py starts locust with this file; it needs LOAD_PLAN (the JSON that plan.py
writes) and writes the figures to LOAD_RESULTS. LOAD_CA_BUNDLE is the certificate to trust
for HTTPS. The LOAD_* variables of ramp.RampSettings shape the run; LOAD_WAIT_MIN and
LOAD_WAIT_MAX are each simulated user's pause between requests, in seconds.
"""

import itertools
import json
import os
import random
import re
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from locust import HttpUser, LoadTestShape, between, events, task
from locust.clients import LocustHttpAdapter
from ramp import MIX, RampSettings, RampThenHold
from traffic import export_params, search_params, source_address

PLAN = json.loads(Path(os.environ["LOAD_PLAN"]).read_text(encoding="utf-8"))
WAIT = between(
    float(os.environ.get("LOAD_WAIT_MIN", "1")), float(os.environ.get("LOAD_WAIT_MAX", "5"))
)
# A signed-in person's shortlist grows with "add" until it has this many organisations, then
# loses one with each "remove", so it stays the size of a real shortlist.
SHORTLIST_LIMIT = 8
REMOVE_URL = re.compile(r"/shortlists/(\d+)/items/(\d+)/remove/")

controller = RampThenHold(
    RampSettings.from_env(),
    announce=lambda message: sys.stderr.write(f"[load] {message}\n"),
)
_user_numbers = itertools.count()
_accounts = iter(PLAN["accounts"])


def kind_of(name: str) -> str:
    """Which part of the mix a request belongs to, from its name."""
    return name if name in ("search", "profile") else "signed_in"


@events.request.add_listener
def _record(name, response_time, exception, **kwargs):
    controller.record(
        at=time.perf_counter(), ms=response_time, ok=exception is None, kind=kind_of(name)
    )


def _write_results(**kwargs) -> None:
    target = os.environ.get("LOAD_RESULTS")
    if target:
        Path(target).write_text(json.dumps(controller.results(), indent=2), encoding="utf-8")


events.test_stop.add_listener(_write_results)
events.quitting.add_listener(_write_results)


class RampThenHoldShape(LoadTestShape):
    """Locust asks this, once a second, how many users there should be."""

    def tick(self):
        return controller.tick(time.perf_counter())


class SourceAddressAdapter(LocustHttpAdapter):
    """Connections from a given local address (each simulated person has their own)."""

    def __init__(self, address: str):
        self.address = address
        super().__init__(pool_manager=None)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


class Person(HttpUser):
    abstract = True
    wait_time = WAIT

    def on_start(self):
        self.rng = random.Random()
        address = source_address(next(_user_numbers), self.host)
        if address:
            for scheme in ("https://", "http://"):
                self.client.mount(scheme, SourceAddressAdapter(address))
        if os.environ.get("LOAD_CA_BUNDLE"):
            self.client.verify = os.environ["LOAD_CA_BUNDLE"]

    def expect(self, response, status: int, content_type: str = "text/html") -> None:
        """Count the response as failed unless it has this status and type."""
        if response.status_code != status:
            location = response.headers.get("Location", "")
            response.failure(f"{response.status_code} {location}".strip())
        elif status == 200 and not response.headers.get("Content-Type", "").startswith(
            content_type
        ):
            response.failure(f"Content-Type {response.headers.get('Content-Type')}")
        elif status == 302 and "/accounts/login/" in response.headers.get("Location", ""):
            response.failure("sent to sign in")

    def get(self, path: str, name: str, content_type: str = "text/html"):
        with self.client.get(
            path, name=name, allow_redirects=False, catch_response=True
        ) as response:
            self.expect(response, 200, content_type)
        return response

    def post(self, path: str, data: dict, name: str, referer: str):
        data = {**data, "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", "")}
        headers = {"Referer": self.host.rstrip("/") + referer}
        with self.client.post(
            path, data=data, headers=headers, name=name, allow_redirects=False, catch_response=True
        ) as response:
            self.expect(response, 302)
        return response


class Visitor(Person):
    """Someone searching the directory and reading profiles, not signed in."""

    weight = MIX["search"] + MIX["profile"]

    @task(MIX["search"])
    def search(self):
        self.get("/organisations/?" + urlencode(search_params(self.rng, PLAN)), name="search")

    @task(MIX["profile"])
    def profile(self):
        self.get(f"/organisations/{self.rng.choice(PLAN['organisations'])}/", name="profile")


class Commissioner(Person):
    """A signed-in commissioner working on their shortlist and exporting results."""

    weight = MIX["signed_in"]

    def on_start(self):
        super().on_start()
        account = next(_accounts, None)
        if account is None:
            raise RuntimeError("More signed-in users than test accounts: raise LOAD_ACCOUNTS")
        self.shortlist = f"/shortlists/{account['shortlist']}/"
        self.shortlist_id = account["shortlist"]
        self.item_ids: list[str] = []
        self.get("/accounts/login/", name="signed in: sign-in page")
        self.post(
            "/accounts/login/",
            {"login": account["email"], "password": PLAN["password"]},
            name="signed in: sign in",
            referer="/accounts/login/",
        )
        self.view_shortlist()

    @task(2)
    def view_shortlist(self):
        response = self.get(self.shortlist, name="signed in: shortlist")
        self.item_ids = [
            item
            for shortlist, item in REMOVE_URL.findall(response.text)
            if shortlist == str(self.shortlist_id)
        ]

    @task(3)
    def change_shortlist(self):
        """Add an organisation, or remove one once the shortlist is long enough."""
        if len(self.item_ids) >= SHORTLIST_LIMIT:
            item = self.item_ids.pop(self.rng.randrange(len(self.item_ids)))
            self.post(
                f"{self.shortlist}items/{item}/remove/",
                {},
                name="signed in: remove from shortlist",
                referer=self.shortlist,
            )
        else:
            slug = self.rng.choice(PLAN["organisations"])
            self.post(
                "/shortlists/add/",
                {"organisation": slug, "shortlist": str(self.shortlist_id)},
                name="signed in: add to shortlist",
                referer=f"/organisations/{slug}/",
            )

    @task(1)
    def compare(self):
        self.get(f"{self.shortlist}compare/", name="signed in: compare")

    @task(1)
    def export_shortlist(self):
        self.get(
            f"{self.shortlist}export.csv", name="signed in: shortlist CSV", content_type="text/csv"
        )

    @task(1)
    def export_search(self):
        query = urlencode(export_params(self.rng, PLAN))
        self.get(
            f"/organisations/export.csv?{query}",
            name="signed in: search CSV",
            content_type="text/csv",
        )

    @task(1)
    def shortlists(self):
        self.get("/shortlists/", name="signed in: shortlists")
