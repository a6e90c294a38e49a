"""A collection built in the browser: the address holds ids, notes and title; page and exports from it."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import yaml

from indexer.collections import parse_text, validate_collection

IDS = ["panama-vecinos-vigilantes", "colombia-jovenes-a-lo-bien", "brazil-fica-vivo-homicide-control"]


def query(**extra) -> str:
    parts = [f"ids={i}" for i in IDS] + [f"{k}={v}" for k, v in extra.items()]
    return "&".join(parts)


def test_the_page_is_built_from_the_address(client):
    html = client.get(
        f"/basket?{query(title='Prevención juvenil', lang='es')}&note.colombia-jovenes-a-lo-bien=Mirar+esto"
    ).get_data(as_text=True)
    assert "<h1 data-basket-page>Prevención juvenil</h1>" in html
    order = [m for m in re.findall(r'name="ids" value="([^"]+)"', html)]
    assert order[:3] == IDS
    assert ">Mirar esto</textarea>" in html
    assert "/basket.yml?" in html and "/basket.csv?" in html and "/basket.md?" in html
    assert "/compare?" in html  # three cases: comparable


def test_remove_and_add_keep_the_rest_of_the_state(client):
    html = unescape(
        client.get(f"/basket?{query(title='T')}&note.panama-vecinos-vigilantes=keep&find=policia").get_data(
            as_text=True
        )
    )
    remove = re.search(r'href="([^"]+)" data-basket-remove="colombia-jovenes-a-lo-bien"', html).group(1)
    assert (
        "colombia-jovenes-a-lo-bien" not in remove
        and "note.panama-vecinos-vigilantes=keep" in remove
        and "title=T" in remove
    )
    adds = re.findall(r'href="([^"]+)" data-basket-add="([^"]+)"', html)
    assert adds and all(f"ids={IDS[0]}" in url and f"ids={cid}" in url for url, cid in adds)


def test_the_yaml_export_is_a_valid_collection_file(client):
    r = client.get(f"/basket.yml?{query(title='Youth prevention')}&note.panama-vecinos-vigilantes=A+note")
    assert r.mimetype == "application/yaml" and 'filename="youth-prevention.yml"' in r.headers["Content-Disposition"]
    text = r.get_data(as_text=True)
    data = yaml.safe_load(text)
    assert [c["id"] for c in data["cases"]] == IDS and data["cases"][0]["note"] == {"en": "A note"}
    problems = validate_collection(parse_text(text), "collections/youth-prevention.yml", "youth-prevention", set(IDS))
    assert [p for p in problems if p.severity == "error"] == []


def test_csv_and_markdown_exports(client):
    rows = list(csv.reader(io.StringIO(client.get(f"/basket.csv?{query()}").get_data(as_text=True).lstrip("\ufeff"))))
    assert [r[1] for r in rows[1:]] == IDS
    md = client.get(f"/basket.md?{query(title='Mi+colección', lang='es')}").get_data(as_text=True)
    assert md.startswith("# Mi colección") and md.count("### ") == 3


def test_unknown_and_hostile_values_are_inert(client):
    hostile = '"><script>alert(1)</script>'
    html = client.get(
        "/basket", query_string={"ids": [IDS[0], "no-such-case"], "title": hostile, f"note.{IDS[0]}": hostile}
    ).get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "no-such-case" in html  # listed as not in the library
    assert client.get("/basket?" + "&".join(f"ids=case-{i}" for i in range(60))).status_code == 400


def test_case_pages_offer_add_to_a_collection(client):
    html = client.get(f"/cases/{IDS[0]}?lang=pt").get_data(as_text=True)
    assert f'data-basket-add="{IDS[0]}"' in html
