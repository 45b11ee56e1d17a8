/* vidiacritic._decode: the hot loops in C: the decoder's (vidiacritic/viterbi.py), the
   edit channel's dynamic programming (vidiacritic/channel.py) and the phrase trie's walk
   (vidiacritic/lexicon.py).

   Optional: setup.py builds it when a C compiler is there, and vidiacritic runs the
   numpy / Python code alone when it is missing (or when VIDIACRITIC_DECODER=numpy:
   vidiacritic/compiled.py).  It reads plain buffers (the buffer protocol), so building
   it needs no numpy headers.

   edit_dp (CharEditModel.logp and logp_many) gives their float64 scores to the bit, and
   phrase_matches (PhraseLexicon.matches) their matches; the decoder's functions give the
   same numbers as their numpy counterparts to the bit:

   bigram_lookup(lm, n, v, w, out)
       NgramLM.bigram_lookup's float32 log P(w | v) of n id pairs, without the dense table.
   bigram_keep(lm, B, T, K, start, ids, un, front, keep, lm_weight, kept)
       viterbi._bigram_keep over ids[:, start:], un[:, start:] (B, T, K arrays, int64 and
       float64), front (B,) int64; writes kept (B, T - start - 2, min(K, keep)) int64.
   viterbi2(lm, B, T, K, ids, un, front, lm_weight, path, mm)
       viterbi._viterbi2's dynamic programming; writes the best path (B, T - 3) int64 and
       the max-marginals (B, T - 3, K) float64 (their softmax stays in numpy).

   The language-model scores are looked up here, from the stored trigram model's arrays
   (lm: the tuple NgramLM.decoder_tables() gives): the ARPA backoff of
   ngram.backoff_logprob in the same float32 operations (float16 values widened exactly,
   a float16 backoff weight plus a float32 log-probability added in float32), so every
   score is the numpy code's.  Sums and maxima are float64 operations in the numpy
   code's order; argmax and the stable sort take the first of equal values, as numpy's
   do.  setup.py compiles it with -ffp-contract=off (no fused multiply-adds). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if !defined(FLT_EVAL_METHOD) || FLT_EVAL_METHOD != 0
/* (x87 arithmetic keeps float sums in extended precision: not numpy's bits; the
   optional build then fails and numpy decodes) */
#error "float arithmetic is not evaluated in its own type"
#endif

#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)0)
#endif

#define NEG (-1e9) /* viterbi.NEG: the score of a padding candidate */

static float HALF[65536]; /* float16 bit pattern -> its float32 value (exact) */

static void init_half(void) {
    for (uint32_t h = 0; h < 65536; h++) {
        uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1fu, man = h & 0x3ffu, f;
        if (exp == 0) {
            if (man == 0) {
                f = sign;
            } else { /* subnormal: normalise */
                int e = -1;
                do { man <<= 1; e++; } while (!(man & 0x400u));
                f = sign | ((uint32_t)(127 - 15 - e) << 23) | ((man & 0x3ffu) << 13);
            }
        } else if (exp == 31) {
            f = sign | 0x7f800000u | (man << 13);
        } else {
            f = sign | ((exp + 112) << 23) | (man << 13);
        }
        memcpy(&HALF[h], &f, 4);
    }
}

/* ------------------------------------------------------------ the language model */
enum { LM_LOGP1, LM_BOW1, LM_DENSE, LM_KEYS2, LM_STARTS2, LM_BOW2, LM_LOGP2,
       LM_KEYS3, LM_STARTS3, LM_CODES3, LM_BOOK3, LM_SEEN, LM_INDEX2, LM_NBUF };

typedef struct {
    int bits;
    int64_t V;
    const float *logp1, *bow1;
    const uint16_t *dense; /* V x V float16, 0 bits = unseen; NULL: search table 2 */
    const uint32_t *keys2; const int64_t *starts2; int64_t nb2, n2;
    const uint16_t *bow2, *logp2;
    const uint32_t *keys3; const int64_t *starts3; int64_t nb3, n3;
    const uint8_t *codes3; const float *book3; int64_t nbook;
    const uint8_t *seen; /* bit v * V + w: the bigram (v, w) is stored in table 2 */
    const int64_t *index2; /* V + 1: the rows of table 2 whose bigrams start with v */
    int bad; /* set when a stored code is out of the codebook's range */
    Py_buffer buf[LM_NBUF];
    int held[LM_NBUF];
} LM;

static void lm_release(LM *lm) {
    for (int i = 0; i < LM_NBUF; i++)
        if (lm->held[i]) { PyBuffer_Release(&lm->buf[i]); lm->held[i] = 0; }
}

/* Buffers of the tuple (bits, logp1, bow1, dense or None, keys2, starts2, bow2, logp2,
   keys3, starts3, codes3, book3, seen, index2); their sizes checked against each other. */
static int lm_get(PyObject *tup, LM *lm) {
    static const Py_ssize_t item[LM_NBUF] = {4, 4, 2, 4, 8, 2, 2, 4, 8, 1, 4, 1, 8};
    memset(lm, 0, sizeof(*lm));
    if (!PyTuple_Check(tup) || PyTuple_GET_SIZE(tup) != 1 + LM_NBUF) {
        PyErr_SetString(PyExc_TypeError, "lm: the tuple of NgramLM.decoder_tables()");
        return -1;
    }
    lm->bits = (int)PyLong_AsLong(PyTuple_GET_ITEM(tup, 0));
    if (lm->bits == -1 && PyErr_Occurred()) return -1;
    if (lm->bits < 1 || lm->bits > 31) {
        PyErr_SetString(PyExc_ValueError, "lm: bits out of range");
        return -1;
    }
    Py_ssize_t n[LM_NBUF];
    for (int i = 0; i < LM_NBUF; i++) {
        PyObject *o = PyTuple_GET_ITEM(tup, 1 + i);
        n[i] = 0;
        if (i == LM_DENSE && o == Py_None) continue;
        if (PyObject_GetBuffer(o, &lm->buf[i], PyBUF_C_CONTIGUOUS) < 0) { lm_release(lm); return -1; }
        lm->held[i] = 1;
        if (lm->buf[i].itemsize != item[i] || lm->buf[i].len % item[i]) {
            PyErr_Format(PyExc_ValueError, "lm: array %d has items of %zd bytes, not %zd", i,
                         lm->buf[i].itemsize, item[i]);
            lm_release(lm);
            return -1;
        }
        n[i] = lm->buf[i].len / item[i];
    }
#define P(i, T) ((const T *)lm->buf[i].buf)
    lm->V = n[LM_LOGP1];
    lm->logp1 = P(LM_LOGP1, float); lm->bow1 = P(LM_BOW1, float);
    lm->dense = lm->held[LM_DENSE] ? P(LM_DENSE, uint16_t) : NULL;
    lm->keys2 = P(LM_KEYS2, uint32_t); lm->starts2 = P(LM_STARTS2, int64_t);
    lm->bow2 = P(LM_BOW2, uint16_t); lm->logp2 = P(LM_LOGP2, uint16_t);
    lm->keys3 = P(LM_KEYS3, uint32_t); lm->starts3 = P(LM_STARTS3, int64_t);
    lm->codes3 = P(LM_CODES3, uint8_t); lm->book3 = P(LM_BOOK3, float);
    lm->seen = P(LM_SEEN, uint8_t);
    lm->index2 = P(LM_INDEX2, int64_t);
#undef P
    lm->n2 = n[LM_KEYS2]; lm->n3 = n[LM_KEYS3]; lm->nbook = n[LM_BOOK3];
    lm->nb2 = n[LM_STARTS2] - 1; lm->nb3 = n[LM_STARTS3] - 1;
    int ok = n[LM_BOW1] == lm->V && (!lm->dense || n[LM_DENSE] == lm->V * lm->V)
             && n[LM_BOW2] == lm->n2 && n[LM_LOGP2] == lm->n2 && n[LM_CODES3] == lm->n3
             && lm->nb2 >= 1 && lm->nb3 >= 1 && n[LM_SEEN] == (lm->V * lm->V + 7) / 8
             && n[LM_INDEX2] == lm->V + 1;
    for (int64_t h = 0; ok && h <= lm->nb2; h++)
        ok = lm->starts2[h] >= (h ? lm->starts2[h - 1] : 0) && lm->starts2[h] <= lm->n2;
    for (int64_t h = 0; ok && h <= lm->nb3; h++)
        ok = lm->starts3[h] >= (h ? lm->starts3[h - 1] : 0) && lm->starts3[h] <= lm->n3;
    for (int64_t v = 0; ok && v <= lm->V; v++)
        ok = lm->index2[v] >= (v ? lm->index2[v - 1] : 0) && lm->index2[v] <= lm->n2;
    if (!ok) {
        PyErr_SetString(PyExc_ValueError, "lm: the arrays' sizes do not match");
        lm_release(lm);
        return -1;
    }
    return 0;
}

/* Table.find of one key: 1 when stored, and its row (numpy's searchsorted, clipped
   to the bucket's last row, as Table.find does). */
static inline int find(const uint32_t *keys, const int64_t *starts, int64_t nb, int64_t key, int64_t *row) {
    int64_t h = key >> 32;
    if (h >= nb) return 0;
    int64_t lo = starts[h], hi = starts[h + 1];
    if (lo >= hi) return 0;
    uint32_t low = (uint32_t)(key & 0xffffffffu);
    int64_t a = lo, b = hi;
    while (a < b) {
        int64_t m = a + ((b - a) >> 1);
        if (keys[m] < low) a = m + 1; else b = m;
    }
    if (a == hi) a = hi - 1;
    *row = a;
    return keys[a] == low;
}

/* Whether the bigram (v, w) is stored (its bit in the bitmap: one cache line per
   512 pairs, where the dense table's values take 16). */
static inline int seen(const LM *lm, int64_t v, int64_t w) {
    uint64_t f = (uint64_t)(v * lm->V + w);
    return (lm->seen[f >> 3] >> (f & 7)) & 1;
}

/* lower bound of `target` in keys[lo, hi) */
static inline int64_t lower(const uint32_t *keys, int64_t lo, int64_t hi, uint32_t target) {
    while (lo < hi) {
        int64_t m = lo + ((hi - lo) >> 1);
        if (keys[m] < target) lo = m + 1; else hi = m;
    }
    return lo;
}

/* lower bound of `target` in keys[lo, hi) when keys[lo] is near it: gallop, then
   bisect (a context's trigrams lie together, most contexts have few) */
static inline int64_t gallop(const uint32_t *keys, int64_t lo, int64_t hi, uint32_t target) {
    if (lo >= hi || keys[lo] >= target) return lo;
    int64_t a = lo, b, step = 1;
    for (;;) { /* keys[a] < target */
        b = a + step;
        if (b >= hi) { b = hi; break; }
        if (keys[b] >= target) break;
        a = b;
        step <<= 1;
    }
    a++;
    while (a < b) {
        int64_t m = a + ((b - a) >> 1);
        if (keys[m] < target) a = m + 1; else b = m;
    }
    return a;
}

/* A pair of neighbouring words (x, y): log P(y | x) (the unseen ones: x's backoff
   weight + y's unigram, in float32, as NgramLM.bigram_lookup), and (x, y) as a
   trigram context: whether it is stored (it is iff the bigram is), its backoff weight
   (0 when not: numpy's np.where(ok, bow, 0) in float16) and where its trigrams start
   in table 3 (lo3 up to the bucket's end hi3). */
typedef struct { float lp2, bow; int ok; int64_t row, lo3, hi3; } Pair;

static inline void pair(const LM *lm, int64_t x, int64_t y, int as_context, Pair *p) {
    p->ok = 0;
    p->bow = 0.0f;
    p->lo3 = p->hi3 = 0;
    if (!seen(lm, x, y)) {
        p->lp2 = lm->bow1[x] + lm->logp1[y];
        return;
    }
    if (lm->dense && !as_context) { /* (stored: its bits are not 0) */
        p->lp2 = HALF[lm->dense[x * lm->V + y]];
        return;
    }
    /* x's bigrams: rows index2[x] .. index2[x + 1] of table 2, in one bucket */
    uint32_t low = (uint32_t)(((x << lm->bits) | y) & 0xffffffffu);
    int64_t row = lower(lm->keys2, lm->index2[x], lm->index2[x + 1], low);
    if (row >= lm->index2[x + 1] || lm->keys2[row] != low) { /* (a bitmap out of step) */
        p->lp2 = lm->bow1[x] + lm->logp1[y];
        return;
    }
    p->lp2 = HALF[lm->logp2[row]];
    if (!as_context) return;
    p->ok = 1;
    p->row = row;
    p->bow = HALF[lm->bow2[row]];
    int64_t key = row << lm->bits, h = key >> 32;
    if (h < lm->nb3) {
        p->hi3 = lm->starts3[h + 1];
        p->lo3 = lower(lm->keys3, lm->starts3[h], p->hi3, (uint32_t)(key & 0xffffffffu));
    }
}

/* log P(w | u v) given the context c = pair(u, v) and lp2 = log P(w | v): NgramLM.logprob. */
static inline float trigram(LM *lm, const Pair *c, float lp2, int64_t w) {
    if (c->ok) {
        uint32_t low = (uint32_t)(((c->row << lm->bits) | w) & 0xffffffffu);
        int64_t r = gallop(lm->keys3, c->lo3, c->hi3, low);
        if (r < c->hi3 && lm->keys3[r] == low) {
            uint8_t code = lm->codes3[r];
            if (code >= lm->nbook) { lm->bad = 1; return 0.0f; }
            return lm->book3[code];
        }
    }
    return c->bow + lp2;
}

/* log P(w | v) alone (the bigram pass) */
static inline float bigram(const LM *lm, int64_t v, int64_t w) {
    Pair p;
    pair(lm, v, w, 0, &p);
    return p.lp2;
}

/* ------------------------------------------------------------ argument helpers */
typedef struct { Py_buffer b; int held; } Buf;

static int get_buf(PyObject *o, Buf *out, Py_ssize_t itemsize, Py_ssize_t count, int writable, const char *name) {
    out->held = 0;
    if (PyObject_GetBuffer(o, &out->b, PyBUF_C_CONTIGUOUS | (writable ? PyBUF_WRITABLE : 0)) < 0) return -1;
    out->held = 1;
    if (out->b.itemsize != itemsize || out->b.len != count * itemsize) {
        PyErr_Format(PyExc_ValueError, "%s: %zd items of %zd bytes expected", name, count, itemsize);
        return -1;
    }
    return 0;
}

static void release(Buf *bufs, int n) {
    for (int i = 0; i < n; i++)
        if (bufs[i].held) { PyBuffer_Release(&bufs[i].b); bufs[i].held = 0; }
}

static int check_ids(const int64_t *ids, Py_ssize_t n, int64_t V) {
    for (Py_ssize_t i = 0; i < n; i++)
        if (ids[i] < 0 || ids[i] >= V) {
            PyErr_Format(PyExc_IndexError, "candidate id %lld is outside the vocabulary", (long long)ids[i]);
            return -1;
        }
    return 0;
}

static int sizes_ok(Py_ssize_t B, Py_ssize_t T, Py_ssize_t K, Py_ssize_t min_t) {
    if (B < 0 || T < min_t || K < 1 || (B && (T > PY_SSIZE_T_MAX / 64 / K / K / K / B))) {
        PyErr_SetString(PyExc_ValueError, "bad array sizes");
        return 0;
    }
    return 1;
}

/* ------------------------------------------------------------ bigram_keep */
static PyObject *bigram_keep(PyObject *self, PyObject *args) {
    PyObject *lmo, *ido, *uno, *fro, *keo;
    Py_ssize_t B, T0, K, start, keep;
    double lm_weight;
    if (!PyArg_ParseTuple(args, "OnnnnOOOndO", &lmo, &B, &T0, &K, &start, &ido, &uno, &fro, &keep, &lm_weight, &keo))
        return NULL;
    if (!sizes_ok(B, T0, K, 2) || start < 0 || T0 - start < 2 || keep < 1) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "bad array sizes");
        return NULL;
    }
    const Py_ssize_t T = T0 - start, n = T - 2, kk = keep < K ? keep : K;
    LM lm;
    if (lm_get(lmo, &lm) < 0) return NULL;
    Buf bufs[4];
    memset(bufs, 0, sizeof bufs);
    if (get_buf(ido, &bufs[0], 8, B * T0 * K, 0, "ids") < 0 || get_buf(uno, &bufs[1], 8, B * T0 * K, 0, "un") < 0
        || get_buf(fro, &bufs[2], 8, B, 0, "front") < 0 || get_buf(keo, &bufs[3], 8, B * n * kk, 1, "kept") < 0
        || check_ids((const int64_t *)bufs[0].b.buf, B * T0 * K, lm.V) < 0) {
        release(bufs, 4);
        lm_release(&lm);
        return NULL;
    }
    const int64_t *ids = (const int64_t *)bufs[0].b.buf, *front = (const int64_t *)bufs[2].b.buf;
    const double *un = (const double *)bufs[1].b.buf;
    int64_t *kept = (int64_t *)bufs[3].b.buf;
    Py_ssize_t *w = malloc(sizeof(Py_ssize_t) * T);
    double *M = malloc(sizeof(double) * (size_t)(T - 1) * K * K);
    double *alpha = malloc(sizeof(double) * (size_t)T * K), *beta = malloc(sizeof(double) * (size_t)T * K);
    double *key = malloc(sizeof(double) * kk);
    int64_t *sel = malloc(sizeof(int64_t) * kk);
    int64_t *cell = malloc(sizeof(int64_t) * K * K), *vv = malloc(sizeof(int64_t) * K * K),
            *ww = malloc(sizeof(int64_t) * K * K), *jord = malloc(sizeof(int64_t) * K);
    uint8_t *sb = malloc((size_t)K * K);
    if (!w || !M || !alpha || !beta || !key || !sel || !cell || !vv || !ww || !jord || !sb) {
        free(w); free(M); free(alpha); free(beta); free(key); free(sel);
        free(cell); free(vv); free(ww); free(jord); free(sb);
        release(bufs, 4);
        lm_release(&lm);
        return PyErr_NoMemory();
    }
    Py_BEGIN_ALLOW_THREADS
#define ID(b, t, k) ids[(((b) * T0) + start + (t)) * K + (k)]
#define UN(b, t, k) un[(((b) * T0) + start + (t)) * K + (k)]
    /* w[t]: one past the widest valid candidate any lattice has at t (K when none) */
    for (Py_ssize_t t = 0; t < T; t++) {
        w[t] = K;
        for (Py_ssize_t k = K - 1; k >= 0; k--) {
            int any = 0;
            for (Py_ssize_t b = 0; b < B && !any; b++) any = UN(b, t, k) > NEG / 2;
            if (any) { w[t] = k + 1; break; }
        }
    }
    for (Py_ssize_t b = 0; b < B; b++) {
        /* M[s, i, j]: the weighted bigram score of step s, 0 into the extra BOS and
           where either side is padding */
        for (Py_ssize_t s = 0; s < T - 1; s++) {
            double *Ms = M + s * K * K;
            for (Py_ssize_t i = 0; i < w[s]; i++)
                for (Py_ssize_t j = 0; j < w[s + 1]; j++) Ms[i * K + j] = 0.0;
            if (s < front[b]) continue;
            /* the step's pairs of real candidates, looked up in three sweeps so that the
               memory reads of one sweep overlap (they are independent): the bitmap,
               then the dense values of the stored ones */
            Py_ssize_t np_ = 0, nj = 0;
            for (Py_ssize_t i = 0; i < w[s]; i++) {
                if (!(UN(b, s, i) > NEG / 2)) continue;
                int64_t v = ID(b, s, i);
                nj = 0;
                for (Py_ssize_t j = 0; j < w[s + 1]; j++) {
                    if (!(UN(b, s + 1, j) > NEG / 2)) continue;
                    cell[np_] = i * K + j;
                    vv[np_] = v;
                    ww[np_] = ID(b, s + 1, j);
                    np_++;
                    nj++;
                }
            }
            for (Py_ssize_t q = 0; q < np_; q++) {
                uint64_t f = (uint64_t)(vv[q] * lm.V + ww[q]);
                sb[q] = (lm.seen[f >> 3] >> (f & 7)) & 1;
            }
            if (lm.dense) {
                for (Py_ssize_t q = 0; q < np_; q++)
                    if (sb[q]) PREFETCH(lm.dense + vv[q] * lm.V + ww[q]);
                for (Py_ssize_t q = 0; q < np_; q++) {
                    float lp;
                    if (!sb[q]) lp = lm.bow1[vv[q]] + lm.logp1[ww[q]];
                    else lp = HALF[lm.dense[vv[q] * lm.V + ww[q]]];
                    double m = (double)lp;
                    if (lm_weight != 1.0) m *= lm_weight;
                    Ms[cell[q]] = m;
                }
                continue;
            }
            /* Without the dense table a stored bigram is found in its first word's rows
               of table 2, sorted by the second word (bigram(): their lower bound).  Each
               word of position s meets the same words of position s + 1 (nj of them, the
               pairs of one word of s are consecutive): taken in the order of their ids,
               each search goes on from where the last one ended (gallop), the same rows
               found as by bisecting the whole range each time. */
            for (Py_ssize_t t = 0; t < nj; t++) { /* jord: the rank of each, by id (stable) */
                int64_t x = ww[t];
                Py_ssize_t r = t;
                while (r > 0 && ww[jord[r - 1]] > x) { jord[r] = jord[r - 1]; r--; }
                jord[r] = t;
            }
            for (Py_ssize_t q0 = 0; q0 < np_; q0 += nj) {
                int64_t v = vv[q0];
                int64_t lo = lm.index2[v], hi = lm.index2[v + 1];
                for (Py_ssize_t t = 0; t < nj; t++) {
                    Py_ssize_t q = q0 + jord[t];
                    float lp;
                    if (!sb[q]) lp = lm.bow1[v] + lm.logp1[ww[q]];
                    else {
                        uint32_t low = (uint32_t)(((v << lm.bits) | ww[q]) & 0xffffffffu);
                        int64_t row = gallop(lm.keys2, lo, hi, low);
                        lo = row;
                        lp = row < hi && lm.keys2[row] == low ? HALF[lm.logp2[row]]
                                                              : lm.bow1[v] + lm.logp1[ww[q]];
                    }
                    double m = (double)lp;
                    if (lm_weight != 1.0) m *= lm_weight;
                    Ms[cell[q]] = m;
                }
            }
        }
        for (Py_ssize_t k = 0; k < K; k++) { alpha[k] = UN(b, 0, k); beta[(T - 1) * K + k] = 0.0; }
        for (Py_ssize_t t = 1; t < T; t++) {
            Py_ssize_t a = w[t - 1];
            for (Py_ssize_t j = 0; j < K; j++) {
                if (j >= w[t]) { alpha[t * K + j] = -INFINITY; continue; }
                double best = alpha[(t - 1) * K] + M[((t - 1) * K) * K + j];
                for (Py_ssize_t i = 1; i < a; i++) {
                    double x = alpha[(t - 1) * K + i] + M[((t - 1) * K + i) * K + j];
                    if (x > best) best = x;
                }
                alpha[t * K + j] = best + UN(b, t, j);
            }
        }
        for (Py_ssize_t t = T - 2; t >= 0; t--) {
            Py_ssize_t c = w[t + 1];
            for (Py_ssize_t i = 0; i < K; i++) {
                if (i >= w[t]) { beta[t * K + i] = 0.0; continue; }
                double best = M[(t * K + i) * K] + (UN(b, t + 1, 0) + beta[(t + 1) * K]);
                for (Py_ssize_t j = 1; j < c; j++) {
                    double x = M[(t * K + i) * K + j] + (UN(b, t + 1, j) + beta[(t + 1) * K + j]);
                    if (x > best) best = x;
                }
                beta[t * K + i] = best;
            }
        }
        /* per position 1..T-2: the kk best by max-marginal, stable (np.argsort of
           -mm, kind="stable"), then in index order */
        for (Py_ssize_t t = 1; t < T - 1; t++) {
            Py_ssize_t got = 0;
            for (Py_ssize_t k = 0; k < K; k++) {
                double x = -(alpha[t * K + k] + beta[t * K + k]);
                Py_ssize_t p = got;
                while (p > 0 && x < key[p - 1]) p--;
                if (p >= kk) continue;
                for (Py_ssize_t q = (got < kk ? got : kk - 1); q > p; q--) { key[q] = key[q - 1]; sel[q] = sel[q - 1]; }
                key[p] = x; sel[p] = k;
                if (got < kk) got++;
            }
            for (Py_ssize_t q = 1; q < kk; q++) { /* insertion sort by index */
                int64_t v = sel[q];
                Py_ssize_t r = q;
                while (r > 0 && sel[r - 1] > v) { sel[r] = sel[r - 1]; r--; }
                sel[r] = v;
            }
            memcpy(kept + (b * n + (t - 1)) * kk, sel, sizeof(int64_t) * kk);
        }
    }
#undef ID
#undef UN
    Py_END_ALLOW_THREADS
    free(w); free(M); free(alpha); free(beta); free(key); free(sel);
    free(cell); free(vv); free(ww); free(jord); free(sb);
    release(bufs, 4);
    lm_release(&lm);
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------ viterbi2 */
static PyObject *viterbi2(PyObject *self, PyObject *args) {
    PyObject *lmo, *ido, *uno, *fro, *pao, *mmo;
    Py_ssize_t B, T, K;
    double lm_weight;
    if (!PyArg_ParseTuple(args, "OnnnOOOdOO", &lmo, &B, &T, &K, &ido, &uno, &fro, &lm_weight, &pao, &mmo))
        return NULL;
    if (!sizes_ok(B, T, K, 4)) return NULL;
    const Py_ssize_t n = T - 3, KK = K * K;
    LM lm;
    if (lm_get(lmo, &lm) < 0) return NULL;
    Buf bufs[5];
    memset(bufs, 0, sizeof bufs);
    if (get_buf(ido, &bufs[0], 8, B * T * K, 0, "ids") < 0 || get_buf(uno, &bufs[1], 8, B * T * K, 0, "un") < 0
        || get_buf(fro, &bufs[2], 8, B, 0, "front") < 0 || get_buf(pao, &bufs[3], 8, B * n, 1, "path") < 0
        || get_buf(mmo, &bufs[4], 8, B * n * K, 1, "mm") < 0
        || check_ids((const int64_t *)bufs[0].b.buf, B * T * K, lm.V) < 0) {
        release(bufs, 5);
        lm_release(&lm);
        return NULL;
    }
    const int64_t *ids = (const int64_t *)bufs[0].b.buf, *front = (const int64_t *)bufs[2].b.buf;
    const double *un = (const double *)bufs[1].b.buf;
    int64_t *path_out = (int64_t *)bufs[3].b.buf;
    double *mm = (double *)bufs[4].b.buf;
    double *L = malloc(sizeof(double) * (size_t)(T - 2) * KK * K);
    Pair *P = malloc(sizeof(Pair) * (size_t)(T - 1) * KK);
    double *delta = malloc(sizeof(double) * (size_t)T * KK), *beta = malloc(sizeof(double) * (size_t)T * KK);
    int32_t *back = malloc(sizeof(int32_t) * (size_t)T * KK);
    int64_t *path = malloc(sizeof(int64_t) * T);
    if (!L || !P || !delta || !beta || !back || !path) {
        free(L); free(P); free(delta); free(beta); free(back); free(path);
        release(bufs, 5);
        lm_release(&lm);
        return PyErr_NoMemory();
    }
    const float weight32 = (float)lm_weight; /* L * lm_weight: a float32 product in numpy */
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t b = 0; b < B; b++) {
        const int64_t *id = ids + b * T * K;
        const double *u = un + b * T * K;
        /* P[t, x, y]: the candidates x at t and y at t + 1 as a pair (from the
           lattice's last BOS on: the steps into its extra BOS score 0) */
        for (Py_ssize_t t = front[b] < T - 1 ? front[b] : T - 1; t < T - 1; t++)
            for (Py_ssize_t x = 0; x < K; x++)
                for (Py_ssize_t y = 0; y < K; y++)
                    pair(&lm, id[t * K + x], id[(t + 1) * K + y], t < T - 2, &P[(t * K + x) * K + y]);
        /* L[s, z, a, c]: LM(c | z a) into position s + 2 (0 into an extra BOS), plus
           the unary score of c there */
        for (Py_ssize_t s = 0; s < T - 2; s++) {
            for (Py_ssize_t z = 0; z < K; z++) {
                for (Py_ssize_t a = 0; a < K; a++) {
                    double *row = L + ((s * K + z) * K + a) * K;
                    if (s < front[b]) {
                        for (Py_ssize_t c = 0; c < K; c++) row[c] = (double)0.0f + u[(s + 2) * K + c];
                        continue;
                    }
                    const Pair *ctx = &P[(s * K + z) * K + a], *next = &P[((s + 1) * K + a) * K];
                    for (Py_ssize_t c = 0; c < K; c++) {
                        float lf = trigram(&lm, ctx, next[c].lp2, id[(s + 2) * K + c]);
                        if (lm_weight != 1.0) lf = lf * weight32;
                        row[c] = (double)lf + u[(s + 2) * K + c];
                    }
                }
            }
        }
        for (Py_ssize_t x = 0; x < KK; x++) delta[KK + x] = NEG;
        delta[KK] = 0.0; /* (BOS, BOS) */
        for (Py_ssize_t t = 2; t < T; t++) {
            const double *Lt = L + (t - 2) * KK * K, *prev = delta + (t - 1) * KK;
            for (Py_ssize_t a = 0; a < K; a++) {
                for (Py_ssize_t c = 0; c < K; c++) {
                    double best = prev[a] + Lt[a * K + c];
                    int32_t arg = 0;
                    for (Py_ssize_t z = 1; z < K; z++) {
                        double x = prev[z * K + a] + Lt[(z * K + a) * K + c];
                        if (x > best) { best = x; arg = (int32_t)z; }
                    }
                    delta[t * KK + a * K + c] = best;
                    back[t * KK + a * K + c] = arg;
                }
            }
        }
        for (Py_ssize_t x = 0; x < KK; x++) beta[(T - 1) * KK + x] = 0.0;
        for (Py_ssize_t t = T - 1; t > 2; t--) {
            const double *Lt = L + (t - 2) * KK * K, *next = beta + t * KK;
            for (Py_ssize_t z = 0; z < K; z++) {
                for (Py_ssize_t a = 0; a < K; a++) {
                    const double *row = Lt + (z * K + a) * K;
                    double best = row[0] + next[a * K];
                    for (Py_ssize_t c = 1; c < K; c++) {
                        double x = row[c] + next[a * K + c];
                        if (x > best) best = x;
                    }
                    beta[(t - 1) * KK + z * K + a] = best;
                }
            }
        }
        const double *last = delta + (T - 1) * KK;
        Py_ssize_t flat = 0;
        for (Py_ssize_t x = 1; x < KK; x++)
            if (last[x] > last[flat]) flat = x;
        path[T - 2] = flat / K;
        path[T - 1] = flat % K;
        for (Py_ssize_t t = T - 1; t > 2; t--) path[t - 2] = back[t * KK + path[t - 1] * K + path[t]];
        for (Py_ssize_t t = 2; t < T - 1; t++) {
            path_out[b * n + t - 2] = path[t];
            for (Py_ssize_t c = 0; c < K; c++) {
                double best = delta[t * KK + c] + beta[t * KK + c];
                for (Py_ssize_t a = 1; a < K; a++) {
                    double x = delta[t * KK + a * K + c] + beta[t * KK + a * K + c];
                    if (x > best) best = x;
                }
                mm[(b * n + t - 2) * K + c] = best;
            }
        }
    }
    Py_END_ALLOW_THREADS
    free(L); free(P); free(delta); free(beta); free(back); free(path);
    release(bufs, 5);
    int bad = lm.bad;
    lm_release(&lm);
    if (bad) {
        PyErr_SetString(PyExc_IndexError, "a stored trigram's code is outside the codebook");
        return NULL;
    }
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------ bigram_lookup */
static PyObject *bigram_lookup(PyObject *self, PyObject *args) {
    PyObject *lmo, *vo, *wo, *oo;
    Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "OnOOO", &lmo, &n, &vo, &wo, &oo)) return NULL;
    if (n < 0) {
        PyErr_SetString(PyExc_ValueError, "bad size");
        return NULL;
    }
    LM lm;
    if (lm_get(lmo, &lm) < 0) return NULL;
    Buf bufs[3];
    memset(bufs, 0, sizeof bufs);
    if (get_buf(vo, &bufs[0], 8, n, 0, "v") < 0 || get_buf(wo, &bufs[1], 8, n, 0, "w") < 0
        || get_buf(oo, &bufs[2], 4, n, 1, "out") < 0
        || check_ids((const int64_t *)bufs[0].b.buf, n, lm.V) < 0 || check_ids((const int64_t *)bufs[1].b.buf, n, lm.V) < 0) {
        release(bufs, 3);
        lm_release(&lm);
        return NULL;
    }
    const int64_t *v = (const int64_t *)bufs[0].b.buf, *w = (const int64_t *)bufs[1].b.buf;
    float *out = (float *)bufs[2].b.buf;
    for (Py_ssize_t q = 0; q < n; q++) out[q] = bigram(&lm, v[q], w[q]);
    release(bufs, 3);
    lm_release(&lm);
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------ seen_bigrams */
static PyObject *seen_bigrams(PyObject *self, PyObject *args) {
    PyObject *ko, *so, *oo, *io;
    int bits;
    Py_ssize_t V;
    if (!PyArg_ParseTuple(args, "OOinOO", &ko, &so, &bits, &V, &oo, &io)) return NULL;
    Buf bufs[4];
    memset(bufs, 0, sizeof bufs);
    if (bits < 1 || bits > 31 || V < 1 || V > (1 << 24)) {
        PyErr_SetString(PyExc_ValueError, "bad bits or vocabulary size");
        return NULL;
    }
    if (PyObject_GetBuffer(ko, &bufs[0].b, PyBUF_C_CONTIGUOUS) < 0) return NULL;
    bufs[0].held = 1;
    if (PyObject_GetBuffer(so, &bufs[1].b, PyBUF_C_CONTIGUOUS) < 0) { release(bufs, 3); return NULL; }
    bufs[1].held = 1;
    if (bufs[0].b.itemsize != 4 || bufs[1].b.itemsize != 8 || bufs[1].b.len < 16
        || get_buf(oo, &bufs[2], 1, (V * V + 7) / 8, 1, "seen") < 0
        || get_buf(io, &bufs[3], 8, V + 1, 1, "index") < 0) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "keys: uint32, starts: int64");
        release(bufs, 4);
        return NULL;
    }
    int64_t *index = (int64_t *)bufs[3].b.buf, next = 0;
    const uint32_t *keys = (const uint32_t *)bufs[0].b.buf;
    const int64_t *starts = (const int64_t *)bufs[1].b.buf;
    const int64_t n = bufs[0].b.len / 4, nb = bufs[1].b.len / 8 - 1, mask = ((int64_t)1 << bits) - 1;
    uint8_t *out = (uint8_t *)bufs[2].b.buf;
    memset(out, 0, (size_t)bufs[2].b.len);
    for (int64_t h = 0; h < nb; h++) {
        int64_t lo = starts[h] < 0 ? 0 : starts[h], hi = starts[h + 1] > n ? n : starts[h + 1];
        for (int64_t r = lo; r < hi; r++) {
            int64_t key = (h << 32) | keys[r], v = key >> bits, w = key & mask;
            while (next <= v && next <= V) index[next++] = r; /* (keys ascend: v's rows follow) */
            if (v < V && w < V) {
                uint64_t f = (uint64_t)(v * V + w);
                out[f >> 3] |= (uint8_t)(1u << (f & 7));
            }
        }
    }
    while (next <= V) index[next++] = n;
    release(bufs, 4);
    Py_RETURN_NONE;
}


/* ------------------------------------------------------------ the edit channel */
/* edit_dp(cid, lens, oid, sub, C, O, dele, ins, no_ins, raw, out): CharEditModel's
   best-alignment log P(obs | form) of n forms (vidiacritic/channel.py).  cid: the
   forms' letters as rows of sub (C x O float64), all forms one after another (lens:
   each form's length, int64); oid: the observed letters as columns of sub (m int64);
   dele (C) the deletion scores, ins (m) the insertion scores.  raw = 0: sub holds
   substitution + no_ins (logp_many's table: prev + sub); raw = 1: the substitution
   alone, no_ins added after it (logp's (prev + sub) + no_ins).  A form of length 0
   gets -inf (logp_many's).  Each cell is the same max of the same float64 sums, in
   the same order, as the numpy and Python code. */
/* One form's DP (edit_dp's and edit_dp_own's): its L letters c (rows of sub) against the
   m observed letters oid (columns), start the row before any letter (m + 1), prev and cur
   scratch rows (m + 1); returns the score of the whole observation. */
static inline double dp_form(const int64_t *c, Py_ssize_t L, const int64_t *oid, Py_ssize_t m,
                             const double *start, const double *sub, Py_ssize_t O, const double *dele,
                             const double *ins, double no_ins, int raw, double *prev, double *cur) {
    memcpy(prev, start, sizeof(double) * (size_t)(m + 1));
    for (Py_ssize_t i = 0; i < L; i++) {
        const double *row = sub + c[i] * O, d = dele[c[i]];
        cur[0] = prev[0] + d;
        for (Py_ssize_t j = 0; j < m; j++) {
            double best = raw ? (prev[j] + row[oid[j]]) + no_ins : prev[j] + row[oid[j]];
            const double del = prev[j + 1] + d, in = cur[j] + ins[j];
            if (del > best) best = del;
            if (in > best) best = in;
            cur[j + 1] = best;
        }
        double *t = prev; prev = cur; cur = t;
    }
    return prev[m];
}

/* edit_dp and edit_dp_own (own = 1): the arguments are the same, but for edit_dp_own oid
   and ins are as long as cid (each form's own observation beside its rows, and every form
   has a letter), for edit_dp as long as the one observation. */
static PyObject *edit_dp_impl(PyObject *args, int own) {
    PyObject *cio, *leo, *oio, *suo, *deo, *ino, *outo;
    Py_ssize_t C, O;
    double no_ins;
    int raw;
    if (!PyArg_ParseTuple(args, "OOOOnnOOdpO", &cio, &leo, &oio, &suo, &C, &O, &deo, &ino, &no_ins, &raw, &outo))
        return NULL;
    Buf bufs[7];
    memset(bufs, 0, sizeof bufs);
    if (PyObject_GetBuffer(leo, &bufs[1].b, PyBUF_C_CONTIGUOUS) < 0) return NULL;
    bufs[1].held = 1;
    const Py_ssize_t n = bufs[1].b.len / 8;
    if (bufs[1].b.itemsize != 8 || C < 1 || O < 1) {
        release(bufs, 7);
        PyErr_SetString(PyExc_ValueError, "edit_dp: int64 lens, C and O at least 1 expected");
        return NULL;
    }
    const int64_t *lens = (const int64_t *)bufs[1].b.buf;
    Py_ssize_t total = 0, longest = 0;
    for (Py_ssize_t k = 0; k < n; k++) {
        if (lens[k] < own) {
            release(bufs, 7);
            PyErr_SetString(PyExc_ValueError, own ? "edit_dp_own: a form without letters" : "edit_dp: negative length");
            return NULL;
        }
        total += lens[k];
        if (lens[k] > longest) longest = lens[k];
    }
    Py_ssize_t m = total; /* the observed letters: the forms' own, or the one observation's */
    if (!own) {
        if (PyObject_GetBuffer(oio, &bufs[2].b, PyBUF_C_CONTIGUOUS) < 0) { release(bufs, 7); return NULL; }
        bufs[2].held = 1;
        if (bufs[2].b.itemsize != 8) {
            release(bufs, 7);
            PyErr_SetString(PyExc_ValueError, "edit_dp: int64 oid expected");
            return NULL;
        }
        m = bufs[2].b.len / 8;
    } else if (get_buf(oio, &bufs[2], 8, total, 0, "oid") < 0) {
        release(bufs, 7);
        return NULL;
    }
    if (get_buf(cio, &bufs[0], 8, total, 0, "cid") < 0 || get_buf(suo, &bufs[3], 8, C * O, 0, "sub") < 0
        || get_buf(deo, &bufs[4], 8, C, 0, "dele") < 0 || get_buf(ino, &bufs[5], 8, m, 0, "ins") < 0
        || get_buf(outo, &bufs[6], 8, n, 1, "out") < 0) {
        release(bufs, 7);
        return NULL;
    }
    const int64_t *cid = (const int64_t *)bufs[0].b.buf, *oid = (const int64_t *)bufs[2].b.buf;
    for (Py_ssize_t i = 0; i < total; i++)
        if (cid[i] < 0 || cid[i] >= C) { release(bufs, 7); PyErr_SetString(PyExc_IndexError, "edit_dp: letter row out of range"); return NULL; }
    for (Py_ssize_t j = 0; j < m; j++)
        if (oid[j] < 0 || oid[j] >= O) { release(bufs, 7); PyErr_SetString(PyExc_IndexError, "edit_dp: letter column out of range"); return NULL; }
    const double *sub = (const double *)bufs[3].b.buf, *dele = (const double *)bufs[4].b.buf,
                 *ins = (const double *)bufs[5].b.buf;
    double *out = (double *)bufs[6].b.buf;
    const Py_ssize_t width = own ? longest : m; /* the longest observation */
    double *const rows = malloc(sizeof(double) * (size_t)(width + 1) * 3);
    if (!rows) { release(bufs, 7); return PyErr_NoMemory(); }
    double *prev = rows, *cur = rows + (width + 1), *start = rows + 2 * (width + 1);
    Py_BEGIN_ALLOW_THREADS
    if (!own) { /* row 0: the insertions before any letter (a running sum: cumsum's) */
        start[0] = 0.0;
        for (Py_ssize_t j = 0; j < m; j++) start[j + 1] = start[j] + ins[j];
    }
    Py_ssize_t at = 0;
    for (Py_ssize_t k = 0; k < n; k++) {
        const Py_ssize_t L = lens[k];
        if (own) {
            start[0] = 0.0;
            for (Py_ssize_t j = 0; j < L; j++) start[j + 1] = start[j] + ins[at + j];
            out[k] = dp_form(cid + at, L, oid + at, L, start, sub, O, dele, ins + at, no_ins, raw, prev, cur);
        } else {
            out[k] = L == 0 ? -INFINITY : dp_form(cid + at, L, oid, m, start, sub, O, dele, ins, no_ins, raw, prev, cur);
        }
        at += L;
    }
    Py_END_ALLOW_THREADS
    free(rows);
    release(bufs, 7);
    Py_RETURN_NONE;
}

static PyObject *edit_dp(PyObject *self, PyObject *args) { return edit_dp_impl(args, 0); }

/* edit_dp_own(cid, lens, oid, sub, C, O, dele, ins, no_ins, raw, out): each form read
   against its own observation (CharEditModel.logp(w, w) of many w at once: the
   identity of the marks channel).  oid and ins are as long as cid: form k's observed
   letters' columns and insertion scores beside its rows.  Every form has at least one
   letter.  The same cells in the same order as edit_dp's. */
static PyObject *edit_dp_own(PyObject *self, PyObject *args) { return edit_dp_impl(args, 1); }

/* ------------------------------------------------------------ the phrase trie */
/* phrase_matches(starts, syl, child, strength, flat, offs): PhraseLexicon.matches over
   the trie arrays (vidiacritic/lexicon.py).  Node n's edges are syl[starts[n] ..
   starts[n + 1]) (int32 syllable ids, sorted within each node) leading to child[..]
   (int32 node numbers); strength[n] (float64) is NaN where no phrase ends.  The chain's
   candidate ids: position i holds flat[offs[i] .. offs[i + 1]) (int32, sorted, no
   repeats).  Returns [(start, end, node), ...]: every phrase whose k-th syllable is
   among the candidates of position start + k, ordered by start, then end (within one
   (start, end) in no set order: Python's walk takes the order its sets iterate in,
   which string hashing varies from process to process, and no caller depends on it).
   The trie arrays are trusted: PhraseLexicon checks them once when it makes them. */
static Py_ssize_t find_child(const int32_t *syl, const int32_t *child, int64_t lo, int64_t hi, int32_t s) {
    const int64_t end = hi;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (syl[mid] < s) lo = mid + 1; else hi = mid;
    }
    return (lo < end && syl[lo] == s) ? child[lo] : -1;
}

static int in_sorted(const int32_t *a, Py_ssize_t n, int32_t s) {
    Py_ssize_t lo = 0, hi = n;
    while (lo < hi) {
        Py_ssize_t mid = lo + (hi - lo) / 2;
        if (a[mid] < s) lo = mid + 1; else hi = mid;
    }
    return lo < n && a[lo] == s;
}

/* to[n] = value, both frontier arrays grown together (to double) when full: -1 when
   out of memory (both arrays stay valid, to be freed by the caller) */
static int push(int32_t **to, int32_t **other, Py_ssize_t *cap, Py_ssize_t n, int32_t value) {
    if (n == *cap) {
        int32_t *a = realloc(*to, sizeof(int32_t) * *cap * 2);
        if (!a) return -1;
        *to = a;
        int32_t *b = realloc(*other, sizeof(int32_t) * *cap * 2);
        if (!b) return -1;
        *other = b;
        *cap *= 2;
    }
    (*to)[n] = value;
    return 0;
}

static PyObject *phrase_matches(PyObject *self, PyObject *args) {
    PyObject *sto, *syo, *cho, *stro, *flo, *ofo;
    if (!PyArg_ParseTuple(args, "OOOOOO", &sto, &syo, &cho, &stro, &flo, &ofo)) return NULL;
    Buf bufs[6];
    memset(bufs, 0, sizeof bufs);
    PyObject *out = NULL;
    int32_t *front = NULL, *next = NULL;
    if (PyObject_GetBuffer(stro, &bufs[3].b, PyBUF_C_CONTIGUOUS) < 0) return NULL;
    bufs[3].held = 1;
    if (PyObject_GetBuffer(ofo, &bufs[5].b, PyBUF_C_CONTIGUOUS) < 0) goto done;
    bufs[5].held = 1;
    const Py_ssize_t nodes = bufs[3].b.len / 8, N = bufs[5].b.len / 8 - 1;
    if (bufs[3].b.itemsize != 8 || bufs[5].b.itemsize != 8 || nodes < 1 || N < 0) {
        PyErr_SetString(PyExc_ValueError, "phrase_matches: float64 strength and int64 offsets expected");
        goto done;
    }
    const int64_t *offs = (const int64_t *)bufs[5].b.buf;
    if (offs[0] != 0) { PyErr_SetString(PyExc_ValueError, "phrase_matches: offsets start at 0"); goto done; }
    for (Py_ssize_t i = 0; i < N; i++)
        if (offs[i + 1] < offs[i]) { PyErr_SetString(PyExc_ValueError, "phrase_matches: offsets go back"); goto done; }
    if (get_buf(sto, &bufs[0], 8, nodes + 1, 0, "starts") < 0 || get_buf(syo, &bufs[1], 4, nodes - 1, 0, "syl") < 0
        || get_buf(cho, &bufs[2], 4, nodes - 1, 0, "child") < 0 || get_buf(flo, &bufs[4], 4, offs[N], 0, "flat") < 0)
        goto done;
    const int64_t *starts = (const int64_t *)bufs[0].b.buf;
    const int32_t *syl = (const int32_t *)bufs[1].b.buf, *child = (const int32_t *)bufs[2].b.buf,
                  *flat = (const int32_t *)bufs[4].b.buf;
    const double *strength = (const double *)bufs[3].b.buf;
    /* (the trie's arrays are checked once, where PhraseLexicon makes them: starts
       nondecreasing within [0, nodes - 1], every child in [1, nodes); not per call) */
    out = PyList_New(0);
    if (!out) goto done;
    Py_ssize_t cap = 64;
    front = malloc(sizeof(int32_t) * cap);
    next = malloc(sizeof(int32_t) * cap);
    if (!front || !next) { PyErr_NoMemory(); Py_CLEAR(out); goto done; }
    for (Py_ssize_t i = 0; i < N; i++) {
        Py_ssize_t nf = 0;
        /* the phrases' first syllables among position i's candidates */
        for (int64_t k = offs[i]; k < offs[i + 1]; k++) {
            Py_ssize_t c = find_child(syl, child, starts[0], starts[1], flat[k]);
            if (c < 0) continue;
            if (push(&front, &next, &cap, nf++, (int32_t)c) < 0) { PyErr_NoMemory(); Py_CLEAR(out); goto done; }
        }
        Py_ssize_t j = i + 1;
        while (nf > 0) {
            for (Py_ssize_t f = 0; f < nf; f++) {
                if (strength[front[f]] == strength[front[f]]) { /* not NaN: a phrase ends here */
                    PyObject *t = Py_BuildValue("(nni)", i, j, (int)front[f]);
                    if (!t || PyList_Append(out, t) < 0) { Py_XDECREF(t); Py_CLEAR(out); goto done; }
                    Py_DECREF(t);
                }
            }
            if (j >= N) break;
            const int32_t *cands = flat + offs[j];
            const Py_ssize_t nc = offs[j + 1] - offs[j];
            Py_ssize_t nn = 0;
            for (Py_ssize_t f = 0; f < nf; f++) {
                const int64_t lo = starts[front[f]], hi = starts[front[f] + 1];
                if (hi - lo <= nc) { /* the node's children that are candidates */
                    for (int64_t e = lo; e < hi; e++) {
                        if (!in_sorted(cands, nc, syl[e])) continue;
                        if (push(&next, &front, &cap, nn++, child[e]) < 0) { PyErr_NoMemory(); Py_CLEAR(out); goto done; }
                    }
                } else { /* the candidates that are the node's children */
                    for (Py_ssize_t k = 0; k < nc; k++) {
                        Py_ssize_t c = find_child(syl, child, lo, hi, cands[k]);
                        if (c < 0) continue;
                        if (push(&next, &front, &cap, nn++, (int32_t)c) < 0) { PyErr_NoMemory(); Py_CLEAR(out); goto done; }
                    }
                }
            }
            int32_t *t = front; front = next; next = t;
            nf = nn;
            j++;
        }
    }
done:
    free(front);
    free(next);
    release(bufs, 6);
    return out;
}

static PyMethodDef methods[] = {
    {"bigram_lookup", bigram_lookup, METH_VARARGS,
     "bigram_lookup(lm, n, v, w, out): NgramLM.bigram_lookup of n id pairs, written into out (float32)."},
    {"seen_bigrams", seen_bigrams, METH_VARARGS,
     "seen_bigrams(keys2, starts2, bits, V, seen, index): set bit v * V + w of seen for every stored bigram "
     "(v, w), and index[v] to the first row of table 2 whose bigram starts with v or a later id (index[V]: the rows)."},
    {"bigram_keep", bigram_keep, METH_VARARGS, "viterbi._bigram_keep's result, written into kept."},
    {"viterbi2", viterbi2, METH_VARARGS, "viterbi._viterbi2's best paths and max-marginals, written into path and mm."},
    {"edit_dp", edit_dp, METH_VARARGS,
     "edit_dp(cid, lens, oid, sub, C, O, dele, ins, no_ins, raw, out): CharEditModel's log P(obs | form) "
     "of each form, written into out (float64)."},
    {"edit_dp_own", edit_dp_own, METH_VARARGS,
     "edit_dp_own(cid, lens, oid, sub, C, O, dele, ins, no_ins, raw, out): edit_dp of each form against "
     "its own observation (oid and ins beside cid), written into out (float64)."},
    {"phrase_matches", phrase_matches, METH_VARARGS,
     "phrase_matches(starts, syl, child, strength, flat, offs): PhraseLexicon.matches over the trie arrays: "
     "[(start, end, node), ...]."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_decode",
                                    "The hot loops in C: vidiacritic.viterbi's, vidiacritic.channel's, vidiacritic.lexicon's.",
                                    -1, methods};

PyMODINIT_FUNC PyInit__decode(void) {
    init_half();
    return PyModule_Create(&module);
}
