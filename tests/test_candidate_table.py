"""The precomputed candidate table (models/candidates.tsv.gz) answers most tokens of a
document instead of the code in candidates.py and channel.py.  Its fingerprint covers
the channel, the vocabulary and the settings, not the code: a change to retrieval or
scoring would not reach production until the table is rebuilt.  So a spread sample of
the shipped rows is recomputed by the live code here and must come out identical
(rebuild: python -m scripts.build_candidate_table PAIRS.tsv)."""
import pytest

from vidiacritic import Restorer

SAMPLE = 300


@pytest.fixture(scope="module")
def generator():
    return Restorer(engine="statistical").generator


def test_the_table_is_loaded(generator):
    assert len(generator._table) > 5000, "models/candidates.tsv.gz is stale or missing: rebuild it"


def test_a_sample_of_the_table_equals_the_live_code(generator):
    keys = sorted(generator._table)
    sample = keys[:: max(1, len(keys) // SAMPLE)]
    stale = [obs for obs in sample if generator._parse(generator._table[obs]) != generator._candidates(obs)]
    assert not stale, f"{len(stale)} of {len(sample)} rows differ from the code, e.g. {stale[:5]}: rebuild the table"
