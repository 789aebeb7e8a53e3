/* ap_array.c - the bit-sliced CAM array: storage, compare/write/tag primitives, 1D and 2D
 * access, and the word-parallel pass kernel (AVX2 when the CPU has it, 64-bit words
 * otherwise). Semantics of compare/write/pass: docs/AP_MODEL.md. */
#include <limits.h>
#include <string.h>

#include "ap_core/ap_impl.h"

#if defined(__GNUC__) && defined(__x86_64__)
#define AP_HAVE_AVX2 1
#include <immintrin.h>
#else
#define AP_HAVE_AVX2 0
#endif

#if defined(__GNUC__)
#define AP_INLINE static inline __attribute__((always_inline))
#else
#define AP_INLINE static inline
#endif

/* ---- Creation ------------------------------------------------------------------------- */

base_status ap_array_new(size_t n_rows, unsigned n_cols, ap_array **out)
{
    *out = NULL;
    if (n_rows == 0 || n_cols == 0)
        return BASE_ERROR(BASE_EINVAL,
                          "ap array needs at least one row and one column (got %zu x %u)", n_rows,
                          n_cols);
    size_t n_vec = n_rows / (64u * AP_VEC_WORDS) + (n_rows % (64u * AP_VEC_WORDS) != 0);
    size_t n_words = n_vec * AP_VEC_WORDS;
    /* planes + tags + valid + scratch, plus 32 bytes to align the start for AVX2 loads. */
    size_t n_planes = (size_t)n_cols + 3u;
    if (n_words > (SIZE_MAX - 32u) / sizeof(uint64_t) / n_planes)
        return BASE_ERROR(BASE_ENOMEM, "ap array of %zu x %u bits does not fit in memory", n_rows,
                          n_cols);
    ap_array *arr = base_calloc(1, sizeof *arr);
    if (!arr)
        goto fail_nothing_to_free;
    arr->block = base_calloc(1, n_words * n_planes * sizeof(uint64_t) + 32u);
    if (!arr->block)
        goto fail_free_struct;
    uintptr_t base = ((uintptr_t)arr->block + 31u) & ~(uintptr_t)31u;
    arr->n_rows = n_rows;
    arr->n_cols = n_cols;
    arr->n_words = n_words;
    arr->planes = (uint64_t *)base;
    arr->tags = arr->planes + (size_t)n_cols * n_words;
    arr->valid = arr->tags + n_words;
    arr->scratch = arr->valid + n_words;
    for (size_t w = 0; w < n_rows / 64u; w++)
        arr->valid[w] = ~(uint64_t)0;
    if (n_rows % 64u)
        arr->valid[n_rows / 64u] = ((uint64_t)1 << (n_rows % 64u)) - 1u;
    ap_array_use_simd(arr, true);
    arr->seg_cols = n_cols;
    *out = arr;
    return BASE_OK;
fail_free_struct:
    base_free(arr);
fail_nothing_to_free:
    return BASE_ERROR(BASE_ENOMEM, "out of memory for an ap array of %zu x %u bits", n_rows,
                      n_cols);
}

void ap_array_use_simd(ap_array *arr, bool on)
{
#if AP_HAVE_AVX2
    arr->use_avx2 = on && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
    arr->use_popcnt = __builtin_cpu_supports("popcnt");
#else
    (void)on;
    arr->use_avx2 = arr->use_popcnt = false;
#endif
}

void ap_array_free(ap_array *arr)
{
    if (!arr)
        return;
    ap_fuse_close(arr);
    base_free(arr->block);
    base_free(arr);
}

size_t ap_array_rows(const ap_array *arr)
{
    return arr->n_rows;
}
unsigned ap_array_cols(const ap_array *arr)
{
    return arr->n_cols;
}
size_t ap_array_plane_words(const ap_array *arr)
{
    return arr->n_words;
}

void ap_array_counters(const ap_array *arr, ap_counters *out)
{
    *out = arr->cnt;
}
void ap_array_counters_reset(ap_array *arr)
{
    memset(&arr->cnt, 0, sizeof arr->cnt);
}

void ap_counters_add(ap_counters *acc, const ap_counters *x)
{
    acc->n_compares += x->n_compares;
    acc->n_writes += x->n_writes;
    acc->n_compared_cells += x->n_compared_cells;
    acc->n_written_cells += x->n_written_cells;
    acc->n_word_writes += x->n_word_writes;
    acc->n_word_reads += x->n_word_reads;
    acc->n_plane_writes += x->n_plane_writes;
    acc->n_plane_reads += x->n_plane_reads;
    acc->n_flipped_cells += x->n_flipped_cells;
    acc->n_ml_segments += x->n_ml_segments;
}

void ap_array_set_ml_segment_cols(ap_array *arr, unsigned seg_cols)
{
    arr->seg_cols = seg_cols ? seg_cols : arr->n_cols;
}

unsigned ap_segments_spanned(const unsigned *cols, unsigned n, unsigned seg_cols)
{
    unsigned seen[AP_PASS_MAX + 1], n_seen = 0;
    for (unsigned i = 0; i < n; i++) {
        unsigned s = cols[i] / seg_cols, k = 0;
        while (k < n_seen && seen[k] != s)
            k++;
        if (k == n_seen && n_seen <= AP_PASS_MAX)
            seen[n_seen++] = s;
    }
    return n_seen;
}

base_status ap_array_set_fused(ap_array *arr, bool on)
{
    if (!on) {
        ap_fuse_close(arr);
        return BASE_OK;
    }
    return arr->fuse ? BASE_OK : ap_fuse_open(arr);
}

void ap_array_set_observer(ap_array *arr, ap_observer_fn fn, void *ctx)
{
    arr->observer = fn;
    arr->observer_ctx = ctx;
}

/* ---- Pass kernels ----------------------------------------------------------------------
 * A pass over all rows is one loop over the words of the columns it touches. The key and
 * the written pattern become per-column word masks before the loop (inv: all ones where the
 * key bit is 0, so col ^ inv is 1 where the column matches; val: all ones where the written
 * bit is 1), so the loop body is only whole-word logic: no per-row work. Tagged rows are
 * counted with a popcount of the tag words. Padding rows are masked out in the last vector
 * only. The bodies are instantiated for each (compared, written) column count so the
 * compiler unrolls the column loops; other counts take a generic loop. */

struct pass_args {
    size_t n_vec;
    const uint64_t *cc[AP_PASS_MAX];
    uint64_t inv[AP_PASS_MAX];
    uint64_t *wc[AP_PASS_MAX];
    uint64_t val[AP_PASS_MAX];
    uint64_t *tags;
    const uint64_t *valid;
};

/* 64-bit word version: one vector = AP_VEC_WORDS words. Pointers are copied into locals so
 * the stores through them cannot be taken to alias the argument block. */
AP_INLINE uint64_t scalar_body(const struct pass_args *p, unsigned nc, unsigned nw)
{
    /* Zeroed so no slot is ever read uninitialised (a few stores per pass, none per row). */
    const uint64_t *cc[AP_PASS_MAX] = {0};
    uint64_t *wc[AP_PASS_MAX] = {0}, inv[AP_PASS_MAX] = {0}, val[AP_PASS_MAX] = {0};
    for (unsigned k = 0; k < nc; k++) {
        cc[k] = p->cc[k];
        inv[k] = p->inv[k];
    }
    for (unsigned k = 0; k < nw; k++) {
        wc[k] = p->wc[k];
        val[k] = p->val[k];
    }
    uint64_t *tags = p->tags, count = 0;
    size_t n_words = p->n_vec * AP_VEC_WORDS, last = n_words - AP_VEC_WORDS;
    for (size_t w = 0; w < n_words; w++) {
        uint64_t t = cc[0][w] ^ inv[0];
        for (unsigned k = 1; k < nc; k++)
            t &= cc[k][w] ^ inv[k];
        if (w >= last)
            t &= p->valid[w];
        tags[w] = t;
        count += popcount64(t);
        for (unsigned k = 0; k < nw; k++) {
            uint64_t c = wc[k][w];
            wc[k][w] = c ^ ((c ^ val[k]) & t);
        }
    }
    return count;
}

/* The word kernel, specialised per column count; instantiated twice below, the second with
 * the CPU's popcount instruction (where it has one) instead of libgcc's bit-twiddling call. */
#define AP_SCALAR_PASS_BODY                                                                        \
    switch (nc * 64u + nw) {                                                                       \
        AP_SCALAR_CASE(1, 1)                                                                       \
        AP_SCALAR_CASE(1, 2)                                                                       \
        AP_SCALAR_CASE(2, 1)                                                                       \
        AP_SCALAR_CASE(2, 2)                                                                       \
        AP_SCALAR_CASE(3, 1)                                                                       \
        AP_SCALAR_CASE(3, 2)                                                                       \
        AP_SCALAR_CASE(4, 1)                                                                       \
        AP_SCALAR_CASE(4, 2)                                                                       \
    default:                                                                                       \
        return scalar_body(p, nc, nw);                                                             \
    }
#define AP_SCALAR_CASE(c, w)                                                                       \
    case c * 64u + w:                                                                              \
        return scalar_body(p, c, w);

static uint64_t scalar_pass(const struct pass_args *p, unsigned nc, unsigned nw)
{
    AP_SCALAR_PASS_BODY
}

#if AP_HAVE_AVX2
__attribute__((target("popcnt"))) static uint64_t scalar_pass_popcnt(const struct pass_args *p,
                                                                     unsigned nc, unsigned nw)
{
    AP_SCALAR_PASS_BODY
}
#endif
#undef AP_SCALAR_CASE

#if AP_HAVE_AVX2
#define AP_AVX2 __attribute__((target("avx2,popcnt")))

/* Adds the per-byte popcount of t (nibble table lookup) to the byte counters acc. */
static inline AP_AVX2 __attribute__((always_inline)) __m256i popcnt_add(__m256i acc, __m256i t,
                                                                        __m256i lut, __m256i low4)
{
    __m256i lo = _mm256_and_si256(t, low4);
    __m256i hi = _mm256_and_si256(_mm256_srli_epi16(t, 4), low4);
    acc = _mm256_add_epi8(acc, _mm256_shuffle_epi8(lut, lo));
    return _mm256_add_epi8(acc, _mm256_shuffle_epi8(lut, hi));
}

/* The AVX2 body is specialised on the written bits too (vbits: bit k is the value written
 * into column k), so a write is one OR or AND-NOT with the tags; `generic` takes them from
 * the argument block instead. */
struct avx2_cols {
    const __m256i *cc[AP_PASS_MAX];
    __m256i *wc[AP_PASS_MAX];
    __m256i inv[AP_PASS_MAX], val[AP_PASS_MAX];
};

static inline AP_AVX2 __attribute__((always_inline)) __m256i
avx2_step(const struct avx2_cols *c, __m256i *tags, size_t v, unsigned nc, unsigned nw,
          unsigned vbits, bool generic, __m256i mask)
{
    /* The first columns are spelled out: GCC does not unroll a 4-trip loop here. */
#define AP_CMP(k) _mm256_xor_si256(_mm256_load_si256(c->cc[k] + v), c->inv[k])
    __m256i t = AP_CMP(0);
    if (nc > 1)
        t = _mm256_and_si256(t, AP_CMP(1));
    if (nc > 2)
        t = _mm256_and_si256(t, AP_CMP(2));
    if (nc > 3)
        t = _mm256_and_si256(t, AP_CMP(3));
    for (unsigned k = 4; k < nc; k++)
        t = _mm256_and_si256(t, AP_CMP(k));
#undef AP_CMP
    t = _mm256_and_si256(t, mask);
    _mm256_store_si256(tags + v, t);
    for (unsigned k = 0; k < nw; k++) {
        __m256i x = _mm256_load_si256(c->wc[k] + v);
        if (generic)
            x = _mm256_xor_si256(x, _mm256_and_si256(_mm256_xor_si256(x, c->val[k]), t));
        else if ((vbits >> k) & 1u)
            x = _mm256_or_si256(x, t);
        else
            x = _mm256_andnot_si256(t, x);
        _mm256_store_si256(c->wc[k] + v, x);
    }
    return t;
}

AP_INLINE AP_AVX2 uint64_t avx2_body(const struct pass_args *p, unsigned nc, unsigned nw,
                                     unsigned vbits, bool generic)
{
    struct avx2_cols c;
    for (unsigned k = 0; k < nc; k++) {
        c.cc[k] = (const __m256i *)p->cc[k];
        c.inv[k] = _mm256_set1_epi64x((long long)p->inv[k]);
    }
    for (unsigned k = 0; k < nw; k++) {
        c.wc[k] = (__m256i *)p->wc[k];
        c.val[k] = _mm256_set1_epi64x((long long)p->val[k]);
    }
    __m256i *tags = (__m256i *)p->tags;
    const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2,
                                         1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    const __m256i low4 = _mm256_set1_epi8(0x0f);
    const __m256i ones = _mm256_set1_epi64x(-1), zero = _mm256_setzero_si256();
    __m256i total = zero;
    size_t v = 0, n_full = p->n_vec - 1;
    /* Byte counters take at most 31 vectors (8 per vector) before they are summed; the loop
     * does two vectors per trip. */
    while (v < n_full) {
        size_t end = n_full - v > 30u ? v + 30u : n_full;
        __m256i acc = zero;
        for (; v + 1u < end; v += 2u) {
            acc = popcnt_add(acc, avx2_step(&c, tags, v, nc, nw, vbits, generic, ones), lut, low4);
            acc = popcnt_add(acc, avx2_step(&c, tags, v + 1u, nc, nw, vbits, generic, ones), lut,
                             low4);
        }
        if (v < end)
            acc =
                popcnt_add(acc, avx2_step(&c, tags, v++, nc, nw, vbits, generic, ones), lut, low4);
        total = _mm256_add_epi64(total, _mm256_sad_epu8(acc, zero));
    }
    __m256i mask = _mm256_load_si256((const __m256i *)p->valid + n_full);
    __m256i t = avx2_step(&c, tags, n_full, nc, nw, vbits, generic, mask);
    total = _mm256_add_epi64(total, _mm256_sad_epu8(popcnt_add(zero, t, lut, low4), zero));
    return (uint64_t)_mm256_extract_epi64(total, 0) + (uint64_t)_mm256_extract_epi64(total, 1) +
           (uint64_t)_mm256_extract_epi64(total, 2) + (uint64_t)_mm256_extract_epi64(total, 3);
}

/* The (compared, written, written bits) shapes the LUTs use. */
// clang-format off
#define AP_AVX2_CASES(X)                                                                       \
    X(1, 1, 1) X(1, 2, 1) X(2, 1, 0) X(2, 1, 1) X(2, 2, 1) X(3, 1, 0) X(3, 1, 1) X(3, 2, 0)   \
    X(3, 2, 1) X(3, 2, 2) X(3, 2, 3) X(4, 1, 0) X(4, 1, 1) X(4, 2, 0) X(4, 2, 1) X(4, 2, 2)   \
    X(4, 2, 3)
// clang-format on

static AP_AVX2 uint64_t avx2_pass(const struct pass_args *p, unsigned nc, unsigned nw)
{
    unsigned vbits = 0;
    for (unsigned k = 0; k < nw && k < 2u; k++)
        vbits |= (unsigned)(p->val[k] & 1u) << k;
    switch (nw <= 2u ? nc * 64u + nw * 4u + vbits : 0u) {
#define AP_AVX2_CASE(c, w, b)                                                                      \
    case c * 64u + w * 4u + b:                                                                     \
        return avx2_body(p, c, w, b, false);
        AP_AVX2_CASES(AP_AVX2_CASE)
#undef AP_AVX2_CASE
    default:
        return avx2_body(p, nc, nw, 0, true);
    }
}
#endif

/* The counters of a pass that depend on its columns only, and the observer's event. */
static void ap_count_pass_rows(ap_array *arr, unsigned n_c, const unsigned *ccols, unsigned n_w,
                               const unsigned *wcols, uint64_t rows_written)
{
    arr->cnt.n_compares++;
    arr->cnt.n_writes++;
    arr->cnt.n_compared_cells += (uint64_t)arr->n_rows * n_c;
    arr->cnt.n_ml_segments +=
        (uint64_t)arr->n_rows * ap_segments_spanned(ccols, n_c, arr->seg_cols);
    ap_notify(arr, AP_EVENT_PASS, n_c, ccols, n_w, wcols, rows_written);
}

uint64_t ap_pass(ap_array *arr, unsigned n_c, const unsigned *ccols, const unsigned char *key,
                 unsigned n_w, const unsigned *wcols, const unsigned char *wval)
{
    ap_fuse_flush(arr); /* a pass that runs alone follows what was recorded before it */
    struct pass_args p;
    p.n_vec = arr->n_words / AP_VEC_WORDS;
    p.tags = arr->tags;
    p.valid = arr->valid;
    for (unsigned k = 0; k < n_c; k++) {
        p.cc[k] = ap_plane(arr, ccols[k]);
        p.inv[k] = key[k] ? 0 : ~(uint64_t)0;
    }
    for (unsigned k = 0; k < n_w; k++) {
        p.wc[k] = ap_plane(arr, wcols[k]);
        p.val[k] = wval[k] ? ~(uint64_t)0 : 0;
    }
    uint64_t count;
#if AP_HAVE_AVX2
    if (arr->use_avx2)
        count = avx2_pass(&p, n_c, n_w);
    else if (arr->use_popcnt)
        count = scalar_pass_popcnt(&p, n_c, n_w);
    else
#endif
        count = scalar_pass(&p, n_c, n_w);
    arr->cnt.n_written_cells += count * n_w;
    ap_count_pass_rows(arr, n_c, ccols, n_w, wcols, count);
    return count;
}

void ap_count_pass(ap_array *arr, unsigned n_c, const unsigned *ccols, unsigned n_w,
                   const unsigned *wcols)
{
    ap_count_pass_rows(arr, n_c, ccols, n_w, wcols, 0);
}

void ap_fill(ap_array *arr, unsigned n, const unsigned *cols, unsigned char value)
{
    if (arr->fuse) {
        ap_fuse_fill(arr, n, cols, value);
        arr->cnt.n_writes++;
        arr->cnt.n_written_cells += (uint64_t)arr->n_rows * n;
        ap_notify(arr, AP_EVENT_FILL, 0, NULL, n, cols, arr->n_rows);
        return;
    }
    memcpy(arr->tags, arr->valid, arr->n_words * sizeof(uint64_t));
    for (unsigned k = 0; k < n; k++) {
        uint64_t *c = ap_plane(arr, cols[k]);
        uint64_t ones = 0;
        for (size_t w = 0; w < arr->n_words; w++)
            ones += popcount64(c[w]);
        arr->cnt.n_flipped_cells += value ? arr->n_rows - ones : ones;
        if (value)
            memcpy(c, arr->valid, arr->n_words * sizeof(uint64_t));
        else
            memset(c, 0, arr->n_words * sizeof(uint64_t));
    }
    arr->cnt.n_writes++;
    arr->cnt.n_written_cells += (uint64_t)arr->n_rows * n;
    ap_notify(arr, AP_EVENT_FILL, 0, NULL, n, cols, arr->n_rows);
}

/* Row r of dst_col := row r + by (up) or r - by (down) of src_col, 0 where that row does not
 * exist; the plane goes through the scratch buffer, as a read-out register would hold it. */
static inline void plane_move(ap_array *arr, unsigned src_col, unsigned dst_col, size_t by,
                              bool down)
{
    ap_fuse_flush(arr);
    const uint64_t *src = ap_plane(arr, src_col);
    uint64_t *dst = ap_plane(arr, dst_col);
    size_t n = arr->n_words, ws = by / 64u;
    unsigned bs = (unsigned)(by % 64u);
    memcpy(arr->scratch, src, n * sizeof(uint64_t));
    for (size_t w = 0; w < n; w++) {
        uint64_t v;
        if (down) {
            uint64_t hi = w >= ws ? arr->scratch[w - ws] : 0;
            uint64_t lo = w >= ws + 1 ? arr->scratch[w - ws - 1] : 0;
            v = (bs ? (hi << bs) | (lo >> (64u - bs)) : hi) & arr->valid[w];
        } else {
            uint64_t lo = w + ws < n ? arr->scratch[w + ws] : 0;
            uint64_t hi = w + ws + 1 < n ? arr->scratch[w + ws + 1] : 0;
            v = bs ? (lo >> bs) | (hi << (64u - bs)) : lo;
        }
        arr->cnt.n_flipped_cells += popcount64(dst[w] ^ v);
        dst[w] = v;
    }
    arr->cnt.n_plane_reads++;
    arr->cnt.n_plane_writes++;
    ap_notify(arr, AP_EVENT_PLANE_READ, 1, &src_col, 0, NULL, 0);
    ap_notify(arr, AP_EVENT_PLANE_WRITE, 0, NULL, 1, &dst_col, arr->n_rows);
}

void ap_plane_shift(ap_array *arr, unsigned src_col, unsigned dst_col, size_t by)
{
    plane_move(arr, src_col, dst_col, by, false);
}

void ap_plane_shift_down(ap_array *arr, unsigned src_col, unsigned dst_col, size_t by)
{
    plane_move(arr, src_col, dst_col, by, true);
}

/* ---- Field loads: values to bit-planes, 64 rows at a time ------------------------------------
 * bits[i] receives bit i of the 64 values v[0..63] (bit r: row r), for i < width. The word
 * version gathers the low bit of eight bytes at once with one multiply (bit 8j of x moves to
 * bit 56 + j under 0x0102040810204080, and no two partial products meet); the AVX2 version
 * packs 32 values' byte into a vector and takes each bit of it with one movemask. */
AP_INLINE void gather_word(const uint32_t *v, unsigned width, uint64_t *bits)
{
    for (unsigned b = 0; b * 8u < width; b++)
        for (unsigned g = 0; g < 8; g++) {
            uint64_t x = 0;
            for (unsigned j = 0; j < 8; j++)
                x |= (uint64_t)((v[8u * g + j] >> (8u * b)) & 0xffu) << (8u * j);
            for (unsigned i = 0; i < 8 && 8u * b + i < width; i++) {
                uint64_t lsb = (x >> i) & 0x0101010101010101u;
                bits[8u * b + i] |= ((lsb * 0x0102040810204080u) >> 56) << (8u * g);
            }
        }
}

/* Where a field load takes its values: an array, or a producer called per 64 rows. */
typedef struct value_src {
    const uint32_t *values;
    ap_values_fn fn;
    void *ctx;
} value_src;

/* Loads field f from src (n values; rows beyond are 0); returns the cells that changed. */
#define AP_FIELD_LOAD_BODY(GATHER)                                                                 \
    uint64_t flips = 0;                                                                            \
    uint32_t pad[64];                                                                              \
    for (size_t w = 0; w < arr->n_words; w++) {                                                    \
        size_t r0 = w * 64u, m = r0 < n ? (n - r0 < 64u ? n - r0 : 64u) : 0;                       \
        const uint32_t *v = pad;                                                                   \
        if (m && src->values)                                                                      \
            v = src->values + r0;                                                                  \
        else if (m)                                                                                \
            src->fn(src->ctx, r0, m, pad);                                                         \
        if (m < 64u) {                                                                             \
            if (m && v != pad)                                                                     \
                memcpy(pad, v, m * sizeof *v);                                                     \
            memset(pad + m, 0, (64u - m) * sizeof *pad);                                           \
            v = pad;                                                                               \
        }                                                                                          \
        uint64_t bits[32] = {0};                                                                   \
        GATHER(v, f.width, bits);                                                                  \
        for (unsigned i = 0; i < f.width; i++) {                                                   \
            uint64_t *c = ap_plane(arr, f.col + i) + w;                                            \
            if (!arr->fuse) /* fused arrays do not count flips (ap_array_set_fused) */             \
                flips += popcount64(*c ^ bits[i]);                                                 \
            *c = bits[i];                                                                          \
        }                                                                                          \
    }                                                                                              \
    return flips;

static uint64_t field_load_words(ap_array *arr, ap_field f, const value_src *src, size_t n)
{
    AP_FIELD_LOAD_BODY(gather_word)
}

#if AP_HAVE_AVX2
static inline AP_AVX2 __attribute__((always_inline)) void
gather_avx2(const uint32_t *v, unsigned width, uint64_t *bits)
{
    const __m256i low8 = _mm256_set1_epi32(0xff), order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    for (unsigned b = 0; b * 8u < width; b++)
        for (unsigned half = 0; half < 2; half++) {
            __m256i q[4];
            for (unsigned k = 0; k < 4; k++) {
                __m256i x = _mm256_loadu_si256((const __m256i *)(v + 32u * half + 8u * k));
                q[k] = _mm256_and_si256(_mm256_srli_epi32(x, (int)(8u * b)), low8);
            }
            __m256i bytes = _mm256_packus_epi16(_mm256_packus_epi32(q[0], q[1]),
                                                _mm256_packus_epi32(q[2], q[3]));
            bytes = _mm256_permutevar8x32_epi32(bytes, order); /* rows back in order */
            for (unsigned i = 0; i < 8 && 8u * b + i < width; i++) {
                __m256i top = _mm256_slli_epi16(bytes, (int)(7u - i));
                uint32_t mask = (uint32_t)_mm256_movemask_epi8(top);
                bits[8u * b + i] |= (uint64_t)mask << (32u * half);
            }
        }
}

static AP_AVX2 uint64_t field_load_avx2(ap_array *arr, ap_field f, const value_src *src, size_t n)
{
    AP_FIELD_LOAD_BODY(gather_avx2)
}
#endif

/* ---- Public primitives ----------------------------------------------------------------- */

static base_status check_cols(const ap_array *arr, const unsigned *cols, const unsigned char *bits,
                              unsigned n, const char *what)
{
    for (unsigned k = 0; k < n; k++) {
        if (!ap_cols_inside(arr, cols[k], 1))
            return BASE_ERROR(BASE_ERANGE, "ap %s: column %u outside the array (%u columns)", what,
                              cols[k], arr->n_cols);
        if (bits[k] > 1)
            return BASE_ERROR(BASE_EINVAL, "ap %s: bit %u for column %u is not 0 or 1", what,
                              (unsigned)bits[k], cols[k]);
    }
    return BASE_OK;
}

base_status ap_array_compare(ap_array *arr, const unsigned *cols, const unsigned char *key,
                             unsigned n, ap_tag_mode mode)
{
    base_status st = check_cols(arr, cols, key, n, "compare");
    if (st)
        return st;
    if (mode != AP_TAG_SET && mode != AP_TAG_AND && mode != AP_TAG_OR)
        return BASE_ERROR(BASE_EINVAL, "ap compare: unknown tag mode %d", (int)mode);
    for (size_t w = 0; w < arr->n_words; w++) {
        uint64_t t = arr->valid[w];
        for (unsigned k = 0; k < n; k++)
            t &= ap_plane(arr, cols[k])[w] ^ (key[k] ? 0 : ~(uint64_t)0);
        if (mode == AP_TAG_AND)
            t &= arr->tags[w];
        else if (mode == AP_TAG_OR)
            t |= arr->tags[w];
        arr->tags[w] = t;
    }
    arr->cnt.n_compares++;
    arr->cnt.n_compared_cells += (uint64_t)arr->n_rows * n;
    arr->cnt.n_ml_segments += (uint64_t)arr->n_rows * ap_segments_spanned(cols, n, arr->seg_cols);
    ap_notify(arr, AP_EVENT_COMPARE, n, cols, 0, NULL, 0);
    return BASE_OK;
}

base_status ap_array_write(ap_array *arr, const unsigned *cols, const unsigned char *bits,
                           unsigned n)
{
    base_status st = check_cols(arr, cols, bits, n, "write");
    if (st)
        return st;
    for (unsigned k = 0; k < n; k++) {
        uint64_t *c = ap_plane(arr, cols[k]);
        for (size_t w = 0; w < arr->n_words; w++)
            c[w] = bits[k] ? c[w] | arr->tags[w] : c[w] & ~arr->tags[w];
    }
    size_t tagged = ap_array_tags_count(arr);
    arr->cnt.n_writes++;
    arr->cnt.n_written_cells += (uint64_t)tagged * n;
    ap_notify(arr, AP_EVENT_WRITE, 0, NULL, n, cols, tagged);
    return BASE_OK;
}

void ap_array_tags_fill(ap_array *arr, bool value)
{
    if (value)
        memcpy(arr->tags, arr->valid, arr->n_words * sizeof(uint64_t));
    else
        memset(arr->tags, 0, arr->n_words * sizeof(uint64_t));
}

void ap_array_tags_invert(ap_array *arr)
{
    for (size_t w = 0; w < arr->n_words; w++)
        arr->tags[w] = ~arr->tags[w] & arr->valid[w];
}

bool ap_array_tags_any(const ap_array *arr)
{
    for (size_t w = 0; w < arr->n_words; w++)
        if (arr->tags[w])
            return true;
    return false;
}

size_t ap_array_tags_count(const ap_array *arr)
{
    size_t n = 0;
    for (size_t w = 0; w < arr->n_words; w++)
        n += popcount64(arr->tags[w]);
    return n;
}

bool ap_array_tags_first(const ap_array *arr, size_t *row)
{
    for (size_t w = 0; w < arr->n_words; w++) {
        uint64_t t = arr->tags[w];
        if (t) {
            unsigned b = 0;
            while (!(t & 1u)) {
                t >>= 1;
                b++;
            }
            *row = w * 64u + b;
            return true;
        }
    }
    return false;
}

static base_status check_field(const ap_array *arr, ap_field f, const char *what)
{
    if (f.width == 0 || f.width > 32u)
        return BASE_ERROR(BASE_EINVAL, "ap %s: field width %u is not in 1..32", what, f.width);
    if (!ap_cols_inside(arr, f.col, f.width))
        return BASE_ERROR(BASE_ERANGE,
                          "ap %s: field at column %u of width %u outside the array (%u columns)",
                          what, f.col, f.width, arr->n_cols);
    return BASE_OK;
}

base_status ap_array_word_write(ap_array *arr, size_t row, ap_field f, uint32_t value)
{
    base_status st = check_field(arr, f, "word write");
    if (st)
        return st;
    if (row >= arr->n_rows)
        return BASE_ERROR(BASE_ERANGE, "ap word write: row %zu outside the array (%zu rows)", row,
                          arr->n_rows);
    uint64_t bit = (uint64_t)1 << (row % 64u);
    for (unsigned i = 0; i < f.width; i++) {
        uint64_t *w = ap_plane(arr, f.col + i) + row / 64u;
        *w = (value >> i) & 1u ? *w | bit : *w & ~bit;
    }
    arr->cnt.n_word_writes++;
    return BASE_OK;
}

base_status ap_array_word_read(ap_array *arr, size_t row, ap_field f, uint32_t *value)
{
    base_status st = check_field(arr, f, "word read");
    if (st)
        return st;
    if (row >= arr->n_rows)
        return BASE_ERROR(BASE_ERANGE, "ap word read: row %zu outside the array (%zu rows)", row,
                          arr->n_rows);
    uint32_t v = 0;
    for (unsigned i = 0; i < f.width; i++)
        v |= (uint32_t)((ap_plane(arr, f.col + i)[row / 64u] >> (row % 64u)) & 1u) << i;
    *value = v;
    arr->cnt.n_word_reads++;
    return BASE_OK;
}

static base_status check_plane(const ap_array *arr, unsigned col, size_t n_words, const char *what)
{
    if (!ap_cols_inside(arr, col, 1))
        return BASE_ERROR(BASE_ERANGE, "ap %s: column %u outside the array (%u columns)", what, col,
                          arr->n_cols);
    if (n_words != arr->n_words)
        return BASE_ERROR(BASE_EINVAL, "ap %s: plane of %zu words, the array needs %zu", what,
                          n_words, arr->n_words);
    return BASE_OK;
}

base_status ap_array_plane_write(ap_array *arr, unsigned col, const uint64_t *bits, size_t n_words)
{
    base_status st = check_plane(arr, col, n_words, "plane write");
    if (st)
        return st;
    uint64_t *c = ap_plane(arr, col);
    for (size_t w = 0; w < n_words; w++) {
        uint64_t v = bits[w] & arr->valid[w];
        arr->cnt.n_flipped_cells += popcount64(c[w] ^ v);
        c[w] = v;
    }
    arr->cnt.n_plane_writes++;
    ap_notify(arr, AP_EVENT_PLANE_WRITE, 0, NULL, 1, &col, arr->n_rows);
    return BASE_OK;
}

base_status ap_array_plane_read(ap_array *arr, unsigned col, uint64_t *bits, size_t n_words)
{
    base_status st = check_plane(arr, col, n_words, "plane read");
    if (st)
        return st;
    memcpy(bits, ap_plane(arr, col), n_words * sizeof(uint64_t));
    arr->cnt.n_plane_reads++;
    ap_notify(arr, AP_EVENT_PLANE_READ, 1, &col, 0, NULL, 0);
    return BASE_OK;
}

static base_status field_load(ap_array *arr, ap_field f, const value_src *src, size_t n_values)
{
    base_status st = check_field(arr, f, "field load");
    if (st)
        return st;
    if (n_values > arr->n_rows)
        return BASE_ERROR(BASE_ERANGE, "ap field load: %zu values for %zu rows", n_values,
                          arr->n_rows);
#if AP_HAVE_AVX2
    if (arr->use_avx2)
        arr->cnt.n_flipped_cells += field_load_avx2(arr, f, src, n_values);
    else
#endif
        arr->cnt.n_flipped_cells += field_load_words(arr, f, src, n_values);
    for (unsigned i = 0; i < f.width; i++) {
        unsigned col = f.col + i;
        ap_notify(arr, AP_EVENT_PLANE_WRITE, 0, NULL, 1, &col, arr->n_rows);
    }
    arr->cnt.n_plane_writes += f.width;
    return BASE_OK;
}

base_status ap_array_field_load(ap_array *arr, ap_field f, const uint32_t *values, size_t n_values)
{
    static const uint32_t none[1] = {0}; /* no values (n_values 0): never read */
    value_src src = {values ? values : none, NULL, NULL};
    return field_load(arr, f, &src, n_values);
}

base_status ap_array_field_load_fn(ap_array *arr, ap_field f, ap_values_fn fn, void *ctx,
                                   size_t n_values)
{
    if (!fn)
        return BASE_ERROR(BASE_EINVAL, "ap field load: no value producer");
    value_src src = {NULL, fn, ctx};
    return field_load(arr, f, &src, n_values);
}

/* 64-bit values: the low and high 32 bits of each value produced 64 rows at a time into the
 * 32-bit load (its gather fast paths), as two fields. */
typedef struct half_src {
    const uint64_t *values;
    unsigned shift;
} half_src;

static void half_values(void *ctx, size_t r0, size_t n, uint32_t *out)
{
    const half_src *h = ctx;
    for (size_t i = 0; i < n; i++)
        out[i] = (uint32_t)(h->values[r0 + i] >> h->shift);
}

static base_status check_field64(const ap_array *arr, ap_field f, size_t n_values, const char *what)
{
    if (f.width == 0 || f.width > AP_WIDTH_MAX)
        return BASE_ERROR(BASE_EINVAL, "ap %s: field width %u is not in 1..%u", what, f.width,
                          AP_WIDTH_MAX);
    if (!ap_cols_inside(arr, f.col, f.width))
        return BASE_ERROR(BASE_ERANGE,
                          "ap %s: field at column %u of width %u outside the array (%u columns)",
                          what, f.col, f.width, arr->n_cols);
    if (n_values > arr->n_rows)
        return BASE_ERROR(BASE_ERANGE, "ap %s: %zu values for %zu rows", what, n_values,
                          arr->n_rows);
    return BASE_OK;
}

base_status ap_array_field_load64(ap_array *arr, ap_field f, const uint64_t *values,
                                  size_t n_values)
{
    base_status st = check_field64(arr, f, n_values, "field load");
    if (st)
        return st;
    static const uint64_t none[1] = {0}; /* no values (n_values 0): never read */
    half_src lo = {values ? values : none, 0}, hi = {values ? values : none, 32};
    ap_field flo = {f.col, f.width < 32u ? f.width : 32u};
    st = ap_array_field_load_fn(arr, flo, half_values, &lo, n_values);
    if (st == BASE_OK && f.width > 32u)
        st = ap_array_field_load_fn(arr, (ap_field){f.col + 32u, f.width - 32u}, half_values, &hi,
                                    n_values);
    return st;
}

base_status ap_array_field_store64(ap_array *arr, ap_field f, uint64_t *values, size_t n_values)
{
    base_status st = check_field64(arr, f, n_values, "field store");
    if (st)
        return st;
    if (n_values > 0) /* values may be NULL when there are none */
        memset(values, 0, n_values * sizeof *values);
    for (unsigned i = 0; i < f.width; i++) {
        const uint64_t *c = ap_plane(arr, f.col + i);
        for (size_t r = 0; r < n_values; r++)
            values[r] |= ((c[r / 64u] >> (r % 64u)) & 1u) << i;
        unsigned col = f.col + i;
        ap_notify(arr, AP_EVENT_PLANE_READ, 1, &col, 0, NULL, 0);
    }
    arr->cnt.n_plane_reads += f.width;
    return BASE_OK;
}

base_status ap_array_field_store(ap_array *arr, ap_field f, uint32_t *values, size_t n_values)
{
    base_status st = check_field(arr, f, "field store");
    if (st)
        return st;
    if (n_values > arr->n_rows)
        return BASE_ERROR(BASE_ERANGE, "ap field store: %zu values for %zu rows", n_values,
                          arr->n_rows);
    if (n_values > 0) /* values may be NULL when there are none */
        memset(values, 0, n_values * sizeof *values);
    for (unsigned i = 0; i < f.width; i++) {
        const uint64_t *c = ap_plane(arr, f.col + i);
        for (size_t r = 0; r < n_values; r++)
            values[r] |= (uint32_t)((c[r / 64u] >> (r % 64u)) & 1u) << i;
        unsigned col = f.col + i;
        ap_notify(arr, AP_EVENT_PLANE_READ, 1, &col, 0, NULL, 0);
    }
    arr->cnt.n_plane_reads += f.width;
    return BASE_OK;
}
