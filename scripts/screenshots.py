"""Take screenshots of the main pages in both languages with Debian's Chromium (no browser download).

Usage: python scripts/screenshots.py [--base http://127.0.0.1:8000] [--out docs/screenshots]
(start `caselib serve` first).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PAGES = {
    "home": "/?lang={lang}",
    "search": "/search?q={q}&lang={lang}",
    "case": "/cases/panama-vecinos-vigilantes?lang={lang}",
    "collections": "/collections?lang={lang}",
}
QUERIES = {"en": "community policing neighbourhood watch", "es": "prevención de la violencia juvenil"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--base", default="http://127.0.0.1:8000")
    ap.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    ap.add_argument("--width", type=int, default=1280)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for width, suffix in ((args.width, ""), (390, "-phone")):
            page = browser.new_page(viewport={"width": width, "height": 900})
            for lang in ("en", "es"):
                for name, path in PAGES.items():
                    page.goto(args.base + path.format(lang=lang, q=QUERIES[lang]))
                    target = args.out / f"{name}-{lang}{suffix}.png"
                    page.screenshot(path=str(target), full_page=False)
                    print(target)
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
