"""Build webapp/geo/americas.json, the country shapes of the /map page, from Natural Earth.

    npm pack world-atlas@2.0.2          # the npm registry's package, ISC licence, ~2 MB
    python scripts/make_map.py world-atlas-2.0.2.tgz [--out webapp/geo/americas.json]

Provenance and licence: the shapes are Natural Earth's "Admin 0 – Countries" at 1:50m (version
4.1.0; public domain, https://www.naturalearthdata.com/about/terms-of-use/), as redistributed in
TopoJSON by Mike Bostock's npm package ``world-atlas`` 2.0.2 (ISC licence; file
``countries-50m.json``). This script is run once by a developer; its output is committed and the
web app reads only that file: nothing is fetched at run time.

What it does (standard library only, plus pycountry for ISO numeric → alpha-2 codes):

1. decodes the TopoJSON arcs (quantised, delta-encoded) of every country with land in the
   Americas (Hawaii and the Aleutians beyond 180° left out; French, Dutch and British territories in
   the Caribbean and South America kept as context);
2. projects them with a Lambert azimuthal equal-area projection centred on the Americas
   (areas comparable, so Canada and Greenland are not inflated as on Mercator);
3. simplifies each *arc* (Douglas–Peucker in projected units, so neighbouring countries keep one
   shared border and no gaps open), drops islands smaller than a few pixels except for the small
   island states, and writes SVG path data with one decimal;
4. draws the Lesser Antilles a second time, magnified, as an inset, so their states can be seen
   and clicked.

The output (~100 KB) holds ``viewbox``, ``inset`` (frame of the magnified box and the area it
shows) and ``shapes``: ``{code, name_en, d, inset_d}`` per country or territory.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import tarfile
from pathlib import Path

import pycountry

# the 35 independent states of the Americas (the OAS member states)
AMERICAS = (
    "AG AR BS BB BZ BO BR CA CL CO CR CU DM DO EC SV GD GT GY HT HN JM MX NI PA PY PE KN LC VC SR TT US UY VE"
).split()
LON0, LAT0 = -78.0, 12.0  # projection centre
WIDTH = 1000.0  # viewBox width; the height follows the shape
TOLERANCE = 0.45  # Douglas–Peucker tolerance in viewBox units (~ half a pixel at 1000 px)
MIN_AREA = 6.0  # rings smaller than this (viewBox units²) are dropped, except for small states
# the Lesser Antilles, drawn magnified in an inset (lon/lat box)
INSET_BOX = (-63.0, 11.9, -59.3, 17.8)
INSET_SCALE = 7.0


def decode_arcs(topo: dict) -> list[list[tuple[float, float]]]:
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((x * sx + tx, y * sy + ty))
        arcs.append(pts)
    return arcs


def project(lon: float, lat: float) -> tuple[float, float]:
    """Lambert azimuthal equal-area, unit sphere, y up."""
    lam, phi = math.radians(lon - LON0), math.radians(lat)
    phi0 = math.radians(LAT0)
    cosc = math.sin(phi0) * math.sin(phi) + math.cos(phi0) * math.cos(phi) * math.cos(lam)
    k = math.sqrt(2 / (1 + cosc))
    x = k * math.cos(phi) * math.sin(lam)
    y = k * (math.cos(phi0) * math.sin(phi) - math.sin(phi0) * math.cos(phi) * math.cos(lam))
    return x, y


def dp(points: list[tuple[float, float]], tol: float) -> list[tuple[float, float]]:
    """Douglas–Peucker, iterative, endpoints kept."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        (x1, y1), (x2, y2) = points[a], points[b]
        dx, dy = x2 - x1, y2 - y1
        norm = math.hypot(dx, dy)
        best, idx = -1.0, -1
        for i in range(a + 1, b):
            px, py = points[i]
            d = abs(dy * (px - x1) - dx * (py - y1)) / norm if norm else math.hypot(px - x1, py - y1)
            if d > best:
                best, idx = d, i
        if best > tol:
            keep[idx] = True
            stack += [(a, idx), (idx, b)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def ring_coords(ring: list[int], arcs: list[list]) -> list[tuple[float, float]]:
    out: list = []
    for i in ring:
        pts = arcs[i] if i >= 0 else arcs[~i][::-1]
        out.extend(pts if not out else pts[1:])
    return out


def area(pts: list[tuple[float, float]]) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1], strict=True))) / 2


def polygons(geom: dict) -> list[list[list[int]]]:
    if geom["type"] == "Polygon":
        return [geom["arcs"]]
    if geom["type"] == "MultiPolygon":
        return geom["arcs"]
    return []


def in_americas(lonlat: list[tuple[float, float]]) -> bool:
    lon = sum(p[0] for p in lonlat) / len(lonlat)
    lat = sum(p[1] for p in lonlat) / len(lonlat)
    if not (-170 <= lon <= -30 and -60 <= lat <= 84):  # Iceland, the Azores, Chukotka fall outside
        return False
    return not (lon < -140 and lat < 50)  # Hawaii


def path(rings: list[list[tuple[float, float]]]) -> str:
    parts = []
    for r in rings:
        cmds = [f"{x:.1f} {y:.1f}" for x, y in r[:-1]]  # a ring ends where it starts: Z closes it
        parts.append("M" + "L".join(cmds) + "Z")
    return "".join(parts)


def load(source: Path) -> dict:
    if source.suffix in (".tgz", ".gz"):
        with tarfile.open(source) as tar:
            return json.load(io.TextIOWrapper(tar.extractfile("package/countries-50m.json"), "utf-8"))
    return json.loads(source.read_text())


def layout(geoms: list, proj: dict, bbox: tuple) -> tuple[list, tuple]:
    """Shapes in viewBox units for the projected bounding box ``bbox`` (x0, x1, y0, y1), and the
    projected bounding box of the rings kept. The last item of the list is (height, inset frame)."""
    x0, x1, y0, y1 = bbox
    scale = WIDTH / (x1 - x0)
    height = (y1 - y0) * scale

    def to_box(p):
        return ((p[0] - x0) * scale, (y1 - p[1]) * scale)

    boxed = {i: [to_box(p) for p in pts] for i, pts in proj.items()}
    simple = {i: dp(pts, TOLERANCE) for i, pts in boxed.items()}
    # inset: the Lesser Antilles box, magnified, in the open Pacific west of South America
    lo_w, la_s, lo_e, la_n = INSET_BOX
    corners = [to_box(project(lo, la)) for lo in (lo_w, lo_e) for la in (la_s, la_n)]
    ix0, ix1 = min(c[0] for c in corners), max(c[0] for c in corners)
    iy0, iy1 = min(c[1] for c in corners), max(c[1] for c in corners)
    frame_w, frame_h = (ix1 - ix0) * INSET_SCALE, (iy1 - iy0) * INSET_SCALE
    fx, fy = 16.0, height - frame_h - 60.0
    inset_simple = {i: dp(pts, TOLERANCE / INSET_SCALE) for i, pts in boxed.items()}

    def to_inset(p):
        return (fx + (p[0] - ix0) * INSET_SCALE, fy + (p[1] - iy0) * INSET_SCALE)

    shapes: list = []
    kept: list = []
    for code, name, polys in sorted(geoms):
        if code in ("PT", "RU", "IS"):
            continue
        small = code in AMERICAS and sum(area(ring_coords(p[0], boxed)) for p in polys) < 60
        rings, inset_rings = [], []
        for poly in polys:
            for k, ring in enumerate(poly):
                full = ring_coords(ring, boxed)
                pts = ring_coords(ring, simple)
                a = area(full)
                if (k == 0 and (a >= MIN_AREA or small)) or (k > 0 and a >= MIN_AREA):
                    rings.append(pts if len(pts) >= 4 else full)
                    kept += [proj_pt for proj_pt in ring_coords(ring, proj)]
                cx = sum(p[0] for p in full) / len(full)
                cy = sum(p[1] for p in full) / len(full)
                if ix0 <= cx <= ix1 and iy0 <= cy <= iy1 and a * INSET_SCALE**2 >= 1.0:
                    ipts = ring_coords(ring, inset_simple)
                    inset_rings.append([to_inset(p) for p in (ipts if len(ipts) >= 4 else full)])
        if not rings and not inset_rings:
            continue
        shapes.append({"code": code, "name_en": name, "d": path(rings), "inset_d": path(inset_rings)})
    kx, ky = [p[0] for p in kept], [p[1] for p in kept]
    pad = 8 / scale
    shapes.append((height, (fx, fy, frame_w, frame_h)))
    return shapes, (min(kx) - pad, max(kx) + pad, min(ky) - pad, max(ky) + pad)


def build(topo: dict) -> dict:
    raw = decode_arcs(topo)
    geoms = []
    used: set[int] = set()
    for g in topo["objects"]["countries"]["geometries"]:
        num = g.get("id")
        country = pycountry.countries.get(numeric=num) if num else None
        if country is None:
            continue
        polys = []
        for poly in polygons(g):
            outer = ring_coords(poly[0], raw)
            if in_americas(outer) and max(x for x, _ in outer) < 0:  # western Aleutians across 180° left out
                polys.append(poly)
                used |= {i if i >= 0 else ~i for ring in poly for i in ring}
        if polys:
            geoms.append((country.alpha_2, g["properties"]["name"], polys))
    # project every arc in use; lay out twice: the second time framed on the rings actually kept
    proj = {i: [project(*p) for p in raw[i]] for i in used}
    xs = [x for pts in proj.values() for x, _ in pts]
    ys = [y for pts in proj.values() for _, y in pts]
    shapes, bbox = layout(geoms, proj, (min(xs), max(xs), min(ys), max(ys)))
    shapes, bbox = layout(geoms, proj, bbox)
    height, frame = shapes.pop()
    return {
        "source": (
            "Natural Earth 1:50m Admin 0 – Countries 4.1.0 (public domain), via the npm package world-atlas 2.0.2 (ISC)"
        ),
        "script": "scripts/make_map.py",
        "projection": f"Lambert azimuthal equal-area, centre {LON0}°, {LAT0}°",
        "viewbox": [0, 0, round(WIDTH), round(height)],
        "inset": {"frame": [round(v, 1) for v in frame], "box": list(INSET_BOX), "scale": INSET_SCALE},
        "shapes": shapes,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "source", type=Path, help="world-atlas-2.0.2.tgz (npm pack world-atlas@2.0.2) or countries-50m.json"
    )
    ap.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parents[1] / "webapp" / "geo" / "americas.json"
    )
    args = ap.parse_args()
    out = build(load(args.source))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    missing = sorted(set(AMERICAS) - {s["code"] for s in out["shapes"]})
    print(
        f"{args.out}: {len(out['shapes'])} shapes, {args.out.stat().st_size // 1024} KB; missing: {missing or 'none'}"
    )


if __name__ == "__main__":
    main()
