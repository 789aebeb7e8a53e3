/* ap.h - the associative processor (AP) model: a bit-sliced CAM array with key, mask and a
 * tag bit per row, its compare/write primitives, and arithmetic as look-up tables of passes.
 * Model: docs/AP_MODEL.md; pass orders from the FPGA AP RTL
 * (github.com/hongzhengTian/Associative-Processor-on-FPGA, AP_ctrl.v).
 * Only base/base.h and the C library are used. */
#ifndef AP_H
#define AP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

/* Widest operand field of an arithmetic op (the AP is bit-serial: any width runs; 64 holds
 * ONNX's widest integers), and widest accumulator field (the inference paths keep 32-bit
 * accumulators). A product (ap_mul) is at most AP_WIDTH_MAX bits wide. */
#define AP_WIDTH_MAX     64u
#define AP_ACC_WIDTH_MAX 32u
/* Widest input of a table lookup (ap_lookup): its table has 2^width entries. */
#define AP_LOOKUP_WIDTH_MAX 16u

typedef struct ap_array ap_array;

/* A field: `width` adjacent bit-columns of every row, least significant bit at `col`. */
typedef struct ap_field {
    unsigned col;
    unsigned width;
} ap_field;

/* Event counters kept by an array; the energy model multiplies them by per-bit costs.
 * n_compared_cells = sum over compares of rows x compared (unmasked) columns;
 * n_written_cells = sum over writes of tagged rows x written columns. */
typedef struct ap_counters {
    uint64_t n_compares, n_writes, n_compared_cells, n_written_cells, n_word_writes, n_word_reads,
        n_plane_writes, n_plane_reads;
    /* Cells whose stored value changed in fills, plane writes and field loads (operand loads
     * and clears): what a non-volatile cell pays for. Pass writes are not in it (the LUTs
     * write a cell where its value changes; docs/AP_MODEL.md section 4). */
    uint64_t n_flipped_cells;
    /* Sum over compares of rows x match-line segments the compared columns span, segments
     * being ap_array_set_ml_segment_cols columns wide (the whole row unless set). */
    uint64_t n_ml_segments;
} ap_counters;

/* What an array did in one step, for an observer (ap_array_set_observer): the columns a
 * compare searched and the columns a write drove. A pass both compares and writes; a fill, a
 * plane write or a field load writes columns in every row; a plane read reads one column.
 * The columns are the physical ones, so an observer can tell which match-line segments a
 * compare spans or how often each column is written (sim/ does both). */
typedef enum ap_event_kind {
    AP_EVENT_PASS,        /* compare, then write into the tagged rows */
    AP_EVENT_COMPARE,     /* ap_array_compare */
    AP_EVENT_WRITE,       /* ap_array_write into the tagged rows */
    AP_EVENT_FILL,        /* all-row write of constant bits (a clear) */
    AP_EVENT_PLANE_WRITE, /* a column written in every row (operand load, tree move) */
    AP_EVENT_PLANE_READ   /* a column read out of every row */
} ap_event_kind;

typedef struct ap_event {
    ap_event_kind kind;
    unsigned n_compared, n_written;
    const unsigned *compared, *written; /* column lists (n_compared, n_written entries) */
    uint64_t rows_written;              /* rows whose cells were driven by the write */
} ap_event;

typedef void (*ap_observer_fn)(void *ctx, const ap_event *ev);

/* ---- The array ---------------------------------------------------------------------- */

/* Creates an array of n_rows x n_cols bits, all zero, tags clear, counters zero.
 * BASE_EINVAL for zero rows or columns; BASE_ENOMEM when it does not fit in memory.
 * *out is NULL on failure. Free with ap_array_free. */
base_status ap_array_new(size_t n_rows, unsigned n_cols, ap_array **out);
/* Frees the array; ap_array_free(NULL) is a no-op. */
void ap_array_free(ap_array *arr);
size_t ap_array_rows(const ap_array *arr);
unsigned ap_array_cols(const ap_array *arr);
/* 64-bit words per bit-plane (the length ap_array_plane_read/write expect). */
size_t ap_array_plane_words(const ap_array *arr);

void ap_array_counters(const ap_array *arr, ap_counters *out);
void ap_array_counters_reset(ap_array *arr);
/* Adds every counter of x to acc (sums over arrays or runs). */
void ap_counters_add(ap_counters *acc, const ap_counters *x);
/* Match lines split into segments of seg_cols columns (selective precharge): a compare
 * precharges only the segments its columns lie in (counted in n_ml_segments). 0 = unsplit. */
void ap_array_set_ml_segment_cols(ap_array *arr, unsigned seg_cols);
/* Distinct segments of seg_cols columns (>= 1) that n columns lie in. */
unsigned ap_segments_spanned(const unsigned *cols, unsigned n, unsigned seg_cols);
/* Calls fn(ctx, event) after every compare, write, pass, fill, plane write and plane read of
 * arr (word reads and writes are not reported); NULL stops it. */
void ap_array_set_observer(ap_array *arr, ap_observer_fn fn, void *ctx);
/* Fused evaluation (on: true): each op then runs its whole LUT program block by block over
 * the rows, every table application as the bitwise net effect of its passes (derived from the
 * table), instead of pass by pass over the whole array. Results are bit-identical and the
 * counters the same, except n_written_cells of passes and n_flipped_cells of clears and field
 * loads, which depend on the data and are not counted; tags are unspecified after an op. Off
 * by default. BASE_ENOMEM. */
base_status ap_array_set_fused(ap_array *arr, bool on);

/* ---- Primitives --------------------------------------------------------------------- */

/* How a compare combines its match vector with the tags. */
typedef enum ap_tag_mode {
    AP_TAG_SET, /* tags = match */
    AP_TAG_AND, /* tags &= match */
    AP_TAG_OR   /* tags |= match */
} ap_tag_mode;

/* Masked compare: a row matches when bit cols[i] equals key[i] (0 or 1) for every i < n;
 * columns not listed are masked out. n = 0 matches every row. Counts one compare and
 * n_rows x n compared cells. BASE_ERANGE for a column outside the array, BASE_EINVAL for a key
 * other than 0/1 or an unknown mode. */
base_status ap_array_compare(ap_array *arr, const unsigned *cols, const unsigned char *key,
                             unsigned n, ap_tag_mode mode);
/* Tagged write: bit cols[i] := bits[i] in every tagged row. Counts one write and
 * tagged rows x n written cells. Errors as ap_array_compare. */
base_status ap_array_write(ap_array *arr, const unsigned *cols, const unsigned char *bits,
                           unsigned n);
/* Tag register operations (no counters). */
void ap_array_tags_fill(ap_array *arr, bool value);
void ap_array_tags_invert(ap_array *arr);
bool ap_array_tags_any(const ap_array *arr);
size_t ap_array_tags_count(const ap_array *arr);
/* Priority resolution: the lowest tagged row into *row; false (and *row untouched) if none. */
bool ap_array_tags_first(const ap_array *arr, size_t *row);

/* 1D access: write or read one row's field (width 1..32). Counts one word write/read.
 * BASE_ERANGE for a row or field outside the array, BASE_EINVAL for width 0 or > 32. */
base_status ap_array_word_write(ap_array *arr, size_t row, ap_field f, uint32_t value);
base_status ap_array_word_read(ap_array *arr, size_t row, ap_field f, uint32_t *value);
/* 2D access: one bit of every row of column col at once; bit r of the plane is row r
 * (word r / 64, bit r % 64). n_words must be ap_array_plane_words(); bits of rows >= n_rows
 * are ignored on write and read back as 0. Counts one plane write/read. */
base_status ap_array_plane_write(ap_array *arr, unsigned col, const uint64_t *bits, size_t n_words);
base_status ap_array_plane_read(ap_array *arr, unsigned col, uint64_t *bits, size_t n_words);
/* Bulk 2D load/store of a field (width 1..32) for rows 0..n_values-1 (n_values <= n_rows;
 * a load clears the field in the remaining rows): f.width plane writes/reads. The ..64
 * variants take 64-bit values and fields of width 1..64 (AP_WIDTH_MAX operands), with the
 * same counters and errors. */
base_status ap_array_field_load(ap_array *arr, ap_field f, const uint32_t *values, size_t n_values);
/* The same load with the values produced on the way, 64 rows at a time: fn(ctx, r0, n, out)
 * writes the values of rows r0 .. r0 + n - 1 (n <= 64) into out. No values array is needed,
 * and each value is used while it is still in cache. */
typedef void (*ap_values_fn)(void *ctx, size_t r0, size_t n, uint32_t *out);
base_status ap_array_field_load_fn(ap_array *arr, ap_field f, ap_values_fn fn, void *ctx,
                                   size_t n_values);
base_status ap_array_field_store(ap_array *arr, ap_field f, uint32_t *values, size_t n_values);
base_status ap_array_field_load64(ap_array *arr, ap_field f, const uint64_t *values,
                                  size_t n_values);
base_status ap_array_field_store64(ap_array *arr, ap_field f, uint64_t *values, size_t n_values);

/* ---- Operations: one table, enum values and names come from it ------------------------ */

/* How an op uses one of the cost arguments width_a, width_b, width_acc (see ap_op_cost). */
typedef enum ap_width_rule {
    AP_WIDTH_NONE,    /* not used: must be 0 (a second operand, if any, has width_a) */
    AP_WIDTH_OPERAND, /* an operand width, 1..AP_WIDTH_MAX */
    AP_WIDTH_ACC,     /* an accumulator width, 1..AP_ACC_WIDTH_MAX */
    AP_WIDTH_SHIFT,   /* a shift, 1..width_a - 1 */
    AP_WIDTH_ACC_AB,  /* an accumulator of width_a + width_b .. AP_ACC_WIDTH_MAX */
    AP_WIDTH_ACC_A,   /* an accumulator of width_a .. AP_ACC_WIDTH_MAX */
    AP_WIDTH_FACTOR,  /* a second factor, 1..AP_WIDTH_MAX - width_a (the product fits) */
    AP_WIDTH_KEY      /* a table lookup's input, 1..AP_LOOKUP_WIDTH_MAX */
} ap_width_rule;

/* The op table, one row per op:
 *   X(NAME, "name", arity, width_a, width_b, width_acc, signed, program)
 * arity: operand fields read (a, or a and b; accumulators, destinations and work fields are
 * not counted); width_*: the ap_width_rule (without its AP_WIDTH_ prefix) of each cost
 * argument; signed: 1 for two's complement operands; program: the pass program in ap_cost.c
 * (cost_<program>) whose counts come from the LUTs the op runs (ap_ops.c). Ops that share a
 * program differ only in signedness. Recipe for a new op: docs/AP_MODEL.md section 6. */
#define AP_OP_LIST(X)                                                                              \
    X(ADD, "add", 2, OPERAND, NONE, NONE, 0, add)                                                  \
    X(SUB, "sub", 2, OPERAND, NONE, NONE, 0, sub)                                                  \
    X(NEG, "neg", 1, OPERAND, NONE, NONE, 0, neg)                                                  \
    X(ADD_OOP, "add_oop", 2, OPERAND, NONE, NONE, 0, add_oop)                                      \
    X(MUL_U, "mul_u", 2, OPERAND, FACTOR, NONE, 0, mul)                                            \
    X(MUL_S, "mul_s", 2, OPERAND, FACTOR, NONE, 1, mul)                                            \
    X(MAC_U, "mac_u", 2, OPERAND, OPERAND, ACC_AB, 0, mac)                                         \
    X(MAC_S, "mac_s", 2, OPERAND, OPERAND, ACC_AB, 1, mac)                                         \
    X(GT_U, "gt_u", 2, OPERAND, NONE, NONE, 0, gt)                                                 \
    X(GT_S, "gt_s", 2, OPERAND, NONE, NONE, 1, gt)                                                 \
    X(EQ, "eq", 2, OPERAND, NONE, NONE, 0, eq)                                                     \
    X(MAX_U, "max_u", 2, OPERAND, NONE, NONE, 0, max)                                              \
    X(MAX_S, "max_s", 2, OPERAND, NONE, NONE, 1, max)                                              \
    X(RELU, "relu", 1, OPERAND, NONE, NONE, 1, relu)                                               \
    X(ABS, "abs", 1, OPERAND, NONE, NONE, 1, abs)                                                  \
    X(SHR_ROUND_U, "shr_round_u", 1, ACC, SHIFT, ACC, 0, shr_round)                                \
    X(SHR_ROUND_S, "shr_round_s", 1, ACC, SHIFT, ACC, 1, shr_round)                                \
    X(COPY, "copy", 1, OPERAND, NONE, NONE, 0, copy)                                               \
    X(REDUCE_SUM_U, "reduce_sum_u", 1, ACC, NONE, ACC_A, 0, reduce_sum)                            \
    X(REDUCE_SUM_S, "reduce_sum_s", 1, ACC, NONE, ACC_A, 1, reduce_sum)                            \
    X(DIVMOD_U, "divmod_u", 2, OPERAND, OPERAND, NONE, 0, divmod)                                  \
    X(LOOKUP, "lookup", 1, KEY, NONE, ACC, 0, lookup)                                              \
    X(REDUCE_MAX_U, "reduce_max_u", 1, ACC, NONE, NONE, 0, reduce_max)                             \
    X(REDUCE_MAX_S, "reduce_max_s", 1, ACC, NONE, NONE, 1, reduce_max)                             \
    X(BROADCAST, "broadcast", 1, ACC, NONE, NONE, 0, broadcast)

typedef enum ap_op {
#define AP_OP_ENUM(name, ...) AP_OP_##name,
    AP_OP_LIST(AP_OP_ENUM)
#undef AP_OP_ENUM
        AP_OP_COUNT
} ap_op;

/* The op's name ("add", "mul_s", ...); "unknown" for a value outside the enum. */
const char *ap_op_name(ap_op op);
/* Looks an op up by name; BASE_ENOTFOUND if there is none. */
base_status ap_op_from_name(const char *name, ap_op *out);
/* The op's arity column: operand fields read (1 or 2); 0 for a value outside the enum. */
unsigned ap_op_arity(ap_op op);
/* Whether the op reads two's complement operands; false outside the enum. */
bool ap_op_is_signed(ap_op op);
/* Which cost arguments an op takes. */
typedef enum ap_width_arg { AP_ARG_WIDTH_A, AP_ARG_WIDTH_B, AP_ARG_WIDTH_ACC } ap_width_arg;
/* The op's rule for one cost argument; AP_WIDTH_NONE for an op or argument outside the enums. */
ap_width_rule ap_op_width_rule(ap_op op, ap_width_arg arg);

/* All ops below validate their fields: operand widths 1..64 (BASE_EINVAL), accumulators up
 * to 32, fields and single columns inside the array (BASE_ERANGE), all fields and columns of
 * one call pairwise disjoint (BASE_EOVERLAP). Work columns (carry/flag) are clobbered. The
 * tag register is left unspecified. Rows never interact except in ap_reduce_sum and
 * ap_reduce_sum_groups. */

/* b := b + a (mod 2^n), a.width == b.width == n; carry_col ends holding the carry out.
 * 4 passes per bit, keys over (a, b, carry) 110, 100, 001, 011. */
base_status ap_add(ap_array *arr, ap_field a, ap_field b, unsigned carry_col);
/* b := b - a (mod 2^n); borrow_col ends holding the borrow out. 4 passes per bit, keys
 * 100, 110, 011, 001. */
base_status ap_sub(ap_array *arr, ap_field a, ap_field b, unsigned borrow_col);
/* a := -a (two's complement, mod 2^n). 3 passes per bit. */
base_status ap_neg(ap_array *arr, ap_field a, unsigned flag_col);
/* s := a + b (mod 2^n), all three of width n; carry_col ends holding the carry out. */
base_status ap_add_oop(ap_array *arr, ap_field a, ap_field b, ap_field s, unsigned carry_col);
/* p := a * b, p.width == a.width + b.width <= AP_WIDTH_MAX, unsigned or two's complement. */
base_status ap_mul(ap_array *arr, ap_field a, ap_field b, ap_field p, unsigned carry_col,
                   bool is_signed);
/* acc := acc + a * b (mod 2^acc.width), a.width + b.width <= acc.width <= 32; tmp (width
 * a.width + b.width) receives the product. */
base_status ap_mac(ap_array *arr, ap_field a, ap_field b, ap_field acc, ap_field tmp,
                   unsigned carry_col, bool is_signed);
/* flag_col := (a > b), unsigned or signed. */
base_status ap_gt(ap_array *arr, ap_field a, ap_field b, unsigned flag_col, bool is_signed);
/* flag_col := (a == b). */
base_status ap_eq(ap_array *arr, ap_field a, ap_field b, unsigned flag_col);
/* b := max(a, b); flag_col ends holding (a > b). */
base_status ap_max(ap_array *arr, ap_field a, ap_field b, unsigned flag_col, bool is_signed);
/* a := max(a, 0), a signed. One pass. */
base_status ap_relu(ap_array *arr, ap_field a);
/* a := |a| for signed a, read back as an unsigned n-bit magnitude (|-2^(n-1)| = 2^(n-1)). */
base_status ap_abs(ap_array *arr, ap_field a, unsigned flag_col);
/* d := round(a / 2^shift) = (a >> shift) + bit (shift-1) of a, i.e. round half up, with
 * arithmetic (is_signed) or logical shift, 1 <= shift < a.width, result mod 2^d.width
 * (a.width and d.width 1..32: it reads accumulators; bits above a.width - shift are sign- or
 * zero-extension). carry_col ends
 * holding the carry out of d. */
base_status ap_shr_round(ap_array *arr, ap_field a, unsigned shift, ap_field d, unsigned carry_col,
                         bool is_signed);
/* d := a, d.width == a.width. */
base_status ap_copy(ap_array *arr, ap_field a, ap_field d);
/* Sum of field a over all rows into acc of row 0 (mod 2^acc.width), by a 2D-AP tree:
 * acc := a (extended); then ceil(log2 n_rows) steps k, each moving acc of row r + 2^k into
 * tmp of row r (acc.width plane reads + plane writes) and adding tmp into acc in all rows.
 * a.width <= acc.width == tmp.width <= 32 (a may be an accumulator). Other rows end with
 * partial sums. */
base_status ap_reduce_sum(ap_array *arr, ap_field a, ap_field acc, ap_field tmp, unsigned carry_col,
                          bool is_signed);

/* Unsigned division of every row at once: quot := num / den, rem := num % den, with
 * quot.width == num.width and rem.width == den.width (each 1..AP_WIDTH_MAX; the widths of num
 * and den may differ). Restoring division, bit-serial over num (most significant bit first):
 * per numerator bit a compare of the partial remainder with den (the gt table), the quotient
 * bit, and a subtraction of den guarded by it (docs/AP_MODEL.md). Division by zero (den = 0)
 * gives quot = all ones (2^num.width - 1) and rem = num mod 2^den.width (= num when den is at
 * least as wide), as the RISC-V M extension defines it. scratch_col is clobbered; num and den
 * are kept. Cost: ap_op_cost(AP_OP_DIVMOD_U, num.width, den.width, 0, n_rows), passes
 * n(6d + 2) for n = num.width, d = den.width. Fused arrays run it bit-identically. */
base_status ap_divmod_u(ap_array *arr, ap_field num, ap_field den, ap_field quot, ap_field rem,
                        unsigned scratch_col);

/* The same tree within aligned groups of group_rows rows (a power of two up to n_rows, or
 * n_rows itself, which is ap_reduce_sum): row g * group_rows receives the sum of its group after
 * ceil(log2 group_rows) steps, so the cost is ap_op_cost(AP_OP_REDUCE_SUM_*, ..., group_rows)
 * with compared and written cells over all rows. Other rows take partial sums that may cross
 * into the next group: only the group leaders' results are meaningful. BASE_EINVAL for a
 * group size that is neither, else the errors of ap_reduce_sum. */
base_status ap_reduce_sum_groups(ap_array *arr, ap_field a, ap_field acc, ap_field tmp,
                                 unsigned carry_col, bool is_signed, size_t group_rows);

/* d := table[a] in every row: any function of an a-bit field by table (Foster 1976; Yavits et
 * al., IEEE TC 2015). One pass per input value v = 0 .. 2^a.width - 1: compare the a.width
 * columns of a with v, write table[v] into the d.width columns of d in the matching rows.
 * Data-independent cost; every row is written once. table holds 2^a.width entries, each below
 * 2^d.width (BASE_EINVAL otherwise, or for no table). a.width 1..16, d.width 1..32. */
base_status ap_lookup(ap_array *arr, ap_field a, ap_field d, const uint32_t *table);

/* Maximum of a within aligned groups of group_rows rows (a power of two dividing n_rows):
 * acc := a, then ceil(log2 group_rows) tree steps, each moving acc of row r + 2^k into tmp of
 * row r (plane reads and writes) and acc := max(tmp, acc) (gt into flag_col, select). Row
 * g * group_rows ends with its group's maximum; other rows with partial maxima.
 * a.width == acc.width == tmp.width <= AP_ACC_WIDTH_MAX (a tree op, as reduce_sum). Cost:
 * ap_op_cost(AP_OP_REDUCE_MAX_*, n, 0, 0, group_rows), cells over all rows. BASE_EINVAL for another
 * group size. */
base_status ap_reduce_max_groups(ap_array *arr, ap_field a, ap_field acc, ap_field tmp,
                                 unsigned flag_col, bool is_signed, size_t group_rows);

/* Copies the value of f in each group's leader row (row g * group_rows, group_rows a power of
 * two dividing n_rows) into every row of its group: the leaders' pattern is written into
 * flag_col (one plane write), one pass clears f in the other rows, then ceil(log2 group_rows)
 * steps OR f of row r - 2^k into row r (tmp receives the moved planes). f.width 1..32, tmp
 * of the same width. Cost: ap_op_cost(AP_OP_BROADCAST, f.width, 0, 0, group_rows). */
base_status ap_broadcast_groups(ap_array *arr, ap_field f, ap_field tmp, unsigned flag_col,
                                size_t group_rows);

/* ---- Closed-form cost ----------------------------------------------------------------- */

/* What one op costs on an array; equals the array's counters after the op. compared_cols x
 * n_rows = compared cells. written_cells_per_row is the expectation over uniformly random
 * operands (every operand bit pattern equally likely, independent), with the destination
 * states documented in docs/AP_MODEL.md (mac: accumulator uniformly random). */
typedef struct ap_cost {
    uint64_t n_passes, n_compares, n_writes;
    uint64_t compared_cols; /* sum over compares of compared columns: x rows = compared cells */
    uint64_t written_cols;  /* sum over writes of written columns */
    double written_cells_per_row; /* expected, uniform random operands */
    uint64_t n_plane_writes, n_plane_reads, n_word_writes, n_word_reads;
} ap_cost;

/* Cost of one op, from its AP_OP_LIST row: the width columns say which arguments it takes
 * and their limits, the program counts the passes of the op's LUTs. Arguments per op (unused
 * ones must be 0):
 *   add, sub, neg, add_oop, copy, gt_*, eq, max_*, relu, abs: width_a = operand width;
 *   mul_*: width_a, width_b = operand widths (width_a + width_b <= 64);
 *   mac_*: width_a, width_b, width_acc = accumulator width;
 *   shr_round_*: width_a = source width (up to 32), width_b = shift, width_acc = destination;
 *   reduce_sum_*: width_a = source width (up to 32), width_acc = accumulator width; n_rows
 *   matters;
 *   divmod_u: width_a = numerator width, width_b = denominator width.
 *   lookup: width_a = input width, width_acc = output width;
 *   reduce_max_*: width_a = operand width; broadcast: width_a = field width (up to 32); for
 *   both n_rows is the group size.
 * n_rows >= 1. BASE_EINVAL for an unknown op or widths the op would reject.
 * written_cells_per_row is exact except: mul/mac with width_a + width_b > 16 (estimated from
 * 65,536 fixed pseudo-random pairs), divmod_u with width_a + width_b > 16 (2,048 pairs) and
 * reduce_sum (a model, see docs/AP_MODEL.md). The
 * mul/mac expectations are memoised in static storage: not thread-safe on first use. */
base_status ap_op_cost(ap_op op, unsigned width_a, unsigned width_b, unsigned width_acc,
                       size_t n_rows, ap_cost *out);

#endif /* AP_H */
