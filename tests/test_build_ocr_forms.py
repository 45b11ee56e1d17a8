"""scripts/build_ocr_forms.py: which (OCR form, syllable) pairs are learned, and their
log P(form | syllable)."""
import math

from scripts.build_ocr_forms import aligned_words, count_forms, table_rows


def test_only_letter_damage_is_counted_against_every_occurrence(tmp_path):
    pairs = tmp_path / "p.tsv"
    pairs.write_text(
        "Viéc nay dutge thyc hién\tViệc này được thực hiện\tfont\n"
        "dutge lam ngay\tđược làm ngay\tfont\n"
        "duoc lam\tđược làm\tfont\n"            # marks lost only: the letter channel's job
        "mot hai ba\tmột hai\tfont\n"            # words do not line up: skipped
        "Tu’ phap\tTư pháp\tfont\n", encoding="utf-8")
    words = list(aligned_words([str(pairs)]))
    assert ("dutge", "được") in words and ("tu", "tư") in words  # joined, read as lookup sees it
    assert not any(g == "một" for _, g in words)
    forms, counts, seen = count_forms(words)
    assert forms[("dutge", "được")] == 2 and ("duoc", "được") not in forms
    assert counts["được"] == 3
    rows = table_rows(forms, counts, min_count=2)
    assert rows == [("dutge", "được", round(math.log(2 / 3), 4))]
    assert ("thyc", "thực", 0.0) in table_rows(forms, counts, min_count=1)
    assert seen["lam"] == 2 and seen["dutge"] == 2


def test_a_pair_rare_among_its_forms_readings_is_misalignment():
    # "nha" read right 99 times and once paired with nước (a line whose words shifted)
    words = [("nha", "nha")] * 99 + [("nha", "nước"), ("dutge", "được")]
    forms, counts, seen = count_forms(words)
    assert [r[:2] for r in table_rows(forms, counts, 1, seen, min_share=0.02)] == [("dutge", "được")]
    assert len(table_rows(forms, counts, 1, seen, min_share=0.0)) == 2


def test_measure_counts_what_the_table_fixes(stat):
    from dataclasses import replace
    from scripts.measure_ocr_forms import measure
    text, gold = "Viéc nay dutge thyc hién.", "Việc này được thực hiện."
    # (without widening: its forms from the context reach "được" too, Config.eng_widen,
    # and the measure is of what the table alone adds)
    narrow = stat.with_config(replace(stat.config, eng_widen=0))
    without = measure(narrow, None, 0.5, text, gold)
    with_table = measure(narrow, {"dutge": (("được", -0.1),)}, 0.5, text, gold)
    assert with_table["fixed"] == without["fixed"] + 1 and with_table["syl_acc"] > without["syl_acc"]
    assert "được" in stat.restore(text)  # the shipped table is back in place afterwards
