"""Screenshots of the main pages in English, Spanish and Portuguese, desktop and phone, with Debian's Chromium
(no browser download): home, results, a case, a comparison, the draft form with its problems, an error page.

Usage: python scripts/screenshots.py [--base http://127.0.0.1:8000] [--out docs/screenshots] [--pages a,b]
(start `caselib serve` first). Look at every image before committing it.
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
    "compare": "/compare?ids=panama-vecinos-vigilantes&ids=chile-quadrant-preventive-security-plan"
    "&ids=argentina-gendarmeria-community-police&lang={lang}",
    "draft": "/draft?action=check&title=Neighbourhood+patrol+agreements&countries=Panama&period.start=2011x"
    "&lang={lang}",
    "error": "/cases/no-such-case?lang={lang}",
    "collections": "/collections?lang={lang}",
}
QUERIES = {
    "en": "community policing neighbourhood watch",
    "es": "prevención de la violencia juvenil",
    "pt": "policiamento comunitário",
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--base", default="http://127.0.0.1:8000")
    ap.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--pages", default=",".join(PAGES), help="Comma-separated page names (default: all).")
    ap.add_argument("--langs", default="en,es,pt")
    args = ap.parse_args()
    names = args.pages.split(",")
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for width, suffix in ((args.width, ""), (390, "-phone")):
            page = browser.new_page(viewport={"width": width, "height": 900})
            for lang in args.langs.split(","):
                for name in names:
                    path = PAGES[name]
                    page.goto(args.base + path.format(lang=lang, q=QUERIES[lang]))
                    target = args.out / f"{name}-{lang}{suffix}.png"
                    page.screenshot(path=str(target), full_page=False)
                    print(target)
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
