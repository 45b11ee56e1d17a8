"""scripts/error_report.py: the kinds of a wrong word."""

from scripts.error_report import kind_of

VALID = {"nhầm", "nhằm", "tình", "trình", "được", "đảo", "đào"}


def valid(w):
    return w in VALID


def test_coarse_kinds():
    assert kind_of("nhầm", "nhằm", "nhầm") == "kept"
    assert kind_of("sạch", "sách", "sach") == "marks"
    assert kind_of("tình", "trình", "tinh") == "letters"


def test_fine_kinds():
    assert kind_of("nhầm", "nhằm", "nhầm", valid) == "kept-valid-marks"
    assert kind_of("tình", "trình", "tình", valid) == "kept-valid-letters"
    assert kind_of("durge", "được", "durge", valid) == "kept-invalid"
    assert kind_of("Nhầm,", "nhằm", "Nhầm,", valid) == "kept-valid-marks"   # case, punctuation
    assert kind_of("đảo", "đào", "đảo", valid) == "kept-valid-tone"
    assert kind_of("sạch", "sách", "sach", valid) == "marks"
    assert kind_of("tình", "trình", "tinh", valid) == "letters-missing"
    assert kind_of("trình", "tình", "trinh", valid) == "letters-extra"
    assert kind_of("quân", "quản", "quan", valid) == "marks"
    assert kind_of("tăm", "tầm", "tăm", valid) == "kept-invalid"
    assert kind_of("lâm", "tầm", "tăm", valid) == "letters-other"
