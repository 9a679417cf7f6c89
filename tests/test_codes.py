"""Code tables: misspelt mineral names get suggestions; display labels of special codes."""

from __future__ import annotations

import pytest

from mineralwatch.codes import countries, minerals
from mineralwatch.errors import UnknownCodeError


def test_misspelt_minerals_are_named_with_suggestions() -> None:
    assert minerals.suggest(["cobolt"]) == ["cobalt"]
    assert minerals.suggest(["nikel", "galium"])[:1] == ["nickel"]
    assert "gallium" in minerals.suggest(["nikel", "galium"])
    assert minerals.suggest(["qqqqqq"]) == [] and minerals.suggest([]) == []
    with pytest.raises(UnknownCodeError) as err:
        minerals.to_ids(["cobalt", "cobolt", "unobtainium"], file="x.csv", lines=[2, 3, 4])
    text = str(err.value)
    assert "Did you mean: cobalt" in text and "'unobtainium'" in text and "x.csv" in text
    assert minerals.to_ids(["Cobalt", "钴", "Co"]) == ["cobalt"] * 3


def test_short_labels() -> None:
    assert countries.short_label("EUU") == "EU" and countries.short_label("CHN") == "CHN"
    assert countries.to_iso3("EU") == "EUU"  # and back: what users type is accepted
