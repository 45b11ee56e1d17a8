"""scripts/measure_correct_text.py: how words changed on correct text are counted."""
from scripts.measure_correct_text import changed_words, usable


def test_a_changed_word_counts_once_and_is_listed():
    words, changed, kinds = changed_words(["các cơ quan nhà nước"], ["các cơ quan nhà nuớc"])
    assert (words, changed) == (5, 1)
    assert kinds == {"nước → nuớc": 1}


def test_case_and_tone_placement_are_no_change():
    words, changed, _ = changed_words(["Hoà bình và thuỷ lợi"], ["hòa bình và thủy lợi"])
    assert (words, changed) == (5, 0)


def test_a_split_word_counts_as_changed():
    words, changed, kinds = changed_words(["họp tạiKhoản"], ["họp tại Khoản"])
    assert words == 2 and changed == 1 and sum(kinds.values()) == 1


def test_usable_lines_are_prose():
    assert usable("Ủy ban nhân dân tỉnh ban hành kế hoạch thực hiện nhiệm vụ năm 2024.")
    assert not usable("1.2.3\t4.5.6")
    assert not usable("ngắn")
