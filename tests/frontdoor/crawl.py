"""A bounded crawl of the running site as one visitor: every kind of page reachable from home.

Same site, GET only. Each URL pattern is visited at most PAGES_PER_ROUTE times (with different
arguments or query strings), so that 64 profiles or every combination of search filters do not
make the crawl endless while every kind of page is still reached; MAX_PAGES bounds the rest.
"""

import re
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import requests
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve

PAGES_PER_ROUTE = 2
MAX_PAGES = 400
TIMEOUT_SECONDS = 60
# Django's own "Page not found" page with DEBUG on, which has its styles inline.
DEBUG_PAGE = '<meta name="robots" content="NONE,NOARCHIVE">'
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class PageParser(HTMLParser):
    """The links, stylesheets, scripts and images of one HTML page."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.stylesheets: list[str] = []
        self.assets: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        elif tag == "link" and "stylesheet" in (attributes.get("rel") or "").split():
            self.stylesheets.append(attributes.get("href") or "")
        elif tag in ("script", "img") and attributes.get("src"):
            self.assets.append(attributes["src"])


def route_of(path: str) -> str:
    """The URL pattern a path resolves to (its name), or the path itself if none."""
    try:
        match = resolve(path)
    except Resolver404:
        return path
    return match.view_name or match.route


def patterns_without_arguments(resolver: URLResolver | None = None, prefix: str = "") -> list[str]:
    """The path of every URL pattern that takes no argument (admin and API included)."""
    resolver = resolver or get_resolver()
    paths = []
    for pattern in resolver.url_patterns:
        # A regex part (DRF's routers, the admin) is anchored on its own: drop ^ and $.
        route = prefix + str(pattern.pattern).removeprefix("^").removesuffix("$")
        if "<" in route or "(" in route:
            continue
        if isinstance(pattern, URLResolver):
            paths += patterns_without_arguments(pattern, route)
        elif isinstance(pattern, URLPattern):
            path = "/" + route.replace("\\", "")
            if not any(c in path for c in "[]*+?|{}"):
                paths.append(path)
    return sorted(set(paths))


@dataclass
class CrawlResult:
    visitor: str
    pages: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def report(self) -> str:
        return f"As {self.visitor}, {len(self.problems)} problem(s):\n  " + "\n  ".join(
            self.problems
        )


class Crawler:
    def __init__(self, base_url: str, session: requests.Session, visitor: str):
        self.base_url = base_url
        self.host = urlsplit(base_url).netloc
        self.session = session
        self.result = CrawlResult(visitor=visitor)
        self.assets: dict[str, str | None] = {}  # url -> problem (None: it loads)

    def same_site_path(self, href: str, page_url: str) -> str | None:
        url, _ = urldefrag(urljoin(page_url, href))
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.netloc != self.host:
            return None
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def crawl(self, start_paths: list[str]) -> CrawlResult:
        start_paths = list(dict.fromkeys(start_paths))
        queue = deque(start_paths)
        seen = set(start_paths)
        per_route: dict[str, int] = {}
        while queue and len(self.result.pages) < MAX_PAGES:
            path = queue.popleft()
            route = route_of(path.split("?")[0])
            if per_route.get(route, 0) >= PAGES_PER_ROUTE and path not in start_paths:
                continue
            per_route[route] = per_route.get(route, 0) + 1
            for link in self.visit(path):
                if link not in seen:
                    seen.add(link)
                    queue.append(link)
        return self.result

    def visit(self, path: str) -> list[str]:
        """GET one page, note what is wrong with it; its same-site links."""
        url = self.base_url + path
        response = self.session.get(url, timeout=TIMEOUT_SECONDS, allow_redirects=True)
        self.result.pages[path] = response.status_code
        if response.status_code >= 500:
            self.result.problems.append(f"{path} answered {response.status_code}")
        if "text/html" not in response.headers.get("Content-Type", ""):
            return []
        parser = PageParser()
        parser.feed(response.text)
        self.check_styles_and_assets(path, response.url, parser, response.text)
        links = [self.same_site_path(href, response.url) for href in parser.links]
        return [link for link in links if link]

    def check_styles_and_assets(
        self, path: str, page_url: str, parser: PageParser, page_html: str
    ) -> None:
        if not parser.stylesheets and "<html" in page_html and DEBUG_PAGE not in page_html:
            self.result.problems.append(f"{path} has no stylesheet")
        for href, kind in [(h, "stylesheet") for h in parser.stylesheets] + [
            (h, "asset") for h in parser.assets
        ]:
            asset_url = urljoin(page_url, href)
            if urlsplit(asset_url).netloc != self.host:
                continue
            if asset_url not in self.assets:
                self.assets[asset_url] = self.asset_problem(asset_url, kind)
            if self.assets[asset_url]:
                self.result.problems.append(f"{path}: {kind} {href} {self.assets[asset_url]}")

    def asset_problem(self, url: str, kind: str) -> str | None:
        response = self.session.get(url, timeout=TIMEOUT_SECONDS)
        if response.status_code != 200:
            return f"answered {response.status_code}"
        if not response.content:
            return "is empty"
        if kind == "stylesheet" and "text/css" not in response.headers.get("Content-Type", ""):
            return f"is {response.headers.get('Content-Type')}, not text/css"
        return None


def csrf_token(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "no CSRF token in the form"
    return match.group(1)


def sign_in(base_url: str, email: str, password: str, totp=None) -> requests.Session:
    """A session signed in as the account, through the login form (and the two-factor form
    when the account has an authenticator); fails saying which step did not work."""
    session = requests.Session()
    login_url = f"{base_url}/accounts/login/"
    form = session.get(login_url, timeout=TIMEOUT_SECONDS)
    assert form.status_code == 200, f"the sign-in page answered {form.status_code}"
    response = session.post(
        login_url,
        data={"login": email, "password": password, "csrfmiddlewaretoken": csrf_token(form.text)},
        headers={"Referer": login_url},
        timeout=TIMEOUT_SECONDS,
    )
    if "/2fa/authenticate" in response.url:
        assert totp is not None, f"{email} was asked for a two-factor code, and none was printed"
        response = session.post(
            response.url,
            data={"code": totp.next_code(), "csrfmiddlewaretoken": csrf_token(response.text)},
            headers={"Referer": response.url},
            timeout=TIMEOUT_SECONDS,
        )
    account = session.get(f"{base_url}/account/", timeout=TIMEOUT_SECONDS)
    assert account.status_code == 200 and "/accounts/login" not in account.url, (
        f"signing in as {email} did not work: the account page answered "
        f"{account.status_code} at {account.url}"
    )
    return session
