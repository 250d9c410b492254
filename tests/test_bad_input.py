"""No 500s on bad input: wrong types in every field of every form that POSTs.

Each page of the permission matrix's world that a role may open is read for its POST forms
(whatever view they post to); each field of each form is then sent values of the wrong type
and shape, the other fields keeping the values the page gave them. Every answer must be a
page, a redirect or a 400/403/404/405, never a server error.
"""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests import test_permission_matrix
from tests.test_permission_matrix import MATRIX, url_of
from tests.world import client_for

world = test_permission_matrix.world  # the same module-wide world, built for this module

BAD_VALUES = ["abc", "-1", "99999999999999999999999", "\x00"]
# Forms that end the session take no input worth testing, and would sign the role out.
SESSION_ENDING = {reverse("account_logout"), reverse("accounts_end_other_sessions")}
ROLES_WITH_FORMS = ("admin", "moderator", "commissioner")


class PostForms(HTMLParser):
    """The POST forms of a page: (action, {field name: [values]})."""

    def __init__(self, page_url: str):
        super().__init__()
        self.page_url = page_url
        self.forms: list[tuple[str, dict[str, list[str]]]] = []
        self._fields: dict[str, list[str]] | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and (attributes.get("method") or "").lower() == "post":
            self._fields = {}
            self.forms.append((attributes.get("action") or self.page_url, self._fields))
        if self._fields is None or not attributes.get("name"):
            return
        name = attributes["name"]
        if tag == "input":
            kind = (attributes.get("type") or "text").lower()
            checked = kind not in ("checkbox", "radio") or "checked" in attributes
            values = self._fields.setdefault(name, [])
            if checked and kind not in ("submit", "button", "file"):
                values.append(attributes.get("value") or "")
        elif tag == "select":
            self._select = name
            self._fields.setdefault(name, [])
        elif tag == "option" and self._select and not self._fields[self._select]:
            self._fields[self._select].append(attributes.get("value") or "")
        elif tag == "textarea":
            self._textarea = name
            self._fields.setdefault(name, [""])

    def handle_data(self, data):
        if self._fields is not None and self._textarea:
            self._fields[self._textarea] = [data]

    def handle_endtag(self, tag):
        if tag == "form":
            self._fields = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def post_forms(client, url: str) -> list[tuple[str, dict[str, list[str]]]]:
    page = client.get(url)
    if page.status_code != 200 or not page["Content-Type"].startswith("text/html"):
        return []
    parser = PostForms(url)
    parser.feed(page.content.decode())
    return [(action, fields) for action, fields in parser.forms if action not in SESSION_ENDING]


PAGES = [
    (name, role)
    for name, (_, expected) in MATRIX.items()
    for role in ROLES_WITH_FORMS
    if expected[role] == 200 and not name.startswith(("mfa_", "account_"))
]


@pytest.mark.parametrize(("url_name", "role"), PAGES)
def test_wrong_types_in_any_form_field_never_cause_a_server_error(world, db, url_name, role):
    client = client_for(world, role)
    client.raise_request_exception = False
    failures = []
    for action, fields in post_forms(client, url_of(world, url_name)):
        for name in fields:
            for bad in BAD_VALUES:
                data = {**fields, name: [bad]}
                status = client.post(action, data).status_code
                if status >= 500:
                    failures.append((action, name, bad, status))
    assert failures == []


@pytest.mark.parametrize("shortlist", ["abc", "-1", "1.5", "", "99999999999999999999999"])
def test_recording_a_search_on_a_malformed_shortlist_is_not_found(world, db, shortlist):
    client = client_for(world, "admin")
    response = client.post(
        reverse("shortlists:record_search"), {"shortlist": shortlist, "query_string": "q=x"}
    )
    assert response.status_code == 404


def test_an_id_too_large_for_the_database_is_a_bad_request(world, db):
    """Django's choice fields look such ids up with __in, which SQLite cannot bind."""
    client = client_for(world, "admin")
    response = client.post(reverse("opportunities:create"), {"regions": "9" * 30})
    assert response.status_code in (200, 400)  # a form error (PostgreSQL) or a 400 (SQLite)
    if response.status_code == 400:
        assert "problem with your request" in response.content.decode()
