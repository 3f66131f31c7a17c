"""A person's browser for the demo, over plain HTTP: cookies, pages, and forms.

A form is submitted the way a browser submits it: every field the page's form holds (its CSRF
token, the values it was prefilled with, the checked boxes, the selected options) with what the
person typed, ticked or chose in place of the defaults. Naming a field the form does not have,
or a choice it does not offer, is an error, so the demo can only do what the page lets a person
do. No JSON is sent and nothing is read from a database: only the routes a person uses.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

import aiohttp

__all__ = ["Browser", "DemoError", "Form", "Page"]

ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
Typed = dict[str, "str | list[str]"]


class DemoError(Exception):
    """A step of the demo did not go as a person would expect; the message says which."""


@dataclass
class Control:
    """One named form control and what a browser would send for it untouched."""

    name: str
    kind: str  # input type, or "select" / "textarea"
    value: str = ""
    checked: bool = False
    options: list[tuple[str, bool]] = field(default_factory=list)  # a select's (value, selected)


@dataclass
class Form:
    """A form on a page: where it goes, its controls, and the text of its buttons and labels."""

    action: str
    method: str
    controls: list[Control] = field(default_factory=list)
    buttons: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)

    def hidden(self, name: str) -> str | None:
        """The value of a hidden field, or None."""
        return next((c.value for c in self.controls if c.kind == "hidden" and c.name == name), None)

    def choices(self, name: str) -> set[str]:
        """The values a radio group, a checkbox set or a select offers."""
        offered: set[str] = set()
        for control in self.controls:
            if control.name == name:
                offered |= {v for v, _ in control.options} if control.kind == "select" else {control.value}
        return offered

    def fields(self, typed: Typed) -> list[tuple[str, str]]:
        """What the browser sends: the defaults, with the typed values in their place."""
        names = {c.name for c in self.controls}
        unknown = sorted(set(typed) - names)
        if unknown:
            raise DemoError(f"the form to {self.action} has no field {', '.join(unknown)}")
        sent: list[tuple[str, str]] = []
        done: set[str] = set()
        for control in self.controls:
            name = control.name
            if name in typed:
                if name in done:
                    continue
                done.add(name)
                wanted = typed[name]
                values = wanted if isinstance(wanted, list) else [wanted]
                if control.kind in ("radio", "checkbox", "select"):
                    missing = [v for v in values if v not in self.choices(name)]
                    if missing:
                        raise DemoError(f"the form to {self.action} offers no {missing} for {name}")
                sent.extend((name, v) for v in values)
            elif control.kind in ("radio", "checkbox"):
                if control.checked:
                    sent.append((name, control.value))
            elif control.kind == "select":
                chosen = [v for v, selected in control.options if selected] or [
                    v for v, _ in control.options[:1]]
                sent.extend((name, v) for v in chosen[:1])
            elif control.kind not in ("submit", "button", "reset", "image", "file"):
                sent.append((name, control.value))
        return sent


class _Forms(HTMLParser):
    """Collects the forms of a page and their controls (html.parser, no dependency)."""

    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Control | None = None
        self._option: tuple[str | None, bool] | None = None
        self._option_text = ""
        self._textarea: Control | None = None
        self._button: list[str] | None = None
        self._label: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(urljoin(self.base, a.get("action") or self.base),
                              (a.get("method") or "get").lower())
            self.forms.append(self._form)
            return
        form = self._form
        if form is None:
            return
        name = a.get("name", "")
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind == "submit":
                form.buttons.append(a.get("value", ""))
            if name:
                default = "on" if kind in ("radio", "checkbox") else ""
                form.controls.append(Control(name, kind, a.get("value", default), "checked" in a))
        elif tag == "select" and name:
            self._select = Control(name, "select")
            form.controls.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option = (a.get("value"), "selected" in a)
            self._option_text = ""
        elif tag == "textarea" and name:
            self._textarea = Control(name, "textarea")
            form.controls.append(self._textarea)
        elif tag == "button" and (a.get("type") or "submit").lower() == "submit":
            self._button = []
        elif tag == "label":
            self._label = []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data
        if self._option is not None:
            self._option_text += data
        if self._button is not None:
            self._button.append(data)
        if self._label is not None:
            self._label.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "option" and self._select is not None and self._option is not None:
            value, selected = self._option
            self._select.options.append((self._option_text.strip() if value is None else value, selected))
            self._option = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # A browser drops the one newline that may follow <textarea>.
            self._textarea.value = self._textarea.value.removeprefix("\n")
            self._textarea = None
        elif tag == "button" and self._button is not None and self._form is not None:
            self._form.buttons.append(" ".join("".join(self._button).split()))
            self._button = None
        elif tag == "label" and self._label is not None and self._form is not None:
            self._form.labels.append(" ".join("".join(self._label).split()))
            self._label = None


@dataclass
class Page:
    """A page as the browser got it: final URL (after redirects), status and HTML."""

    url: str
    status: int
    html: str

    @property
    def path(self) -> str:
        """The path of the final URL (no query)."""
        return urlsplit(self.url).path

    def forms(self) -> list[Form]:
        """Every form on the page."""
        parser = _Forms(self.url)
        parser.feed(self.html)
        return parser.forms

    def form(self, action: str | None = None, *, button: str | None = None, label: str | None = None,
             **hidden: str) -> Form:
        """The one form that posts to ``action`` (a path), has ``button``, a field labelled
        ``label``, and these hidden values."""
        found = [f for f in self.forms()
                 if (action is None or urlsplit(f.action).path == action)
                 and (button is None or button in f.buttons)
                 and (label is None or label in f.labels)
                 and all(f.hidden(k) == v for k, v in hidden.items())]
        if len(found) != 1:
            raise DemoError(f"{self.url} shows {len(found)} forms to {action or 'anywhere'}"
                            f"{' with the button ' + repr(button) if button else ''}"
                            f"{' with the field ' + repr(label) if label else ''}, not one")
        return found[0]

    def text(self) -> str:
        """The page's text without tags, whitespace collapsed (for messages and checks)."""
        body = re.sub(r"<(script|style)\b.*?</\1>", " ", self.html, flags=re.S)
        return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())

    def data_field(self, name: str) -> list[str]:
        """The text of every element marked ``data-field="name"``."""
        found = re.findall(rf'data-field="{re.escape(name)}"[^>]*>(.*?)</', self.html, flags=re.S)
        return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", f)).split()) for f in found]

    def by_id(self, element_id: str) -> str:
        """The text of the element with this id (up to its first closing tag)."""
        match = re.search(rf'id="{re.escape(element_id)}"[^>]*>(.*?)</', self.html, flags=re.S)
        if match is None:
            raise DemoError(f"{self.url} has no element #{element_id}")
        return html.unescape(re.sub(r"<[^>]+>", "", match[1])).strip()

    def links(self, prefix: str) -> list[tuple[str, str]]:
        """(href, text) of every link whose href starts with ``prefix``, in page order."""
        found = re.findall(rf'<a href="({re.escape(prefix)}[^"]*)"[^>]*>(.*?)</a>', self.html, flags=re.S)
        return [(html.unescape(h), html.unescape(re.sub(r"<[^>]+>", "", t)).strip()) for h, t in found]

    def errors(self) -> str:
        """The error messages the page shows (field errors, summaries, error pages)."""
        found = re.findall(r'class="error[^"]*"[^>]*>(.*?)</(?:p|div)>', self.html, flags=re.S)
        shown = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", f)) for f in found)
        return " ".join(shown.split()) or self.text()[:400]


class Browser:
    """One person's browser on one node: a cookie jar, and the pages they open and submit."""

    def __init__(self, base_url: str, who: str) -> None:
        self.base_url = base_url
        self.who = who
        # unsafe=True: the demo's nodes are on 127.0.0.1, and aiohttp keeps no cookies for an
        # IP address otherwise (a browser does).
        self._http = aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True), headers={"Accept": ACCEPT},
            timeout=aiohttp.ClientTimeout(total=60))

    async def close(self) -> None:
        """Close the browser (its connections and cookies)."""
        await self._http.close()

    async def open(self, where: str, *, expect: int | None = 200) -> Page:
        """GET a page (a path on this node or a full URL), following redirects."""
        async with self._http.get(urljoin(self.base_url, where)) as response:
            page = Page(str(response.url), response.status, await response.text())
        if expect is not None and page.status != expect:
            raise DemoError(f"{self.who} opened {where}: {page.status}: {page.errors()}")
        return page

    async def submit(self, form: Form, typed: Typed | None = None, *,
                     expect: tuple[int, ...] = (200, 201)) -> Page:
        """Submit a form as the browser does (urlencoded), following the redirect after it."""
        if form.method != "post":
            raise DemoError(f"the form to {form.action} is not a POST form")
        body = urlencode(form.fields(typed or {}))
        async with self._http.post(
            form.action, data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded",
                     "Origin": "{0.scheme}://{0.netloc}".format(urlsplit(form.action))},
        ) as response:
            page = Page(str(response.url), response.status, await response.text())
        if page.status not in expect:
            raise DemoError(f"{self.who} submitted {urlsplit(form.action).path}: {page.status}: "
                            f"{page.errors()}")
        return page
