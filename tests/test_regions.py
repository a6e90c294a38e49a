"""The UN M49 sub-regions behind "same sub-region" on /start cover every OAS member state exactly once."""

from __future__ import annotations

from indexer import regions

# docs/registration-format.md, `countries`: the codes of the OAS member states
OAS = "AG AR BB BO BR BS BZ CA CL CO CR CU DM DO EC GD GT GY HN HT JM KN LC MX NI PA PE PY SR SV TT US UY VC VE"


def test_every_member_state_is_in_exactly_one_subregion():
    listed = [c for members in regions.SUBREGIONS.values() for c in members]
    assert sorted(listed) == sorted(OAS.split())
    assert len(listed) == len(set(listed)) == 35


def test_neighbours_are_the_same_subregion_only():
    assert regions.subregion("gt") == "013"
    assert "HN" in regions.same_subregion("GT") and "GT" not in regions.same_subregion("GT")
    assert "CO" not in regions.same_subregion("GT")  # South America
    assert regions.same_subregion("FR") == () and regions.subregion("FR") is None


def test_region_names_come_from_cldr_in_each_language():
    assert regions.region_name("013", "en") == "Central America"
    assert regions.region_name("013", "es") == "Centroamérica"
    assert regions.region_name("005", "pt") == "América do Sul"
