"""`govuk_asset`: a gov.uk / ons.gov.uk attachment found on its landing page, because hashed URLs change.

MHCLG and ONS re-issue files under new hashed asset URLs (`/media/<hash>/File_7_...csv`), so the stable thing is
the landing page. The adapter reads it, takes the one link matching the registry's `asset_pattern` (zero or
several matches are an error listing what was found) and downloads that through the normal streaming path.
"""

from __future__ import annotations

import logging
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from pipelines.fetch import Fetcher, FetchError, Landed
from pipelines.registry import GovUkAssetAccess, Source

log = logging.getLogger(__name__)

LISTED_LINKS = 20


def fetch(fetcher: Fetcher, source: Source, target: Path) -> Landed:
    """Find the asset on `landing_page` and land it; `fetched_from` is the resolved asset URL."""
    access = source.live
    assert isinstance(access, GovUkAssetAccess)
    page_url, body = fetcher.get_body(source.id, access.landing_page)
    asset_url = find_asset(source.id, page_url, body.decode("utf-8", errors="replace"), access.asset_pattern)
    if asset_url != access.url:
        log.info("source %s: the landing page now links %s (sources.yaml has %s)", source.id, asset_url, access.url)
    return fetcher.download(source.id, asset_url, target, line_based=source.file_format("live").type == "csv")


def find_asset(source_id: str, page_url: str, html: str, pattern: str) -> str:
    """The one absolute link on the page matching `pattern`; FetchError if there are none or several."""
    links = page_links(page_url, html)
    matches = [link for link in links if re.search(pattern, link)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise FetchError(
            f"source {source_id}: {len(matches)} links on {page_url} match asset_pattern {pattern!r}, expected "
            f"exactly one: {', '.join(matches)}"
        )
    files = [link for link in links if "." in urlsplit(link).path.rsplit("/", 1)[-1]]
    found = ", ".join(files[:LISTED_LINKS]) + (
        f" (and {len(files) - LISTED_LINKS} more)" if len(files) > LISTED_LINKS else ""
    )
    raise FetchError(
        f"source {source_id}: no link on {page_url} matches asset_pattern {pattern!r}; "
        + (f"file links found: {found}" if files else f"no file links among its {len(links)} links")
    )


def page_links(page_url: str, html: str) -> list[str]:
    """Every `<a href>` on the page as an absolute URL, in page order, without repeats or fragments."""
    parser = _LinkCollector()
    parser.feed(html)
    parser.close()
    base = urljoin(page_url, parser.base_href) if parser.base_href else page_url
    links: dict[str, None] = {}
    for href in parser.hrefs:
        absolute = urljoin(base, href.strip()).split("#", 1)[0]
        if urlsplit(absolute).scheme in ("http", "https"):
            links.setdefault(absolute)
    return list(links)


class _LinkCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.base_href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if not href:
            return
        if tag == "a":
            self.hrefs.append(href)
        elif tag == "base" and self.base_href is None:
            self.base_href = href
