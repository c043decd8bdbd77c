"""Debian's headless Chromium for pages the tests must see as a browser does: a screenshot, and
the DOM after parsing (`--dump-dom`). Runs as root with no sandbox, no network use of its own, and a
fresh profile each time."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def binary() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _run(page: Path, *extra: str) -> str:
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [binary(), *FLAGS, f"--user-data-dir={profile}", *extra, page.resolve().as_uri()],
            capture_output=True,
            text=True,
            timeout=120,
        )
    if done.returncode != 0:
        raise RuntimeError(f"chromium failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stdout


def screenshot(page: Path, png: Path, width: int = 1280, height: int = 2000) -> Path:
    _run(page, f"--screenshot={png}", f"--window-size={width},{height}")
    return png


def dom(page: Path) -> str:
    """The page's DOM serialized after Chromium parsed and laid it out."""
    return _run(page, "--dump-dom", "--virtual-time-budget=2000")


def layout(page: Path, ids: list[str], width: int = 1366, height: int = 768) -> dict[str, dict[str, float]]:
    """Where elements are laid out in a window of `width` x `height` CSS pixels (a laptop's screen):
    id -> {"top", "bottom", "left", "right"} in page coordinates. The page forbids scripts (its CSP), so a
    copy without that one meta element, with a script writing the boxes into the DOM, is what is
    opened; the page's own layout is unchanged."""
    import json
    import re

    html = page.read_text(encoding="utf-8")
    html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html, count=1)
    probe = (
        "<script>window.addEventListener('load',()=>{const o={};for(const i of %s){const e=document.getElementById(i);"
        "if(e){const r=e.getBoundingClientRect();o[i]={top:r.top+scrollY,bottom:r.bottom+scrollY,left:r.left,"
        "right:r.right};}}const p=document.createElement('pre');p.id='__layout';p.textContent=JSON.stringify(o);"
        "document.body.appendChild(p);});</script>".replace("%s", json.dumps(ids))
    )
    copy = page.with_name(f".layout-{page.name}")
    copy.write_text(html.replace("</body>", probe + "</body>"), encoding="utf-8")
    try:
        dumped = _run(copy, "--dump-dom", "--virtual-time-budget=2000", f"--window-size={width},{height}")
    finally:
        copy.unlink()
    found = re.search(r'<pre id="__layout">(.*?)</pre>', dumped, re.S)
    if not found:
        raise RuntimeError("chromium did not lay the page out")
    from html import unescape

    return json.loads(unescape(found.group(1)))


class Page:
    """A dumped DOM, read back: the text, attributes and table rows of elements by id, and tag counts."""

    def __init__(self, html: str):
        from html.parser import HTMLParser

        page = self
        self.texts: dict[str, list[str]] = {}
        self.attrs: dict[str, dict[str, str]] = {}
        self.tables: dict[str, list[list[str]]] = {}
        self.tags: dict[str, int] = {}
        void = {"meta", "link", "br", "img", "input", "hr", "line", "rect", "path", "circle"}

        class Parser(HTMLParser):
            def __init__(self):
                super().__init__(convert_charrefs=True)
                self.open: list[tuple[str, str | None]] = []
                self.table: str | None = None
                self.cell: list[str] | None = None

            def handle_starttag(self, tag, attrs):
                attrs = {k: v or "" for k, v in attrs}
                page.tags[tag] = page.tags.get(tag, 0) + 1
                ident = attrs.get("id")
                if ident:
                    page.attrs[ident], page.texts[ident] = attrs, []
                if tag == "table" and ident:
                    self.table, page.tables[ident] = ident, []
                elif tag == "tr" and self.table:
                    page.tables[self.table].append([])
                elif tag in ("td", "th") and self.table:
                    self.cell = []
                if tag not in void:
                    self.open.append((tag, ident))

            def handle_endtag(self, tag):
                while self.open:
                    name, ident = self.open.pop()
                    if name == "table" and ident == self.table:
                        self.table = None
                    if name in ("td", "th") and self.cell is not None and self.table:
                        page.tables[self.table][-1].append(" ".join("".join(self.cell).split()))
                        self.cell = None
                    if name == tag:
                        break

            def handle_data(self, data):
                for _, ident in self.open:
                    if ident:
                        page.texts[ident].append(data)
                if self.cell is not None:
                    self.cell.append(data)

        Parser().feed(html)

    def text(self, ident: str) -> str:
        return " ".join("".join(self.texts[ident]).split())
