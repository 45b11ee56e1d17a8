"""The review page's HTTP contract (issue 12), through `vidiacritic review` run as users
run it: the URL line, GET api/words, POST api/words/INDEX, POST api/save, the secret,
the lexicon action, and what is written.  Texts are written here."""
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEXT = ("UY BAN NHAN DAN XA SUNG PHAI\n"
        "Ngay 5 thang 3 nam 2020, Uy ban nhan dan xa to chuc hop tai nha van hoa ban Huoi Luong.\n"
        "  Cac ho gia dinh (12 ho) dang ky truoc 15/3/2020; lien he: 0912.345.678\n")
URL_LINE = re.compile(r"^http://127\.0\.0\.1:(\d+)/([A-Za-z0-9_-]{16,})/$")


class Review:
    """A `vidiacritic review` process and a client for its API."""

    def __init__(self, tmp_path, *extra):
        self.dir = tmp_path
        self.src = tmp_path / "in.txt"
        self.src.write_text(TEXT, encoding="utf-8")
        self.out = tmp_path / "out.txt"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "vidiacritic.cli", "review", str(self.src), "-o", str(self.out),
             "--no-browser", "--port", "0", "--engine", "statistical", *extra],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.line = self.proc.stdout.readline().decode()
        m = URL_LINE.match(self.line.rstrip("\n"))
        assert m, (self.line, self.proc.stderr.read() if self.proc.poll() is not None else "")
        self.url, self.port, self.secret = m.group(0), int(m.group(1)), m.group(2)

    def call(self, path, body=None, *, base=None, headers=None, raw=None):
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        req = urllib.request.Request((base or self.url) + path, data=data, headers=headers or {},
                                     method="GET" if data is None else "POST")
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def json(self, path, body=None):
        status, data = self.call(path, body)
        assert status == 200, (status, data)
        return json.loads(data)

    def close(self):
        if self.proc.poll() is None:
            self.call("api/close", {})
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()


@pytest.fixture
def review(tmp_path):
    r = Review(tmp_path)
    yield r
    r.close()


def fix_output(tmp_path, *extra):
    p = subprocess.run([sys.executable, "-m", "vidiacritic.cli", "fix", "--engine", "statistical", *extra,
                        str(tmp_path / "in.txt")], cwd=ROOT, capture_output=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return p.stdout.decode("utf-8")


def render(text, words):
    """The input text with each word record's "chosen" put at its offset."""
    out, pos = [], 0
    for w in words:
        assert text[w["start"]:w["start"] + len(w["original"])] == w["original"]
        out += [text[pos:w["start"]], w["chosen"]]
        pos = w["start"] + len(w["original"])
    return "".join(out) + text[pos:]


def test_url_line_and_word_records(review, tmp_path):
    assert review.line.endswith("/\n")
    words = review.json("api/words")
    assert [w["index"] for w in words] == list(range(len(words))) and len(words) > 30
    for w in words:
        assert {"index", "original", "chosen", "confidence", "alternatives", "start", "source"} <= set(w)
        assert 0.0 <= w["confidence"] <= 1.0 and all(len(a) == 2 for a in w["alternatives"])
    assert [w["start"] for w in words] == sorted(w["start"] for w in words)
    # the records rebuild fix's output
    assert render(TEXT, words) == fix_output(tmp_path)


def test_save_unchanged_is_exactly_fix_output(review, tmp_path):
    expected = fix_output(tmp_path)
    assert not review.out.exists()
    saved = review.json("api/save", {})
    assert saved["bytes"] == len(expected.encode()) and review.out.read_text(encoding="utf-8") == expected
    # nothing else was written next to the input
    assert sorted(os.listdir(tmp_path)) == ["in.txt", "out.txt"]


def test_choose_then_save_changes_exactly_that_word(review):
    words = review.json("api/words")
    k = next(i for i, w in enumerate(words) if w["alternatives"])
    alt = words[k]["alternatives"][0][0]
    rec = review.json(f"api/words/{k}", {"chosen": alt})
    assert rec["chosen"] == alt and rec["reviewed"] is True and rec["index"] == k
    assert review.json("api/words")[k]["chosen"] == alt
    review.json("api/save", {})
    words[k]["chosen"] = alt
    assert review.out.read_text(encoding="utf-8") == render(TEXT, words)


@pytest.mark.parametrize("body,status", [
    ({"chosen": "a\nb"}, 400), ({"chosen": ""}, 400), ({"chosen": 5}, 400), ({"chosen": "x" * 100}, 400),
])
def test_bad_word_is_refused(review, body, status):
    assert review.call("api/words/0", body)[0] == status
    assert review.call("api/words/100000", {"chosen": "a"})[0] == 404
    assert review.call("api/words/0", raw=b"not json")[0] == 400
    assert review.json("api/words")[0]["reviewed"] is False


def test_requests_without_the_secret_get_404_or_403(review):
    base = f"http://127.0.0.1:{review.port}/"
    for path, body in (("", None), ("api/words", None), ("api/save", {}), ("api/close", {})):
        assert review.call(path, body, base=base)[0] in (403, 404)
        assert review.call(path, body, base=base + "x" * len(review.secret) + "/")[0] in (403, 404)
        assert review.call(path, body, base=base + review.secret[:-1] + "/")[0] in (403, 404)
    assert not review.out.exists()
    # another site's name for this address (DNS rebinding) is refused
    assert review.call("api/words", headers={"Host": f"evil.example:{review.port}"})[0] == 403
    assert review.call("")[0] == 200


def test_page_needs_no_network(review):
    status, page = review.call("")
    assert status == 200
    assert not re.search(rb"(src|href)=[\"']?(https?:)?//", page)  # no external script, style or font


def test_lexicon_action_appends_terms(tmp_path):
    lex = tmp_path / "terms.txt"
    lex.write_bytes("# our commune\nSùng Phài".encode())  # no final newline
    r = Review(tmp_path, "--lexicon", str(lex))
    try:
        assert r.json("api/lexicon", {"term": "bản Huổi Luông"}) == {"term": "bản Huổi Luông", "added": True}
        assert r.json("api/lexicon", {"term": "Sùng Phài"})["added"] is False
        assert r.call("api/lexicon", {"term": "a#b"})[0] == 400
        assert r.call("api/lexicon", {"term": "x\ny"})[0] == 400
        assert lex.read_text(encoding="utf-8") == "# our commune\nSùng Phài\nbản Huổi Luông\n"
        r.json("api/save", {})
        assert sorted(os.listdir(tmp_path)) == ["in.txt", "out.txt", "terms.txt"]
        assert r.out.read_text(encoding="utf-8") == fix_output(tmp_path, "--lexicon", str(lex))
    finally:
        r.close()


def test_lexicon_action_creates_a_new_lexicon_file(tmp_path):
    lex = tmp_path / "new.txt"
    r = Review(tmp_path, "--lexicon", str(lex))
    try:
        assert not lex.exists()
        assert r.json("api/lexicon", {"term": "Nậm Loỏng"})["added"] is True
        assert lex.read_text(encoding="utf-8") == "Nậm Loỏng\n"
    finally:
        r.close()


def test_lexicon_action_without_a_lexicon_file(review):
    status, data = review.call("api/lexicon", {"term": "Sùng Phài"})
    assert status == 400 and b"--lexicon" in data


def test_close_ends_the_process(review):
    assert review.json("api/close", {}) == {"closed": True}
    assert review.proc.wait(timeout=20) == 0


@pytest.mark.parametrize("args,needle", [
    (["-o", "{in}"], "input"),
    (["-o", "{dir}"], "directory"),
    (["-o", "{out}", "--port", "70000"], "port"),
    (["-o", "{out}", "--lexicon", "{bad}"], "bad.txt:1:"),
])
def test_refusals_are_one_line_exit_2(tmp_path, args, needle):
    src = tmp_path / "in.txt"
    src.write_text(TEXT, encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"\xff\n")
    names = {"in": str(src), "dir": str(tmp_path), "out": str(tmp_path / "o.txt"), "bad": str(tmp_path / "bad.txt")}
    p = subprocess.run([sys.executable, "-m", "vidiacritic.cli", "review", str(src), "--no-browser",
                        *[a.format(**names) for a in args]], cwd=ROOT, capture_output=True, timeout=120)
    err = p.stderr.decode()
    assert p.returncode == 2 and err.count("\n") == 1 and err.startswith("vidiacritic: error:") and needle in err, err
    assert p.stdout == b"" and not (tmp_path / "o.txt").exists()


def test_explain_json_uses_the_same_records(tmp_path, review):
    (tmp_path / "in.txt").write_text(TEXT, encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "vidiacritic.cli", "explain", "--json", "--engine", "statistical",
                        str(tmp_path / "in.txt")], cwd=ROOT, capture_output=True, timeout=120)
    lines = [json.loads(x) for x in p.stdout.decode().splitlines()]
    served = review.json("api/words")
    for rec in served:
        del rec["reviewed"]
    assert lines == served
