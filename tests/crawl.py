"""A small same-site crawler for the tests that walk the product as a person would: it follows
every link and submits every GET form (its selected options) from a start page, breadth
first, and records what each URL answered."""

from __future__ import annotations

import re
import urllib.parse
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser

# Not followed: they end the session or change data (every change is a POST, but a crawler
# must not even try).
SKIP_PATHS = ("/logout/", "/admin/", "/static/")
DOWNLOAD_SUFFIXES = (".csv", ".xlsx")


@dataclass
class Page:
    url: str
    status: int
    content_type: str
    body: bytes
    found_on: str


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self.table_rows = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form" and (a.get("method") or "get").lower() == "get":
            self._form = {"action": a.get("action") or "", "fields": {}}
            self.forms.append(self._form)
        elif tag == "tr":
            self.table_rows += 1
        elif self._form is not None:
            name = a.get("name")
            if tag == "input" and name and a.get("type") not in ("submit", "button", "checkbox", "radio"):
                self._form["fields"].setdefault(name, a.get("value") or "")
            elif tag == "input" and name and a.get("type") in ("checkbox", "radio") and "checked" in a:
                self._form["fields"].setdefault(name, a.get("value") or "on")
            elif tag == "select" and name:
                self._select = name
            elif tag == "option" and self._select:
                # The selected option, else the first one that names something.
                value = a.get("value") or ""
                fields = self._form["fields"]
                if "selected" in a or (self._select not in fields and value):
                    fields[self._select] = value

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


@dataclass
class Crawl:
    """``fetch(url) -> (status, content_type, body)`` for a signed-in user. At most
    ``per_pattern`` URLs of one shape (the path with its numbers taken out, and the query's
    names) are visited, so the walk reaches every kind of page without visiting every course."""

    fetch: Callable[[str], tuple[int, str, bytes]]
    base: str
    limit: int = 150
    per_pattern: int = 2
    # Also submit the page's GET forms (filters) with the options they have selected.
    forms: bool = True
    pages: dict[str, Page] = field(default_factory=dict)

    def run(self, start: str = "/") -> dict[str, Page]:
        queue = deque([(start, "")])
        seen = {start}
        shapes: Counter = Counter()
        while queue and len(self.pages) < self.limit:
            url, found_on = queue.popleft()
            shape = _shape(url)
            if shapes[shape] >= self.per_pattern:
                continue
            shapes[shape] += 1
            status, content_type, body = self.fetch(url)
            self.pages[url] = Page(url, status, content_type, body, found_on)
            if status != 200 or "html" not in content_type:
                continue
            for target in self.targets(url, body):
                if target not in seen:
                    seen.add(target)
                    queue.append((target, url))
        return self.pages

    def targets(self, url: str, body: bytes) -> list[str]:
        parser = _Links()
        parser.feed(body.decode("utf-8", "replace"))
        found = [urllib.parse.urljoin(url, href) for href in parser.links]
        for form in parser.forms if self.forms else ():
            action = urllib.parse.urljoin(url, form["action"] or url)
            action = action.split("?")[0]
            found.append(f"{action}?{urllib.parse.urlencode(form['fields'])}" if form["fields"] else action)
        result = []
        for target in found:
            parts = urllib.parse.urlsplit(target)
            if parts.scheme not in ("", "http", "https") or (parts.netloc and parts.netloc != self.base):
                continue  # another site, mailto:, javascript:
            if any(parts.path.startswith(p) for p in SKIP_PATHS):
                continue
            result.append(urllib.parse.urlunsplit(("", "", parts.path, parts.query, "")))
        return result


def _shape(url: str) -> tuple:
    parts = urllib.parse.urlsplit(url)
    names = sorted({name for name, _ in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)})
    return re.sub(r"\d+", "N", parts.path), tuple(names)


def table_rows(body: bytes) -> int:
    """Rows of the page's tables, header rows included."""
    parser = _Links()
    parser.feed(body.decode("utf-8", "replace"))
    return parser.table_rows
