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


def test_the_table_is_accepted_by_its_inputs_digest_and_its_fingerprint(generator):
    """The restorer accepts the shipped table by the digest of the files its inputs are
    read from, without reading the OCR forms or computing the fingerprint; the
    fingerprint in the same header must be the live generator's too (the digest cannot
    see a change of the code that reads those files)."""
    import gzip

    from vidiacritic.resources import candidate_inputs, candidate_table_path
    head = gzip.open(candidate_table_path(), "rt", encoding="utf-8").readline().rstrip("\n").split("\t")
    assert len(head) == 3, "the table's header has no inputs digest: rebuild it"
    assert head[2] == generator.inputs_digest(candidate_inputs()), "stale inputs digest: rebuild the table"
    assert generator.uses_table_rows()
    fresh = Restorer(engine="statistical").generator
    assert fresh._ocr_forms is None  # (accepted by the digest: the OCR forms were not read)
    assert head[1] == fresh.fingerprint(), "stale fingerprint: rebuild the table"


def test_a_wrong_digest_falls_back_on_the_fingerprint(generator, tmp_path):
    import gzip
    import shutil

    from vidiacritic.candidates import CandidateGenerator
    from vidiacritic.resources import candidate_table_path
    fresh = CandidateGenerator(dict(generator._vocab_counts), generator.channel, rewrites=generator.rewrites,
                               ocr_forms=lambda: generator.ocr_forms)
    assert fresh.load_table(str(candidate_table_path()), "0" * 16)  # (by the fingerprint)
    assert fresh._ocr_forms is not None
    text = gzip.open(candidate_table_path(), "rt", encoding="utf-8").read()
    head, _, body = text.partition("\n")
    wrong = tmp_path / "t.tsv.gz"
    with gzip.open(wrong, "wt", encoding="utf-8") as fh:
        fh.write("#fingerprint\t0123456789abcdef\t" + head.split("\t")[2] + "\n" + body)
    other = CandidateGenerator(dict(generator._vocab_counts), generator.channel, rewrites=generator.rewrites,
                               ocr_forms=lambda: generator.ocr_forms)
    assert not other.load_table(str(wrong), "f" * 16)  # neither the digest nor the fingerprint
    assert not other.uses_table_rows()
    shutil.copy(candidate_table_path(), tmp_path / "same.tsv.gz")
    assert other.load_table(str(tmp_path / "same.tsv.gz"), head.split("\t")[2])


def test_forms_with_learned_readings_are_told_alike_by_the_table(generator):
    """With the table's rows answering which forms have learned readings, every OCR
    word gets the candidates it got from the OCR forms themselves."""
    from vidiacritic.candidates import CandidateGenerator
    plain = CandidateGenerator(dict(generator._vocab_counts), generator.channel, rewrites=generator.rewrites,
                               ocr_forms=generator.ocr_forms)  # (no table: the OCR forms decide)
    words = sorted(generator.ocr_forms)[::40] + ["chic", "cua", "s6", "Viét", "xyzq", "ctia", "16n", "ĐÂY"]
    for w in words:
        assert generator.ocr_candidates(w) == plain.ocr_candidates(w), w
