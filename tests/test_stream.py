"""Streaming restoration (issue 11, item 6): memory bounded whatever the input size,
output identical to restoring the same text in pieces."""
import os
import subprocess
import sys
import tracemalloc

import pytest
from hypothesis import given, settings, strategies as st

from vidiacritic import Restorer
from vidiacritic.encodings import DecodeError
from vidiacritic.stream import HEAD_BYTES, PIECE_CHARS, open_source, pieces, restore_stream, restore_text

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

_TEXT = st.lists(st.sampled_from(["a", "bc", "đồng", " ", "  ", "\n", "\n\n", " \n \n", "\r\n", "-", ".",
                                  "\u0301", "\t", "日本"]), max_size=80).map("".join)


@settings(max_examples=400, deadline=None)
@given(_TEXT, st.integers(2, 30), st.integers(1, 8), st.integers(1, 9))
def test_pieces_are_bounded_lossless_and_independent_of_chunking(text, max_chars, max_words, step):
    ps = list(pieces([text], max_chars, max_words))
    assert "".join(ps) == text
    assert all(p and len(p) <= max_chars and len(p.split()) <= max_words for p in ps)
    chunked = [text[i:i + step] for i in range(0, len(text), step)]
    assert list(pieces(chunked, max_chars, max_words)) == ps


def test_pieces_prefer_paragraph_breaks_then_line_ends_then_spaces():
    assert list(pieces(["ab cd\n\nef gh\nij kl mn"], 8)) == ["ab cd\n\n", "ef gh\n", "ij kl mn"]
    assert list(pieces(["ab cd ef\ngh"], 9)) == ["ab cd ef\n", "gh"]
    assert list(pieces(["x" * 10], 4)) == ["xxx", "xxx", "xxxx"]  # no whitespace: hard cuts


def test_pieces_keep_memory_bounded_on_a_50mb_line():
    # A 50 MB line without a line end, read in 64 KB chunks: what the stream holds at
    # once stays near one chunk plus one piece, not the line.
    def chunks():
        for _ in range(800):
            yield "ab" * 32768

    tracemalloc.start()
    try:
        n = 0
        for p in pieces(chunks()):
            assert len(p) <= PIECE_CHARS
            n += len(p)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert n == 800 * 65536
    assert peak < 4 * 1024 * 1024, peak


@pytest.fixture(scope="module")
def restorer():
    return Restorer(engine="statistical")


_PARAGRAPHS = ["Uy ban nhan dan tinh ban hanh quyet dinh.", "Hoi dong nhan dan huyen hop ky thu hai.",
               "S6 16n cong van nay gui cac so nganh.", "Chu tich thi hanh quyet dinh nay."]


def test_paragraph_pieces_restore_like_the_whole_text(restorer):
    text = "\n\n".join(_PARAGRAPHS * 3) + "\n"
    ps = list(pieces([text], 90, 40))
    assert len(ps) > 3
    assert restore_text(restorer, text, 90, 40) == restorer.restore(text)


def test_the_ocr_decision_is_made_for_the_whole_document(restorer):
    # Only the later pieces have OCR marks (S6, 16n, h¢), enough for the whole document
    # to count as OCR output: the first piece is then read as OCR too, as restore()
    # reads the whole ("Ngu@i" is người only in OCR output).
    text = "Ngu@i dan tu’ phap\n\n" + "\n\n".join(["S6 16n h¢ v€ d¢"] * 3) + "\n"
    assert len(list(pieces([text], 20, 10))) == 4
    whole = restorer.restore(text)
    assert restore_text(restorer, text, 20, 10) == whole
    alone = "".join(restorer.restore(p) for p in pieces([text], 20, 10))
    assert alone != whole  # the first piece, alone, is not read as OCR


def test_the_ocr_decision_uses_the_restorers_own_share(restorer):
    # About one word in six has an OCR mark (S6, Ngu@i): OCR output at the default
    # share, typed text for a restorer whose Config asks for twice that share (and
    # weighs no odds of its words, which the marks alone tip: is_ocr_document).
    # Streaming must decide as restore() decides on the whole text with that Config.
    import dataclasses
    from vidiacritic.stream import ocr_document
    text = "\n\n".join(["S6 cong van nay gui"] * 6 + ["Ngu@i dan tu’ phap"]) + "\n"
    marked, words, odds = restorer.ocr_word_counts(text)
    assert odds > 0
    strict = restorer.with_config(dataclasses.replace(restorer.config, ocr_document_share=2 * marked / words,
                                                      typed_ocr_llr=None))
    assert ocr_document(restorer, [text]) and not ocr_document(strict, [text])
    assert strict.restore(text) != restorer.restore(text)  # the decision shows in the output
    assert restore_text(strict, text, 30, 10) == strict.restore(text)


def test_the_odds_of_ocr_output_are_summed_over_the_whole_document(restorer):
    # Alone, the first paragraph's words say OCR output (two that spell no syllable:
    # read so, "thye hide" is thực hiện); the whole document's say typed text.  Streamed,
    # every piece is read as the whole is, its later readings too (they decide by OCR
    # marks alone: the first piece's own output would again tip to OCR output).
    text = "4. Kinh phi thye hide\n\n" + "cac co quan nha nuoc thuc hien ke hoach nay\n\n" * 3
    first = next(iter(pieces([text], 40, 12)))
    assert restorer.ocr_word_counts(first)[2] > 0 > restorer.ocr_word_counts(text)[2]
    whole = restorer.restore(text)
    assert "thực hiện" in restorer.restore(first) and "thực hiện" not in whole.split("\n")[0]
    assert restore_text(restorer, text, 40, 12) == whole


def test_restore_stream_is_the_pieces_restored_with_one_decision(restorer):
    text = "\n".join(_PARAGRAPHS * 5)  # no blank lines: cut at line ends
    expected_pieces = list(pieces([text], 100, 20))
    marked, words, odds = restorer.ocr_word_counts(text)
    from vidiacritic.restorer import is_ocr_document
    ocr = is_ocr_document(marked, words, restorer.config.ocr_document_share, odds)
    expected = "".join(restorer._run(p, False, ocr_document=ocr).text for p in expected_pieces)
    assert "".join(restore_stream(restorer, lambda: iter([text[:37], text[37:]]), 100, 20)) == expected


def test_a_text_of_one_piece_is_read_once_and_restored_as_restore_does(restorer):
    # One piece: no counting pass over the file first (ocr_word_counts is never asked),
    # the text read once, the restorer deciding from the text itself.
    class Counting:
        def __init__(self):
            self.counts, self.calls, self.config = 0, [], restorer.config

        def ocr_word_counts(self, text):
            self.counts += 1
            return restorer.ocr_word_counts(text)

        def restore(self, text, **kw):
            self.calls.append(kw)
            return restorer.restore(text, **kw)

    reads = []

    def read():
        reads.append(1)
        return iter([text[:20], text[20:]])

    text = "\n".join(_PARAGRAPHS)
    counting = Counting()
    assert "".join(restore_stream(counting, read)) == restorer.restore(text)
    assert (counting.counts, counting.calls, len(reads)) == (0, [{}], 1)
    counting, reads = Counting(), []
    assert "".join(restore_stream(counting, read, 100, 20)) == restore_text(restorer, text, 100, 20)
    assert counting.counts > 0 and all("ocr_document" in kw for kw in counting.calls)  # several: counted first
    assert len(reads) == 2  # (read twice: counted, then restored)
    assert list(restore_stream(counting, lambda: iter([""]))) == []  # an empty text: nothing


def test_a_text_is_counted_as_restore_reads_its_words(restorer):
    # A heading's slashed capitals are read as words (HUYEN/TINH: huyện/tỉnh), and
    # counted as the words they are read as, as the restorer counts them itself.
    from vidiacritic.text import compose_marks
    from vidiacritic.tokens import tokenize
    text = "CAP HUYEN/TINH\nUy ban nhan dan"
    assert restorer.ocr_word_counts(text)[1] == sum(
        1 for t in restorer._tokens(compose_marks(text)) if t.kind == "word") == 7
    assert sum(1 for t in tokenize(text) if t.kind == "word") == 5  # (the tokenizer keeps HUYEN/TINH whole)


# ---------------------------------------------------------------- the lines of one document
_OCR_LINES = ["Ngu@i dan tu’ phap", "S6 16n h¢ v€ d¢", "", "S6 16n h¢ v€ d¢", "Chu tich thi hanh quyet dinh nay."]


def test_restore_lines_reads_the_lines_as_one_document(restorer):
    # Alone, the first line is typed text ("Ngu@i" stays); among the others it is OCR
    # output, as in the whole text.  So the lines' outputs are the whole text's lines.
    alone = [restorer.restore(line) for line in _OCR_LINES]
    whole = restorer.restore("\n".join(_OCR_LINES)).split("\n")
    assert alone != whole
    assert list(restorer.restore_lines(_OCR_LINES)) == whole


def test_restore_lines_keeps_each_lines_own_ending(restorer):
    lines = ["Uy ban nhan dan tinh\n", "hoa binh", "", "thuy loi\r\n", "a\nb\n\nc", "\n", "S6 16n"]
    out = list(restorer.restore_lines(iter(lines)))  # an iterator is listed first
    assert len(out) == len(lines)
    for line, got in zip(lines, out):
        assert got.count("\n") == line.count("\n") and got.endswith("\n") == line.endswith("\n")
        assert got.endswith("\r\n") == line.endswith("\r\n")
    assert out[0] == "Ủy ban nhân dân tỉnh\n" and out[2] == "" and out[5] == "\n"
    # what a file of these lines gives, restored in pieces as `vidiacritic fix` reads it
    text = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
    assert "".join(o if o.endswith("\n") else o + "\n" for o in out) == restore_text(restorer, text)


def test_restore_lines_in_pieces_is_the_file_restored_in_pieces(restorer):
    from vidiacritic.stream import restore_lines
    lines = _PARAGRAPHS * 4 + _OCR_LINES
    out = list(restore_lines(restorer, lines, 60, 12))
    assert len(list(pieces(["\n".join(lines) + "\n"], 60, 12))) > 5
    assert "\n".join(out) + "\n" == restore_text(restorer, "\n".join(lines) + "\n", 60, 12)


def test_restore_lines_refuses_what_is_not_lines(restorer):
    with pytest.raises(TypeError, match="line 1 is bytes"):
        restorer.restore_lines(["a", b"b"])  # at the call, before any output
    with pytest.raises(TypeError, match="not one str"):
        restorer.restore_lines("Uy ban")
    assert list(restorer.restore_lines([])) == []


def test_restore_lines_never_misaligns_its_outputs():
    # A restorer that lost a line break would shift every later line onto the wrong
    # input: an error instead.
    from vidiacritic.errors import VidiacriticError
    from vidiacritic.stream import restore_lines

    class Joiner:
        def restore(self, text):
            return text.replace("\n", " ", 1)

    with pytest.raises(VidiacriticError, match="lost a line break"):
        list(restore_lines(Joiner(), ["a", "b", "c"]))


def test_the_module_function_restores_lines():
    import vidiacritic
    assert vidiacritic.restore_lines(["Uy ban nhan dan tinh", "hoa binh"], engine="statistical") == \
        ["Ủy ban nhân dân tỉnh", "hòa bình"]


# ---------------------------------------------------------------- reading files
def _big_text():
    """More than HEAD_BYTES of text that is cheap to restore (codes, amounts,
    punctuation; words on one line in 50), with non-ASCII characters across read
    boundaries."""
    block = "15/2014/NĐ-CP – 1.250.000 … (12) §3 «QĐ-UBND»\n" * 49 + "Điều 12 uy ban nhan dan\n"
    return block * (2 * HEAD_BYTES // len(block.encode()) + 3)


def test_a_large_utf8_file_is_streamed_and_decodes_as_before(tmp_path):
    from vidiacritic.encodings import decode_bytes
    text = _big_text()
    path = tmp_path / "big.txt"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    with open_source(str(path)) as src:
        assert src.streamed
        assert src.text() == decode_bytes(path.read_bytes()) == text
        assert src.text() == text  # read again (the restorer reads twice)


def test_non_utf8_and_small_files_are_decoded_whole(tmp_path):
    big = tmp_path / "cp1258.txt"
    big.write_bytes(("Vi\u1ec7t Nam đ\u1ed9c l\u1eadp\n" * (HEAD_BYTES // 10)).encode("cp1258", "replace"))
    with open_source(str(big)) as src:
        assert not src.streamed
    small = tmp_path / "small.txt"
    small.write_text("quyet dinh\n", encoding="utf-8")
    with open_source(str(small)) as src:
        assert not src.streamed and src.text() == "quyet dinh\n"


def test_a_nul_byte_far_into_a_large_file_is_refused_as_binary(tmp_path):
    path = tmp_path / "nul.txt"
    path.write_bytes(_big_text().encode("utf-8") + b"\x00" + b"x" * 10)
    with pytest.raises(DecodeError, match="binary"):
        open_source(str(path))


def cli(*args, input=None, timeout=120):
    return subprocess.run([sys.executable, "-m", "vidiacritic.cli", *args], input=input, capture_output=True,
                          cwd=ROOT, timeout=timeout)


def test_fix_dev_zero_fails_at_once_instead_of_reading_forever():
    # Before: `fix /dev/zero` read until memory ran out (~0.75 GB/s).
    p = cli("fix", "/dev/zero", timeout=60)
    assert p.returncode != 0
    lines = p.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("vidiacritic: error:") and "binary" in lines[0]


def test_fix_streams_a_large_file_and_stdin_like_the_library(tmp_path, restorer):
    text = _big_text()
    path = tmp_path / "big.txt"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out.txt"
    p = cli("fix", "--engine", "statistical", "-o", str(out), str(path))
    assert p.returncode == 0, p.stderr
    expected = restore_text(restorer, text)
    assert out.read_text(encoding="utf-8") == expected
    p = cli("fix", "--engine", "statistical", input=text.encode("utf-8"))
    assert p.returncode == 0, p.stderr
    assert p.stdout.decode("utf-8") == expected


def _traced_peak(fn):
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_number_of_pieces(restorer):
    # Eight times the text, restored in pieces of at most 300 words, peaks about as
    # high as the text once; restored whole, it peaks far higher.
    para = " ".join(_PARAGRAPHS) + "\n"
    one = para * 8  # ~300 words
    many = one * 8
    restore_text(restorer, one, 10_000, 300)  # warm the caches
    small = _traced_peak(lambda: restore_text(restorer, one, 10_000, 300))
    large = _traced_peak(lambda: restore_text(restorer, many, 10_000, 300))
    whole = _traced_peak(lambda: restorer.restore(many))
    assert large < 1.5 * small + 256 * 1024, (small, large)
    # The same text whole grows with the text (every token, lattice and score at once),
    # the pieces do not.  (Since the decoder bounds its arrays per group, the whole
    # text's peak is no longer several times a piece's: 7.9 MB against 6.1 MB, where
    # it was 43.9 MB against 5.5 MB.)
    assert whole - small > 10 * max(large - small, 0), (small, large, whole)
