"""Country reconciliation: the pandas-3 workaround, names and codes to ISO3, aliases."""

from __future__ import annotations

import country_converter as coco
import pytest

from airank import DataError
from airank.countries import Reconciliation, _converter, country_names, load_aliases, reconcile


def test_pandas3_workaround_keeps_namibia():
    # country_converter's own CountryConverter() reads "NA" (Namibia's ISO2) as missing
    # and fails to start under pandas 3; ours reads its table with that marker kept.
    try:
        coco.CountryConverter()
    except Exception:  # TypeError under pandas 3 (country_converter 1.3.2)
        pass
    table = _converter().data
    assert table.loc[table["ISO3"] == "NAM", "ISO2"].tolist() == ["NA"]
    r = reconcile(["Namibia", "NA", "NAM", "516"])
    assert r.mapping == {"Namibia": "NAM", "NA": "NAM", "NAM": "NAM", "516": "NAM"}
    assert r.ok


@pytest.mark.parametrize(("name", "iso3"), [
    ("Russian Federation", "RUS"), ("Korea, Rep.", "KOR"), ("Korea, Dem. People's Rep.", "PRK"),
    ("Viet Nam", "VNM"), ("Côte d'Ivoire", "CIV"), ("Turkiye", "TUR"), ("United States", "USA"),
    ("US", "USA"), ("GBR", "GBR"), ("Iran, Islamic Rep.", "IRN"), ("Congo, Dem. Rep.", "COD"),
    ("Czechia", "CZE"), ("Kosovo", "XKX"), ("  France ", "FRA"),
])
def test_names_and_codes_to_iso3(name, iso3):
    assert reconcile([name]).mapping == {name: iso3}


def test_unmatched_and_ambiguous_are_returned_not_dropped():
    names = ["France", "Atlantis", "Ireland and United Kingdom", "Belgium-Luxembourg", "France"]
    r = reconcile(names)
    assert r.mapping == {"France": "FRA"}  # duplicates matched once
    assert r.unmatched == ("Atlantis", "Belgium-Luxembourg")
    assert r.ambiguous == {"Ireland and United Kingdom": ("IRL", "GBR")}
    assert not r.ok
    assert Reconciliation().ok


def test_aliases_come_first():
    r = reconcile(["Korea", " Atlantis", "France"],
                  aliases={"Korea": "PRK", "Atlantis ": "ATL", "france": "XXX"})
    # exact after stripping spaces; case-sensitive ("france" is not "France")
    assert r.mapping == {"Korea": "PRK", " Atlantis": "ATL", "France": "FRA"}


def test_country_names():
    assert country_names(["NAM", "KOR", "XKX"]) == {"NAM": "Namibia", "KOR": "South Korea",
                                                   "XKX": "Kosovo"}
    assert country_names(["EU27"]) == {"EU27": "EU27"}  # unknown codes map to themselves
    assert country_names([]) == {}


def test_load_aliases(tmp_path):
    f = tmp_path / "aliases.csv"
    f.write_bytes("name,iso3,note\nBelgium-Luxembourg ,bel,trade stats\n"
                  "Korea,PRK,\nKorea,PRK,repeated but the same\n".encode("utf-8-sig"))
    assert load_aliases(f) == {"Belgium-Luxembourg": "BEL", "Korea": "PRK"}


def test_load_aliases_missing_columns(tmp_path):
    f = tmp_path / "aliases.csv"
    f.write_text("country,code\nKorea,PRK\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"must have columns 'name' and 'iso3'\. "
                                        r"Missing: \['iso3', 'name'\]") as info:
        load_aliases(f)
    assert info.value.issues[0].code == "missing_column"


def test_load_aliases_conflicts_and_bad_rows_listed_together(tmp_path):
    f = tmp_path / "aliases.csv"
    f.write_text("name,iso3\nKorea,KOR\nKorea ,PRK\nAtlantis,AT\n,FRA\nCongo,COG\n",
                 encoding="utf-8")
    with pytest.raises(DataError, match="3 problem") as info:
        load_aliases(f)
    found = {(i.code, i.loc[1:]): i for i in info.value.issues}
    assert set(found) == {("conflicting_alias", ("row 3", "iso3")),
                          ("bad_alias", ("row 4", "iso3")), ("bad_alias", ("row 5", "name"))}
    assert found[("conflicting_alias", ("row 3", "iso3"))].message == (
        "'Korea' is mapped to both 'KOR' and 'PRK'.")
    assert "three-letter code. Got 'AT'" in str(info.value)


def test_load_aliases_missing_file(tmp_path):
    with pytest.raises(DataError, match=r"Alias file '.*nope\.csv' does not exist"):
        load_aliases(tmp_path / "nope.csv")
