"""Country reconciliation: the pandas-3 workaround, names and codes to ISO3, aliases,
ambiguous names, and the one resolver of a user's unit text (resolve_unit/resolve_units)."""

from __future__ import annotations

import pickle

import country_converter as coco
import pytest
from hypothesis import given
from hypothesis import strategies as st

from airank import DataError
from airank.countries import (
    Reconciliation,
    _converter,
    country_names,
    load_aliases,
    reconcile,
    resolve_unit,
    resolve_units,
)
from airank.errors import AirankError, UnitError


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


# -- ambiguous names ----------------------------------------------------------------------
@pytest.mark.parametrize(("name", "candidates"), [
    ("Congo", ("COD", "COG")), ("Korea", ("KOR", "PRK")), ("Virgin Islands", ("VGB", "VIR")),
    ("korea", ("KOR", "PRK")),
])
def test_names_shared_by_several_countries_are_ambiguous(name, candidates):
    # each is part of several countries' names and no country's own name; the
    # converter's patterns alone pick one (COG, KOR) without a word
    assert _converter().convert([name], to="ISO3", not_found=None) != list(candidates)
    r = reconcile([name])
    assert r.ambiguous == {name: candidates} and r.mapping == {}


@pytest.mark.parametrize(("name", "iso3"), [
    # a country's own name is not ambiguous though other names contain it
    ("Guinea", "GIN"), ("Sudan", "SDN"), ("Niger", "NER"), ("Dominica", "DMA"),
    ("Samoa", "WSM"), ("Georgia", "GEO"), ("Netherlands", "NLD"), ("Ireland", "IRL"),
    ("United States", "USA"), ("Congo Republic", "COG"), ("DR Congo", "COD"),
    ("South Korea", "KOR"), ("North Korea", "PRK"), ("Türkiye", "TUR"), ("rus", "RUS"),
    ("Republic of the Congo", "COG"), ("Korea, Rep.", "KOR"),
])
def test_own_names_and_qualified_names_are_not_ambiguous(name, iso3):
    assert reconcile([name]).mapping == {name: iso3}


# -- resolve_unit -------------------------------------------------------------------------
OGAI_LIKE = country_names(["RUS", "USA", "KOR", "PRK", "GBR", "TUR", "COG", "COD", "FRA",
                           "DEU", "CHN", "IND"])


@pytest.mark.parametrize(("text", "code"), [
    ("RUS", "RUS"), ("rus", "RUS"), ("Rus", "RUS"), (" usa ", "USA"), ("Russia", "RUS"),
    ("Russian Federation", "RUS"), ("United States", "USA"), ("United States of America",
                                                                "USA"),
    ("South Korea", "KOR"), ("Korea, Rep.", "KOR"), ("UK", "GBR"), ("United Kingdom", "GBR"),
    ("Türkiye", "TUR"), ("Turkey", "TUR"), ("turkiye", "TUR"), ("DE", "DEU"), ("840", "USA"),
    ("france", "FRA"),
])
def test_resolve_unit_known_cases(text, code):
    assert resolve_unit(text, OGAI_LIKE) == code


@pytest.mark.parametrize("text", ["Congo", "Korea"])
def test_resolve_unit_ambiguous_lists_candidates(text):
    with pytest.raises(UnitError) as info:
        resolve_unit(text, OGAI_LIKE)
    err = info.value
    (issue,) = err.issues
    assert issue.code == "ambiguous_unit" and issue.value == text
    want = {"Congo": ["COD", "COG"], "Korea": ["KOR", "PRK"]}[text]
    assert err.candidates == want
    assert {"Congo": "COD (DR Congo), COG (Congo Republic)",
            "Korea": "KOR (South Korea), PRK (North Korea)"}[text] in str(err)
    assert isinstance(err, LookupError) and isinstance(err, AirankError)


def test_resolve_unit_ambiguous_even_when_one_candidate_is_not_ranked():
    units = {"KOR": "South Korea", "FRA": "France"}
    with pytest.raises(UnitError, match=r"PRK \(North Korea, not ranked\)") as info:
        resolve_unit("Korea", units)
    assert info.value.candidates == ["KOR", "PRK"]


def test_resolve_unit_unknown_names_the_three_closest():
    with pytest.raises(UnitError) as info:
        resolve_unit("Rusia", OGAI_LIKE)
    err = info.value
    assert err.issues[0].code == "unknown_unit" and err.issues[0].value == "Rusia"
    # difflib ratio: 'rusia' vs 'russia' 10/11, the best of any code or name
    assert len(err.candidates) == 3 and err.candidates[0] == "RUS"
    assert str(err).count("(") >= 3 and "Unknown unit 'Rusia'. Closest ranked units: RUS " \
        "(Russia)" in str(err)


def test_resolve_unit_country_not_ranked():
    with pytest.raises(UnitError, match=r"'Namibia' is NAM \(Namibia\), which is not "
                                        r"ranked\. Closest ranked countries: ") as info:
        resolve_unit("Namibia", OGAI_LIKE, what="country")
    assert info.value.issues[0].code == "unknown_unit" and info.value.issues[0].loc == (
        "country",)


def test_resolve_unit_custom_units_codes_and_exact_names_only():
    units = {"Region_1": "North", "CHE": "Switzerland", "EU27": "European Union"}
    assert resolve_unit("region_1", units, kind="custom") == "Region_1"
    assert resolve_unit("che", units, kind="custom") == "CHE"
    assert resolve_unit("SWITZERLAND ", units, kind="custom") == "CHE"
    assert resolve_unit("european union", units, kind="custom") == "EU27"
    with pytest.raises(UnitError, match="Unknown unit 'Swiss Confederation'"):
        resolve_unit("Swiss Confederation", units, kind="custom")  # no country matching
    assert resolve_unit("Swiss Confederation", {"CHE": "Switzerland"}) == "CHE"


def test_resolve_unit_a_name_two_units_share_is_ambiguous():
    units = {"A1": "North", "A2": "north", "B": "South"}
    with pytest.raises(UnitError, match=r"matches 2 units: A1 \(North\), A2 \(north\)"):
        resolve_unit("North", units, kind="custom")
    assert resolve_unit("a2", units, kind="custom") == "A2"


def test_resolve_unit_aliases():
    assert resolve_unit("Ruritania", {"RUS": "Russia"}, aliases={"Ruritania": "RUS"}) == "RUS"


def test_resolve_units_reports_every_problem_and_pickles():
    assert resolve_units(["rus", "UK"], OGAI_LIKE) == ["RUS", "GBR"]
    with pytest.raises(UnitError) as info:
        resolve_units(["Congo", "rus", "Atlantis", "Korea"], OGAI_LIKE)
    err = info.value
    assert [(i.code, i.value) for i in err.issues] == [
        ("ambiguous_unit", "Congo"), ("unknown_unit", "Atlantis"), ("ambiguous_unit", "Korea")]
    assert err.title == "3 units not resolved"
    assert err.candidates == ["COD", "COG"]
    assert err.candidates_by_text["Korea"] == ["KOR", "PRK"]
    assert len(err.candidates_by_text["Atlantis"]) == 3
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is UnitError and back.candidates_by_text == err.candidates_by_text
    assert str(back) == str(err)


CODES = ["RUS", "USA", "KOR", "NAM", "GBR", "Region_1", "EU27", "CHE", "x9", "NA"]


@given(st.sampled_from(CODES), st.lists(st.booleans(), min_size=8, max_size=8),
       st.sampled_from(["country", "custom"]))
def test_any_ranked_code_in_any_case_resolves_to_itself(code, upper, kind):
    units = {c: f"Name of {c}" for c in CODES}
    text = "".join(ch.upper() if up else ch.lower() for ch, up in zip(code, upper,
                                                                       strict=False))
    assert resolve_unit(text, units, kind=kind) == code
