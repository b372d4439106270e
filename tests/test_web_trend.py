"""The dashboard's trend is the OGAI's comparable series (not a re-ranked headline)."""

from __future__ import annotations

import pytest

from airank import ogai
from airank.web import compute
from airank.web.cache import ogai_index


def test_profile_trend_carries_the_chain_linked_series():
    rows = compute.trend(ogai_index(), "RUS", view="scale", weights={})
    series = ogai.trend("RUS").set_index("edition")
    assert [r["edition"] for r in rows] == list(ogai.EDITIONS)
    for r in rows:
        assert r["comparable_score"] == pytest.approx(series.at[r["edition"],
                                                                "comparable_score"])
        assert r["rank"] == series.at[r["edition"], "rank"]
    entered = {r["edition"]: r["indicators_added"] for r in rows}
    assert "gov_ai_strategy" in entered[2024] and entered[2019] == []
