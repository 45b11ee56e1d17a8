"""One frozen configuration (issue 10): Restorer(config=...), sweeps through
dataclasses.replace, the version that follows the configuration, and the seq2seq
scorer's weights read from its model folder (weights.json), checked like any model file."""
import json
import shutil
from dataclasses import FrozenInstanceError, replace

import pytest

from vidiacritic import Restorer, resources
from vidiacritic.config import DEFAULT, WEIGHTS_FILE, Config, ModelWeights
from vidiacritic.errors import CorruptResource

TEXT = "Uy ban nhan dan tinh quyet dinh giao dat cho nguoi su dung tai xa Thanh Binh.\n"


@pytest.fixture(scope="module")
def rules():
    return Restorer(engine="rules")


def test_the_configuration_is_frozen(rules):
    with pytest.raises(FrozenInstanceError):
        rules.config.phrase_bonus = 0.0
    with pytest.raises(FrozenInstanceError):
        DEFAULT.channel_weight = 2.0


def test_with_config_equals_a_restorer_made_with_it(rules):
    """A sweep shares the loaded models and gives what a fresh restorer would; the
    original restorer keeps its own configuration, and the version follows it."""
    other = replace(DEFAULT, rules_phrase_bonus=0.0, keep_logp=-1.0)
    swept = rules.with_config(other)
    fresh = Restorer(engine="rules", config=other)
    assert swept.restore(TEXT) == fresh.restore(TEXT)
    assert swept.restore(TEXT) != rules.restore(TEXT)  # the values act
    assert rules.config == DEFAULT and swept.generator is rules.generator
    assert swept.version == fresh.version != rules.version


@pytest.mark.parametrize("data,problem", [
    ({"weight": 1.0, "gate": 0.8}, "keys"),
    ({"weight": 1.0, "gate": 0.8, "marked_weight": 0.5, "passes": 2}, "keys"),
    ({"weight": "1", "gate": 0.8, "marked_weight": 0.5}, "weight must be a finite number"),
    ({"weight": float("nan"), "gate": 0.8, "marked_weight": 0.5}, "finite"),
    ({"weight": True, "gate": 0.8, "marked_weight": 0.5}, "finite number"),
    ({"weight": 1.0, "gate": 1.5, "marked_weight": 0.5}, "gate = 1.5 is out of range"),
    ({"weight": -1.0, "gate": 0.8, "marked_weight": 0.5}, "out of range"),
    ([1.0, 0.8, 0.5], "keys"),
])
def test_weights_files_are_validated(data, problem):
    with pytest.raises(ValueError, match=problem):
        ModelWeights.from_json(data)


def test_the_shipped_weights_are_read_from_the_model_folder():
    shipped = json.loads((resources.models_dir() / "seq2seq" / WEIGHTS_FILE).read_text(encoding="utf-8"))
    assert resources.load_model_weights() == ModelWeights(**shipped)
    assert Config().model is None  # nothing tuned for a model lives in code


@pytest.fixture(scope="module")
def other_model(tmp_path_factory):
    pytest.importorskip("sentencepiece")
    folder = tmp_path_factory.mktemp("other") / "seq2seq"
    shutil.copytree(resources.models_dir() / "seq2seq", folder,
                    ignore=shutil.ignore_patterns("generator", "*.png", "train_log.jsonl"))
    return folder


def test_a_model_dir_brings_its_own_weights(other_model, stat, model):
    """model_dir's weights.json is the model's tuning: with weight 0 the model engine
    gives the statistical result; without the file, the untuned defaults."""
    assert model.config.model == resources.load_model_weights()
    (other_model / WEIGHTS_FILE).write_text('{"weight": 0, "gate": 0.8, "marked_weight": 0.5}', encoding="utf-8")
    silent = Restorer(engine="model", model_dir=other_model)
    assert silent.config.model == ModelWeights(0.0, 0.8, 0.5)
    assert silent.restore(TEXT) == stat.restore(TEXT)
    # an explicit configuration's weights win over the folder's
    loud = Restorer(engine="model", model_dir=other_model, config=replace(DEFAULT, model=resources.load_model_weights()))
    assert loud.config.model == model.config.model and loud.version != silent.version
    (other_model / WEIGHTS_FILE).unlink()
    assert Restorer(engine="model", model_dir=other_model).config.model == ModelWeights()


def test_a_bad_weights_file_in_model_dir_is_an_error(other_model):
    (other_model / WEIGHTS_FILE).write_text('{"weight": 1.0, "gate": 2, "marked_weight": 0.5}', encoding="utf-8")
    for engine in ("model", "auto"):  # never a silent fallback to a weaker engine
        with pytest.raises(CorruptResource, match=r"weights.json: cannot be loaded \(gate = 2 is out of range\)"):
            Restorer(engine=engine, model_dir=other_model)
    (other_model / WEIGHTS_FILE).unlink()


def test_typed_weight_is_optional_in_a_weights_file():
    assert ModelWeights.from_json({"weight": 0.5, "gate": 0.8, "marked_weight": 0.75}).typed_weight == 1.0
    assert ModelWeights.from_json({"weight": 0.5, "gate": 0.8, "marked_weight": 0.75,
                                   "typed_weight": 0.25}).typed_weight == 0.25


def test_typed_marked_weight_is_optional_and_falls_back_to_marked_weight():
    old = ModelWeights.from_json({"weight": 0.5, "gate": 0.8, "marked_weight": 0.75})
    assert old.typed_marked == 0.75
    new = ModelWeights.from_json({"weight": 0.5, "gate": 0.8, "marked_weight": 0.75, "typed_marked_weight": 0.3})
    assert new.typed_marked == 0.3 and new.marked_weight == 0.75
    with pytest.raises(ValueError, match="out of range"):
        ModelWeights.from_json({"weight": 0.5, "gate": 0.8, "marked_weight": 0.75, "typed_marked_weight": -0.5})


def test_typed_text_with_marks_and_vie_ocr_get_their_own_scorer_factors(stat):
    """A document read as typed-marked (its marks mostly right, read by the first pass)
    weighs the scorer by typed_marked_weight; Tesseract-vie output keeps marked_weight."""
    from vidiacritic.marks import TYPED_MARKED, VIE_OCR, DocumentReading
    from vidiacritic.restorer import _Document
    r = stat.with_config(replace(DEFAULT, model=ModelWeights(0.4, 0.8, 0.9, 0.3, 0.2)))
    doc = _Document("", False, False)
    doc.reading = DocumentReading(TYPED_MARKED, 0.3, 0.0, 0.001, 100)
    assert r._scorer_scale(doc) == 0.2
    doc.reading = DocumentReading(VIE_OCR, 0.01, 0.0, 0.05, 100)
    assert r._scorer_scale(doc) == 0.9


def test_typed_weight_scales_the_scorer_in_typed_text_without_marks(stat):
    """typed_weight 0 silences the scorer in typed text without marks only: the model
    engine then gives the statistical result there; at factor 1 it does not (this
    sentence was written to be one where they differ)."""
    typed = "ban co the cho toi muon cuon sach"
    silent = Restorer(engine="model", config=replace(DEFAULT, model=ModelWeights(1.0, 1.0, 1.0, 0.0)))
    loud = Restorer(engine="model", config=replace(DEFAULT, model=ModelWeights(1.0, 1.0, 1.0, 1.0)))
    assert silent.restore(typed) == stat.restore(typed)
    assert loud.restore(typed) != stat.restore(typed)


@pytest.mark.parametrize("engine", ["statistical", "auto"])
def test_context_overrules_an_administrative_phrase_in_other_text(engine):
    """The lexicon's "cơ sở" (unambiguous in legal text) no longer outweighs a context
    that reads có số dư (Config.phrase_bonus, chosen on training-split legal and news text)."""
    out = Restorer(engine=engine).restore("tai khoan cua toi co so du rat lon")
    assert out == "tài khoản của tôi có số dư rất lớn"


def test_documents_read_as_marked_get_their_own_phrase_bonus(stat):
    from vidiacritic.marks import ENG_OCR, TYPED_MARKED, TYPED_UNMARKED, VIE_OCR, DocumentReading
    lattices = stat.with_config(replace(DEFAULT, phrase_bonus=1.5, marked_phrase_bonus=2.5)).lattices
    def reading(kind):
        return DocumentReading(kind, 0.0, 0.0, 0.01, 100)
    assert lattices.bonus_weight(None) == 1.5
    assert [lattices.bonus_weight(reading(k)) for k in (ENG_OCR, TYPED_UNMARKED)] == [1.5, 1.5]
    assert [lattices.bonus_weight(reading(k)) for k in (VIE_OCR, TYPED_MARKED)] == [2.5, 2.5]


def test_the_rules_engine_keeps_its_own_phrase_bonus(rules):
    """Its language model reads no context: the lexicon is all it has."""
    lattices = rules.with_config(replace(DEFAULT, phrase_bonus=1.5, rules_phrase_bonus=3.5)).lattices
    assert lattices.bonus_weight(None) == 3.5


def _read_before_decoding(restorer, text):
    """A document of `text` through the restorer's stages up to decoding."""
    from vidiacritic.restorer import STAGES, _Document
    doc = _Document(text, False, None)
    for stage in STAGES[:STAGES.index("find_foreign_words") + 1]:
        getattr(restorer, "_" + stage)(doc)
    return doc


def _phrase_weight(restorer, text):
    return restorer._phrase_weight(_read_before_decoding(restorer, text))


def test_ocr_output_of_another_domain_gets_less_phrase_bonus(stat):
    """The lexicon's administrative phrases mislead in other text: an OCR document whose
    words its phrases cover little (Config.phrase_coverage_low/high) gets less of
    Config.phrase_bonus.  OCR of general text written for the tests (tests/fixtures/domain,
    scripts/make_domain_fixture.py: travel, sport, nature, cooking) gets none, a
    legal report (data/sample_ocr.txt) all of it; typed text and short documents keep
    the configured bonus (None: LatticeBuilder.bonus_weight)."""
    from pathlib import Path
    here = Path(__file__).parent
    wiki = (here / "fixtures" / "domain" / "general_ocr.txt").read_text(encoding="utf-8")
    gold = (here / "fixtures" / "domain" / "general_gold.txt").read_text(encoding="utf-8").split("\n")
    legal = (here.parent / "data" / "sample_ocr.txt").read_text(encoding="utf-8")
    assert _phrase_weight(stat, wiki) == 0.0
    assert _phrase_weight(stat, legal) is None  # 279 words: too few to tell
    shorter = stat.with_config(replace(DEFAULT, phrase_coverage_min_words=200))
    assert _phrase_weight(shorter, legal) == DEFAULT.phrase_bonus
    assert _phrase_weight(stat, "\n".join(wiki.split("\n")[:10])) is None
    assert _phrase_weight(stat, stat.restore(wiki)) is None  # typed (marked) text
    from vidiacritic.evaluate import score
    always = stat.with_config(replace(DEFAULT, phrase_coverage_low=-1.0, phrase_coverage_high=0.0))
    assert score(stat.restore(wiki).split("\n"), gold)["syl_acc"] > \
        score(always.restore(wiki).split("\n"), gold)["syl_acc"]


def test_tesseract_vie_output_of_another_domain_gets_less_phrase_bonus(stat):
    """Tesseract-vie output is told from legal text alike (Restorer._phrase_weight):
    the general text of tests/fixtures/domain as a poor scan read by Tesseract-vie
    (general_vie_ocr.txt, read as vie-ocr) gets no phrase bonus, the legal sample read
    alike (legal_vie_ocr.txt) all of Config.marked_phrase_bonus; without the gate the
    general text comes out worse.  (Training-split Tesseract-vie poor scans: a phrase
    reaches 0.60-0.64 of the words of news and Wikipedia, 0.82-0.86 of legal text.)"""
    from pathlib import Path
    from vidiacritic.marks import VIE_OCR
    here = Path(__file__).parent / "fixtures" / "domain"
    general = (here / "general_vie_ocr.txt").read_text(encoding="utf-8")
    gold = (here / "general_gold.txt").read_text(encoding="utf-8").split("\n")
    legal = (here / "legal_vie_ocr.txt").read_text(encoding="utf-8")
    assert _read_before_decoding(stat, general).reading.kind == VIE_OCR
    assert _read_before_decoding(stat, legal).reading.kind == VIE_OCR
    assert _phrase_weight(stat, general) == 0.0
    shorter = stat.with_config(replace(DEFAULT, phrase_coverage_min_words=200))
    assert _phrase_weight(shorter, legal) == DEFAULT.marked_phrase_bonus
    assert stat.lattices.other_domain(0.0, _read_before_decoding(stat, general).reading)
    assert not stat.lattices.other_domain(0.6 * DEFAULT.marked_phrase_bonus,
                                          _read_before_decoding(stat, general).reading)
    from vidiacritic.evaluate import score
    always = stat.with_config(replace(DEFAULT, phrase_coverage_low=-1.0, phrase_coverage_high=0.0))
    assert score(stat.restore(general).split("\n"), gold)["syl_acc"] > \
        score(always.restore(general).split("\n"), gold)["syl_acc"]


def test_the_scorer_weighs_less_in_ocr_output_of_another_domain(stat):
    """The seq2seq scorer learned from legal Tesseract pairs: in OCR output of another
    domain (no phrase bonus, Restorer._phrase_weight) its weight takes the factor
    Config.domain_scorer_factor, in between in proportion, in legal OCR none."""
    from pathlib import Path
    here = Path(__file__).parent
    wiki = (here / "fixtures" / "domain" / "general_ocr.txt").read_text(encoding="utf-8")
    legal = (here.parent / "data" / "sample_ocr.txt").read_text(encoding="utf-8")
    r = stat.with_config(replace(DEFAULT, phrase_coverage_min_words=200, domain_scorer_factor=0.25))

    def scale(text):
        doc = _read_before_decoding(r, text)
        doc.phrase_weight = r._phrase_weight(doc)
        return r._scorer_scale(doc)
    assert scale(wiki) == 0.25
    assert scale(legal) == 1.0
    assert scale("\n".join(wiki.split("\n")[:10])) == 1.0  # too short to tell
    # Tesseract-vie output too, from its own weight (ModelWeights.marked_weight)
    from vidiacritic.config import ModelWeights
    vie = r.with_config(replace(r.config, model=ModelWeights(marked_weight=0.8)))
    general = (here / "fixtures" / "domain" / "general_vie_ocr.txt").read_text(encoding="utf-8")
    legal_vie = (here / "fixtures" / "domain" / "legal_vie_ocr.txt").read_text(encoding="utf-8")

    def vie_scale(text):
        doc = _read_before_decoding(vie, text)
        doc.phrase_weight = vie._phrase_weight(doc)
        return vie._scorer_scale(doc)
    assert vie_scale(general) == pytest.approx(0.8 * 0.25)
    assert vie_scale(legal_vie) == pytest.approx(0.8)
