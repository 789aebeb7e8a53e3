/* ap_impl.h - internals of ap_core shared by ap_array.c (storage, word-parallel kernels),
 * ap_ops.c (LUT tables and ops) and ap_cost.c (closed forms). Not part of the public API.
 * Layout: bit-sliced, one 64-bit word holds one column bit of 64 rows (docs/AP_MODEL.md). */
#ifndef AP_IMPL_H
#define AP_IMPL_H

#include "ap_core/ap.h"

/* Words per kernel vector (256 bits); every plane is padded to a whole number of vectors. */
#define AP_VEC_WORDS 4u
/* Most columns one pass compares or writes (a whole accumulator plus one work column). */
#define AP_PASS_MAX 33u

struct ap_array {
    size_t n_rows;
    unsigned n_cols;
    size_t n_words;    /* words per plane, a multiple of AP_VEC_WORDS */
    uint64_t *planes;  /* column c occupies planes[c * n_words .. + n_words) */
    uint64_t *tags;    /* n_words */
    uint64_t *valid;   /* n_words: bit set for rows < n_rows */
    uint64_t *scratch; /* n_words: plane shifts of the reduction */
    void *block;       /* the one allocation behind the four arrays above */
    bool use_avx2;     /* the CPU runs the AVX2 kernel */
    ap_counters cnt;
};

/* Set bits of x. */
static inline unsigned popcount64(uint64_t x)
{
#if defined(__GNUC__)
    return (unsigned)__builtin_popcountll(x);
#else
    x = x - ((x >> 1) & 0x5555555555555555u);
    x = (x & 0x3333333333333333u) + ((x >> 2) & 0x3333333333333333u);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fu;
    return (unsigned)((x * 0x0101010101010101u) >> 56);
#endif
}

/* Steps of a reduction tree over rows rows: ceil(log2 rows), the bit length of rows - 1
 * (0 for 0 or 1 row). No doubling loop, so rows near SIZE_MAX cannot wrap. */
static inline unsigned reduce_steps(size_t rows)
{
    unsigned n = 0;
    for (size_t x = rows > 0 ? rows - 1u : 0u; x; x >>= 1)
        n++;
    return n;
}

/* Columns col .. col + width - 1 all lie inside the array (width >= 1). */
static inline bool ap_cols_inside(const ap_array *arr, unsigned col, unsigned width)
{
    return col < arr->n_cols && width <= arr->n_cols - col;
}

static inline uint64_t *ap_plane(ap_array *arr, unsigned col)
{
    return arr->planes + (size_t)col * arr->n_words;
}

/* One pass: compare columns ccols (key bits key) then write wcols := wval in the matching
 * rows, as one word-parallel loop. Updates tags and all counters; returns the tagged rows. */
uint64_t ap_pass(ap_array *arr, unsigned n_c, const unsigned *ccols, const unsigned char *key,
                 unsigned n_w, const unsigned *wcols, const unsigned char *wval);
/* Tag every row, then write value into the n columns: one write cycle (no compare). */
void ap_fill(ap_array *arr, unsigned n, const unsigned *cols, unsigned char value);
/* Test hook: allow (when the CPU has it) or forbid the AVX2 kernel; the 64-bit word kernel
 * must give identical results and counters. */
void ap_array_use_simd(ap_array *arr, bool on);
/* Row shift of a bit-plane: dst[r] = src[r + by] (0 beyond the last row), as 2D-AP data
 * movement: one plane read and one plane write. */
void ap_plane_shift(ap_array *arr, unsigned src_col, unsigned dst_col, size_t by);

#endif /* AP_IMPL_H */
