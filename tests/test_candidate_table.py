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


def _live(generator, key):
    """What the code computes for a table key (OCR_ROW + form: the OCR candidates)."""
    from vidiacritic.candidates import OCR_ROW
    if key.startswith(OCR_ROW):
        return generator._ocr_candidates(key[len(OCR_ROW):])
    return generator._candidates(key)


@pytest.mark.parametrize("ocr", [False, True])
def test_a_sample_of_the_table_equals_the_live_code(generator, ocr):
    from vidiacritic.candidates import OCR_ROW
    keys = sorted(k for k in generator._table if k.startswith(OCR_ROW) == ocr)
    assert len(keys) > 5000
    sample = keys[:: max(1, len(keys) // SAMPLE)]
    stale = [key for key in sample if generator._parse(generator._table[key]) != _live(generator, key)]
    assert not stale, f"{len(stale)} of {len(sample)} rows differ from the code, e.g. {stale[:5]}: rebuild the table"
