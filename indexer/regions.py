"""Sub-regions of the Americas (UN M49), for "a country near yours" on the /start page.

"Neighbouring" is defined honestly as *the same UN M49 sub-region*, not a shared border: M49 is the
UN Statistics Division's *Standard country or area codes for statistical use*, and its sub-regions
are what CLDR's ``territoryContainment`` (common/supplemental/supplementalData.xml) lists under the
codes below. Babel ships CLDR's region *names* in every language (``Locale('es').territories['013']``
is "Centroamérica") but not the containment table, so the table for the 35 OAS member states is
copied here; ``tests/test_regions.py`` checks that it covers each of them exactly once.
"""

from __future__ import annotations

from functools import lru_cache

# UN M49 sub-region code -> the OAS member states it contains (CLDR territoryContainment, non-members left out)
SUBREGIONS: dict[str, tuple[str, ...]] = {
    "021": ("CA", "US"),  # Northern America
    "013": ("BZ", "CR", "GT", "HN", "MX", "NI", "PA", "SV"),  # Central America
    "029": ("AG", "BB", "BS", "CU", "DM", "DO", "GD", "HT", "JM", "KN", "LC", "TT", "VC"),  # Caribbean
    "005": ("AR", "BO", "BR", "CL", "CO", "EC", "GY", "PE", "PY", "SR", "UY", "VE"),  # South America
}
OAS_MEMBERS: tuple[str, ...] = tuple(sorted(c for codes in SUBREGIONS.values() for c in codes))


@lru_cache(maxsize=64)
def subregion(country: str) -> str | None:
    """The M49 sub-region code of an OAS member state (``"GT"`` -> ``"013"``), else None."""
    code = str(country).upper()
    return next((region for region, members in SUBREGIONS.items() if code in members), None)


def same_subregion(country: str) -> tuple[str, ...]:
    """The other member states of ``country``'s sub-region (empty when it has none here)."""
    region = subregion(country)
    return tuple(c for c in SUBREGIONS.get(region, ()) if c != str(country).upper()) if region else ()


@lru_cache(maxsize=32)
def region_name(region: str, lang: str = "en") -> str:
    """The sub-region's name as CLDR writes it in ``lang`` ("Central America", "Centroamérica", "América Central")."""
    from babel import Locale, UnknownLocaleError

    try:
        names = Locale.parse(lang).territories
    except (UnknownLocaleError, ValueError):
        names = Locale.parse("en").territories
    return names.get(region) or region
