/* ap_impl.h - internals of ap_core shared by ap_array.c (storage, word-parallel kernels),
 * ap_ops.c (LUT tables and ops) and ap_cost.c (the op table and its closed forms). Not part of
 * the public API.
 * Layout: bit-sliced, one 64-bit word holds one column bit of 64 rows (docs/AP_MODEL.md). */
#ifndef AP_IMPL_H
#define AP_IMPL_H

#include "ap_core/ap.h"

/* Words per kernel vector (256 bits); every plane is padded to a whole number of vectors. */
#define AP_VEC_WORDS 4u
/* Most columns one pass compares or writes, or one fill clears (a whole operand, as relu
 * writes, or a product plus its carry). */
#define AP_PASS_MAX (AP_WIDTH_MAX + 1u)

typedef struct ap_fuse ap_fuse;

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
    bool use_popcnt;   /* the word kernel may use the CPU's popcount instruction */
    ap_counters cnt;
    unsigned seg_cols;       /* match-line segment width (n_cols when unsplit) */
    ap_observer_fn observer; /* ap_array_set_observer */
    void *observer_ctx;
    ap_fuse *fuse; /* ap_array_set_fused: the op's recorded program (NULL: pass by pass) */
};

/* Reports one step to the observer, if there is one. */
static inline void ap_notify(const ap_array *arr, ap_event_kind kind, unsigned n_c,
                             const unsigned *ccols, unsigned n_w, const unsigned *wcols,
                             uint64_t rows_written)
{
    if (arr->observer) {
        ap_event ev = {kind, n_c, n_w, ccols, wcols, rows_written};
        arr->observer(arr->observer_ctx, &ev);
    }
}

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

/* ---- Pass programs: the LUTs (defined in ap_ops.c) ----------------------------------------
 * A pass is written as four strings: the compared slots, their key bits, the written slots
 * and the bits written. A slot is a letter bound to a column when the table is applied to one
 * bit position (A, B: operand bits, C: carry/borrow, F: flag, S: sign, D: destination, ...).
 * The ops run these tables (ap_ops.c) and the closed forms count passes and columns from the
 * same tables (ap_cost.c), so pass counts are written once. */
typedef struct ap_lut_pass {
    const char *cmp, *key, *wr, *val;
} ap_lut_pass;

typedef struct ap_lut {
    unsigned n_passes;
    const ap_lut_pass *pass;
} ap_lut;

/* B := A + B + C; C := carry. */
extern const ap_lut ap_lut_add;
/* B := B - A - C; C := borrow. */
extern const ap_lut ap_lut_sub;
/* A := -A bit-serially with flag F. */
extern const ap_lut ap_lut_neg;
/* S := A + B + C out of place. */
extern const ap_lut ap_lut_add_oop;
/* B := B xor C; C := B and C. */
extern const ap_lut ap_lut_half;
/* D := A. */
extern const ap_lut ap_lut_copy;
/* Carry into the next product bit. */
extern const ap_lut ap_lut_move;
/* F := (A > B) so far; the sign-bit variant for signed operands. */
extern const ap_lut ap_lut_gt;
extern const ap_lut ap_lut_gt_sign;
/* F := 0 where A and B differ. */
extern const ap_lut ap_lut_eq;
/* B := A where F. */
extern const ap_lut ap_lut_select;
/* neg guarded by the sign S; the sign-bit variant. */
extern const ap_lut ap_lut_abs;
extern const ap_lut ap_lut_abs_sign;
/* Every LUT above, for table checks. */
extern const ap_lut *const ap_luts[];
extern const unsigned ap_n_luts;

/* Runs table t at one bit position: col[letter - 'A'] is the column bound to each slot letter,
 * guard (or NULL) a column keyed 1 in every compare. Pass by pass, or recorded when fused. */
void ap_lut_run(ap_array *arr, const ap_lut *t, const unsigned *col, const unsigned *guard);

/* Validation shared by the ops (ap_ops.c): a width in 1..max (BASE_EINVAL); named fields inside
 * the array (BASE_ERANGE) and pairwise disjoint (BASE_EOVERLAP). */
typedef struct ap_region {
    const char *name;
    ap_field f;
} ap_region;
base_status ap_check_width(const char *op, const char *name, unsigned width, unsigned max);
base_status ap_check_regions(const ap_array *arr, const char *op, const ap_region *r, unsigned n);

/* ---- Programs written once (ap_div.c) ------------------------------------------------------
 * An op whose program is a walk over its steps: the op runs the steps on an array, its closed
 * form counts the same steps (ap_cost.c), and its expected written cells run them on one row. */
typedef struct ap_prog {
    /* table t at one bit position (col indexed by letter - 'A'), guarded or not */
    void (*lut)(void *ctx, const ap_lut *t, const unsigned *col, const unsigned *guard);
    /* an all-row write of value into n columns */
    void (*fill)(void *ctx, unsigned n, const unsigned *cols, unsigned char value);
    void *ctx;
} ap_prog;

/* The restoring division's steps (ap_divmod_u); fields already validated. */
void ap_divmod_program(const ap_prog *p, ap_field num, ap_field den, ap_field quot, ap_field rem,
                       unsigned scratch_col);
/* Expected written cells per row of ap_divmod_u with an n-bit numerator and a d-bit
 * denominator, uniformly random (all pairs when n + d <= 16, else a fixed sample); memoised,
 * not thread-safe on first use. */
double ap_divmod_written_cells(unsigned n, unsigned d);

/* ---- The op table (AP_OP_LIST in ap.h), as data ----------------------------------------- */

/* The cost arguments of one op, checked against the op's width rules. */
typedef struct ap_op_args {
    unsigned n, w, m; /* width_a, width_b, width_acc */
    size_t n_rows;
    bool is_signed;
} ap_op_args;

/* A pass program's closed form: adds the op's counts to a zeroed *c. */
typedef void (*ap_cost_fn)(ap_cost *c, const ap_op_args *x);

typedef struct ap_op_row {
    const char *name;
    unsigned arity;
    ap_width_rule width[3]; /* indexed by ap_width_arg */
    bool is_signed;
    ap_cost_fn cost;
} ap_op_row;

/* One row per op, indexed by ap_op (ap_cost.c). */
extern const ap_op_row ap_op_rows[AP_OP_COUNT];

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
/* The other way: dst[r] = src[r - by] (0 below row by); one plane read and one plane write. */
void ap_plane_shift_down(ap_array *arr, unsigned src_col, unsigned dst_col, size_t by);

/* ---- Fused evaluation (ap_fuse.c) ----------------------------------------------------------
 * With ap_array_set_fused on, an op's LUT applications and fills are recorded instead of run
 * pass by pass; the op then runs the whole recorded program block by block over the rows,
 * each LUT application as the bitwise net effect of its passes on the columns it touches
 * (derived from the table itself). The data-independent counters are kept pass by pass as
 * usual (ap_count_pass); written and flipped cells, which depend on the data, are not. */
#define AP_N_LUTS_MAX 16u /* ap_n_luts <= this */

/* Creates or frees the array's recorder (BASE_ENOMEM). */
base_status ap_fuse_open(ap_array *arr);
void ap_fuse_close(ap_array *arr);
/* Records one application of table t with slot columns col (indexed by letter - 'A') and an
 * optional guard column; flushes first when the program is full. */
void ap_fuse_lut(ap_array *arr, const ap_lut *t, const unsigned *col, const unsigned *guard);
/* Records a fill of n columns (any number) with value. */
void ap_fuse_fill(ap_array *arr, unsigned n, const unsigned *cols, unsigned char value);
/* Runs and clears the recorded program (nothing when not fused). */
void ap_fuse_flush(ap_array *arr);
/* The formula table t (guarded or not) runs as on a fused array: "add", "sub", "half",
 * "copy", "move", or "generic" (its normal form); NULL when arr is not fused. */
const char *ap_fuse_kernel_name(const ap_array *arr, const ap_lut *t, bool guarded);
/* Counts one pass as ap_pass does, except its written cells (data-dependent), and tells the
 * observer (rows_written 0). */
void ap_count_pass(ap_array *arr, unsigned n_c, const unsigned *ccols, unsigned n_w,
                   const unsigned *wcols);

#endif /* AP_IMPL_H */
