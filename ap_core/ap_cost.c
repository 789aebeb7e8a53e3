/* ap_cost.c - the AP op table (AP_OP_LIST as ap_op_rows) and the closed-form cost of every op:
 * passes, compares, writes, compared and written columns counted from the LUTs of ap_ops.c,
 * and the expected written cells per row for uniformly random operands.
 * Derivations: docs/AP_MODEL.md sections 4 and 6. */
#include <math.h>
#include <string.h>

#include "ap_core/ap_impl.h"

/* ---- Multiply: expected data-dependent written cells ------------------------------------
 * For an in-place add of Y into an n-bit window X (carry starting at 0), the add table writes
 * B exactly where the bit flips and C exactly where the carry changes, so its written cells
 * are popcount(X ^ X') + the number of i < n with c(i) != c(i+1), where the carry vector is
 * c = X ^ Y ^ (X + Y) (for subtraction X - Y: the borrow vector X ^ Y ^ (X - Y)). The
 * partial products are not uniform, so the expectation is an average over operand pairs:
 * all 2^(wa+wb) pairs when wa + wb <= 16, else a fixed pseudo-random sample. */

#define EXACT_PAIR_BITS 16u
#define SAMPLE_PAIRS    65536u
/* Fixed-point scale of the accumulator-add probabilities (see mac_add_cells). */
#define PROB_ONE ((uint64_t)1 << 34)

static uint64_t low_mask(unsigned n)
{
    return n >= 64u ? ~(uint64_t)0 : ((uint64_t)1 << n) - 1u;
}

/* Written cells of one window add/sub: bit flips plus carry changes over n bits. */
static unsigned window_cells(uint64_t x, uint64_t y, uint64_t r, unsigned n)
{
    uint64_t c = x ^ y ^ r, m = low_mask(n);
    return popcount64((x ^ r) & m) + popcount64((c ^ (c >> 1)) & m);
}

/* Data-dependent written cells of mul_core for one pair (the clears are counted apart);
 * *product receives the product's bit pattern. */
static unsigned mul_pair_cells(uint64_t a, uint64_t b, unsigned wa, unsigned wb, bool is_signed,
                               uint64_t *product)
{
    uint64_t p = 0;
    unsigned cells = 0;
    if (!is_signed) {
        for (unsigned j = 0; j < wb; j++) {
            if (!((b >> j) & 1u))
                continue;
            uint64_t x = (p >> j) & low_mask(wa), r = x + a;
            cells += window_cells(x, a, r, wa) + 2u * (unsigned)((r >> wa) & 1u);
            p += a << j;
        }
    } else {
        uint64_t y = a | (((a >> (wa - 1)) & 1u) << wa), m = low_mask(wa + 1);
        for (unsigned j = 0; j < wb; j++) {
            if ((p >> (j + wa - 1)) & 1u) {
                cells++;
                p |= (uint64_t)1 << (j + wa);
            }
            if (!((b >> j) & 1u))
                continue;
            uint64_t x = (p >> j) & m, r = j + 1 == wb ? x - y : x + y;
            cells += window_cells(x, y, r, wa + 1);
            p = (p & ~(m << j)) | ((r & m) << j);
        }
    }
    *product = p & low_mask(wa + wb);
    return cells;
}

/* Expected written cells (scaled by PROB_ONE) of adding product t (wp bits, extended) into a
 * uniformly random accumulator of width m. With the accumulator bit uniform and independent
 * of (t_i, carry), the add table writes 3/2 cells per row where t_i != carry, and the carry
 * is a Markov chain: t_i = carry keeps it, otherwise it becomes 1 with probability 1/2. */
static uint64_t mac_add_cells(uint64_t t, unsigned wp, unsigned m, bool is_signed)
{
    uint64_t p = 0, e = 0, sign = (t >> (wp - 1)) & 1u;
    for (unsigned i = 0; i < m; i++) {
        uint64_t ti = i < wp ? (t >> i) & 1u : (is_signed ? sign : 0);
        uint64_t q = ti ? PROB_ONE - p : p;
        e += 3u * q / 2u;
        p = ti ? (PROB_ONE + p) / 2u : p / 2u;
    }
    return e;
}

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* Average over pairs of the mul cells, and of the accumulator-add cells when m > 0. */
static void mul_expect(unsigned wa, unsigned wb, unsigned m, bool is_signed, double *mul_cells,
                       double *acc_cells)
{
    uint64_t n_pairs, sum = 0, acc_sum = 0, seed = 0x5eed0a9c0ffee123u, prod;
    bool exact = wa + wb <= EXACT_PAIR_BITS;
    n_pairs = exact ? (uint64_t)1 << (wa + wb) : SAMPLE_PAIRS;
    for (uint64_t k = 0; k < n_pairs; k++) {
        uint64_t a, b;
        if (exact) {
            a = k & low_mask(wa);
            b = k >> wa;
        } else if (wa <= 32u && wb <= 32u) {
            uint64_t r = splitmix64(&seed);
            a = r & low_mask(wa);
            b = (r >> 32) & low_mask(wb);
        } else { /* a draw per operand when one is wider than half a draw */
            a = splitmix64(&seed) & low_mask(wa);
            b = splitmix64(&seed) & low_mask(wb);
        }
        sum += mul_pair_cells(a, b, wa, wb, is_signed, &prod);
        if (m)
            acc_sum += mac_add_cells(prod, wa + wb, m, is_signed);
    }
    *mul_cells = (double)sum / (double)n_pairs;
    *acc_cells = (double)acc_sum / (double)n_pairs / (double)PROB_ONE;
}

/* Memoised: the enumeration of 8 x 8 takes a few milliseconds. */
static double mul_memo[2][AP_WIDTH_MAX + 1][AP_WIDTH_MAX + 1];
static unsigned char mul_have[2][AP_WIDTH_MAX + 1][AP_WIDTH_MAX + 1];
/* mac's factors fit its accumulator: each at most AP_ACC_WIDTH_MAX bits. */
static double mac_memo[2][AP_ACC_WIDTH_MAX + 1][AP_ACC_WIDTH_MAX + 1][AP_ACC_WIDTH_MAX + 1];
static unsigned char mac_have[2][AP_ACC_WIDTH_MAX + 1][AP_ACC_WIDTH_MAX + 1][AP_ACC_WIDTH_MAX + 1];

static void mul_cells(unsigned wa, unsigned wb, unsigned m, bool is_signed, double *mul_c,
                      double *acc_c)
{
    int s = is_signed ? 1 : 0;
    if (!mul_have[s][wa][wb] || (m && !mac_have[s][wa][wb][m])) {
        double mc, ac;
        mul_expect(wa, wb, m, is_signed, &mc, &ac);
        mul_memo[s][wa][wb] = mc;
        mul_have[s][wa][wb] = 1;
        if (m) {
            mac_memo[s][wa][wb][m] = ac;
            mac_have[s][wa][wb][m] = 1;
        }
    }
    *mul_c = mul_memo[s][wa][wb];
    *acc_c = m ? mac_memo[s][wa][wb][m] : 0.0;
}

/* ---- Counting from the LUTs ------------------------------------------------------------ */

/* Adds k passes, each comparing cc columns and writing wc columns. */
static void passes(ap_cost *c, uint64_t k, uint64_t cc, uint64_t wc)
{
    c->n_passes += k;
    c->n_compares += k;
    c->n_writes += k;
    c->compared_cols += k * cc;
    c->written_cols += k * wc;
}

/* Adds k applications of LUT t (one bit position each), every compare also keying `guard`
 * columns (the multiplier bit of a conditional add): per entry, its key width + guard
 * compared columns and its write width written columns, as lut_run in ap_ops.c runs it. */
static void lut_passes(ap_cost *c, const ap_lut *t, uint64_t k, unsigned guard)
{
    for (unsigned p = 0; p < t->n_passes; p++)
        passes(c, k, strlen(t->pass[p].key) + guard, strlen(t->pass[p].wr));
}

/* Adds k all-row writes (clears) of wc columns each. */
static void fills(ap_cost *c, uint64_t k, uint64_t wc)
{
    c->n_writes += k;
    c->written_cols += k * wc;
    c->written_cells_per_row += (double)(k * wc);
}

/* ---- Pass programs: one closed form per AP_OP_LIST program ---------------------------------
 * Each mirrors the loops of its op in ap_ops.c (which LUT runs how many times); the passes
 * and columns of each run come from the LUT. The written cells per row are the expectations
 * derived in docs/AP_MODEL.md section 4. */

/* Clear carry; one in-place LUT run per bit. Each of the 4 add/sub passes matches 1/4 of the
 * rows whose (a_i, b_i) fit times P(carry) or 1 - P(carry): 2/4 (1-p) + 1/4 (1-p) + 2/4 p +
 * 1/4 p = 3/4 cells per bit whatever p is. */
static void inplace(ap_cost *c, const ap_lut *t, unsigned n)
{
    fills(c, 1, 1);
    lut_passes(c, t, n, 0);
    c->written_cells_per_row += 0.75 * (double)n;
}

static void cost_add(ap_cost *c, const ap_op_args *x)
{
    inplace(c, &ap_lut_add, x->n);
}

static void cost_sub(ap_cost *c, const ap_op_args *x)
{
    inplace(c, &ap_lut_sub, x->n);
}

/* Clear flag; neg per bit. With q_i = P(flag) = 1 - 2^-i the passes write q/2 * 2 + q/2 + 1/2
 * cells per bit, summed: 2n - 3 + 3 * 2^-n. */
static void cost_neg(ap_cost *c, const ap_op_args *x)
{
    fills(c, 1, 1);
    lut_passes(c, &ap_lut_neg, x->n, 0);
    c->written_cells_per_row += 2.0 * (double)x->n - 3.0 + 3.0 * ldexp(1.0, -(int)x->n);
}

/* Clear s and carry; add_oop per bit: 3/4 cells per bit. */
static void cost_add_oop(ap_cost *c, const ap_op_args *x)
{
    fills(c, 1, x->n + 1u);
    lut_passes(c, &ap_lut_add_oop, x->n, 0);
    c->written_cells_per_row += 0.75 * (double)x->n;
}

/* Clear d; copy per bit writes the ones: n/2. */
static void cost_copy(ap_cost *c, const ap_op_args *x)
{
    fills(c, 1, x->n);
    lut_passes(c, &ap_lut_copy, x->n, 0);
    c->written_cells_per_row += 0.5 * (double)x->n;
}

/* mul_core: clear p and carry; per multiplier bit, unsigned: wa guarded adds and a carry
 * move; signed: an extension copy, wa + 1 guarded adds (subs at the multiplier's sign bit)
 * and a carry clear. Adds the data-dependent cells, *acc_cells receives the accumulator
 * add's (when x->m > 0). */
static void mul_passes(ap_cost *c, const ap_op_args *x, double *acc_cells)
{
    unsigned n = x->n, w = x->w;
    fills(c, 1, n + w + 1u);
    if (!x->is_signed) {
        lut_passes(c, &ap_lut_add, (uint64_t)n * w, 1);
        lut_passes(c, &ap_lut_move, w, 0);
    } else {
        lut_passes(c, &ap_lut_copy, w, 0);
        lut_passes(c, &ap_lut_add, (uint64_t)(n + 1u) * (w - 1u), 1);
        lut_passes(c, &ap_lut_sub, n + 1u, 1);
        fills(c, w, 1);
    }
    double mc;
    mul_cells(n, w, x->m, x->is_signed, &mc, acc_cells);
    c->written_cells_per_row += mc;
}

static void cost_mul(ap_cost *c, const ap_op_args *x)
{
    double unused;
    mul_passes(c, x, &unused);
}

/* mul, then the product added into the accumulator: full adds over the product bits (and the
 * extension when signed), half adds of the carry above it when unsigned. */
static void cost_mac(ap_cost *c, const ap_op_args *x)
{
    double ac;
    mul_passes(c, x, &ac);
    unsigned full = x->is_signed ? x->m : x->n + x->w;
    lut_passes(c, &ap_lut_add, full, 0);
    lut_passes(c, &ap_lut_half, x->m - full, 0);
    c->written_cells_per_row += ac;
}

/* gt_core: clear flag; gt per bit (the sign-bit table at the top of signed operands). Each
 * bit writes the rows with a_i > b_i and flag 0 or a_i < b_i and flag 1: 1/4. */
static void gt_passes(ap_cost *c, const ap_op_args *x)
{
    unsigned top = x->is_signed ? 1u : 0u;
    fills(c, 1, 1);
    lut_passes(c, &ap_lut_gt, x->n - top, 0);
    lut_passes(c, &ap_lut_gt_sign, top, 0);
}

static void cost_gt(ap_cost *c, const ap_op_args *x)
{
    gt_passes(c, x);
    c->written_cells_per_row += 0.25 * (double)x->n;
}

/* Set flag; eq per bit; each row is cleared once if a != b: 1 - 2^-n. */
static void cost_eq(ap_cost *c, const ap_op_args *x)
{
    fills(c, 1, 1);
    lut_passes(c, &ap_lut_eq, x->n, 0);
    c->written_cells_per_row += 1.0 - ldexp(1.0, -(int)x->n);
}

/* gt, then select per bit writing b_i where a > b and a_i != b_i:
 * E[(a > b) popcount(a ^ b)] = E[popcount(a ^ b)] / 2 = n/4 (swap symmetry). */
static void cost_max(ap_cost *c, const ap_op_args *x)
{
    gt_passes(c, x);
    lut_passes(c, &ap_lut_select, x->n, 0);
    c->written_cells_per_row += 0.5 * (double)x->n;
}

/* One direct pass (ap_relu): the sign column compared, negative rows (1/2) clear n columns. */
static void cost_relu(ap_cost *c, const ap_op_args *x)
{
    passes(c, 1, 1, x->n);
    c->written_cells_per_row += 0.5 * (double)x->n;
}

/* Clear flag; guarded neg for each bit below the sign (half the rows are negative:
 * (3/2 q_i + 1/2) / 2), the sign-bit table (q_{n-1} / 2). Total n - 1 + 2^(1-n) with the
 * clear. */
static void cost_abs(ap_cost *c, const ap_op_args *x)
{
    fills(c, 1, 1);
    lut_passes(c, &ap_lut_abs, x->n - 1u, 0);
    lut_passes(c, &ap_lut_abs_sign, 1, 0);
    c->written_cells_per_row += (double)x->n - 2.0 + ldexp(1.0, 1 - (int)x->n);
}

/* Clear d and carry; copy passes (ones: 1/2 each); carry := bit shift-1 (1/2); half adds per
 * bit of d. The carry reaches bit i with probability 2^-(i+1) below k (bit uniform: 3/2 of
 * that), then stops at the first zero extension bit (2 cells) or rides the sign extension
 * (1 cell per bit). */
static void cost_shr_round(ap_cost *c, const ap_op_args *x)
{
    unsigned m = x->m, k = x->n - x->w, copies = x->is_signed ? m : (m < k ? m : k);
    fills(c, 1, m + 1u);
    lut_passes(c, &ap_lut_copy, copies + 1u, 0);
    lut_passes(c, &ap_lut_half, m, 0);
    double e = 0.5 * (double)copies + 0.5;
    for (unsigned i = 0; i < m; i++) {
        double reach = ldexp(1.0, -(int)((i < k ? i : k) + 1u));
        if (i < k)
            e += 1.5 * reach;
        else if (x->is_signed)
            e += reach;
        else if (i == k)
            e += 2.0 * reach;
    }
    c->written_cells_per_row += e;
}

/* Clear acc, copy a in; per tree step: acc.width plane reads and writes, then an in-place add
 * (carry clear, add per acc bit). Written cells: a model (docs/AP_MODEL.md 4.7). */
static void cost_reduce_sum(ap_cost *c, const ap_op_args *x)
{
    unsigned n = x->n, m = x->m, copies = x->is_signed ? m : n;
    unsigned steps = reduce_steps(x->n_rows);
    fills(c, 1, m);
    lut_passes(c, &ap_lut_copy, copies, 0);
    c->written_cells_per_row += 0.5 * (double)copies;
    fills(c, steps, 1);
    lut_passes(c, &ap_lut_add, (uint64_t)m * steps, 0);
    c->n_plane_reads += (uint64_t)m * steps;
    c->n_plane_writes += (uint64_t)m * steps;
    for (unsigned k = 0; k < steps; k++) {
        unsigned live = n + k + 1u < m ? n + k + 1u : m;
        c->written_cells_per_row += 0.75 * (double)live;
    }
}

/* ap_divmod_program walked with counting steps: per LUT run its passes and columns, per clear
 * one write; the expected pass cells come from the same program run on single rows
 * (ap_divmod_written_cells). */
static void count_lut(void *ctx, const ap_lut *t, const unsigned *col, const unsigned *guard)
{
    (void)col;
    lut_passes(ctx, t, 1, guard ? 1u : 0u);
}

static void count_fill(void *ctx, unsigned n, const unsigned *cols, unsigned char value)
{
    (void)cols;
    (void)value;
    fills(ctx, 1, n);
}

static void cost_divmod(ap_cost *c, const ap_op_args *x)
{
    unsigned n = x->n, d = x->w;
    ap_field num = {0, n}, den = {n, d}, quot = {n + d, n}, rem = {2u * n + d, d};
    ap_prog p = {count_lut, count_fill, c};
    ap_divmod_program(&p, num, den, quot, rem, 2u * (n + d));
    c->written_cells_per_row += ap_divmod_written_cells(n, d);
}

/* ap_lookup: one pass per input value, comparing the n input columns and writing the m
 * output columns. Every row matches exactly one value and is written once: m cells, whatever
 * the data and the table. */
static void cost_lookup(ap_cost *c, const ap_op_args *x)
{
    passes(c, (uint64_t)1 << x->n, x->n, x->m);
    c->written_cells_per_row += (double)x->m;
}

/* ap_reduce_max_groups: clear acc, copy a in; per tree step (K = ceil(log2 rows)): n plane
 * reads and writes, then max (gt, select). Written cells: a model, as if the partial maxima
 * were uniform (max's 1 + n/2 per step; docs/AP_MODEL.md 4.8). */
static void cost_reduce_max(ap_cost *c, const ap_op_args *x)
{
    unsigned n = x->n, steps = reduce_steps(x->n_rows);
    fills(c, 1, n);
    lut_passes(c, &ap_lut_copy, n, 0);
    c->written_cells_per_row += 0.5 * (double)n;
    for (unsigned k = 0; k < steps; k++) {
        gt_passes(c, x);
        lut_passes(c, &ap_lut_select, n, 0);
        c->written_cells_per_row += 0.5 * (double)n;
    }
    c->n_plane_reads += (uint64_t)n * steps;
    c->n_plane_writes += (uint64_t)n * steps;
}

/* ap_broadcast_groups over groups of G = n_rows rows: one plane write of the leaders'
 * pattern, one pass clearing the n columns of the other rows, then per step n plane reads and
 * writes and n copy (OR) passes. With uniform leader values: the clear writes n cells in the
 * G - 1 other rows, and step k ORs 2^k rows per group whose bits are 1 half the time, so
 * (1 - 1/G) (n + n/2) cells per row. */
static void cost_broadcast(ap_cost *c, const ap_op_args *x)
{
    unsigned n = x->n, steps = reduce_steps(x->n_rows);
    double other = 1.0 - 1.0 / (double)x->n_rows;
    c->n_plane_writes += 1u + (uint64_t)n * steps;
    c->n_plane_reads += (uint64_t)n * steps;
    passes(c, 1, 1, n);
    lut_passes(c, &ap_lut_copy, (uint64_t)n * steps, 0);
    c->written_cells_per_row += other * 1.5 * (double)n;
}

/* ---- The op table ------------------------------------------------------------------------ */

/* AP_OP_LIST as data, indexed by ap_op: a row whose program has no cost_<program> above does
 * not compile. */
#define AP_OP_ROW(id, str, n_operands, wa, wb, wacc, sg, program)                                  \
    [AP_OP_##id] = {.name = str,                                                                   \
                    .arity = n_operands,                                                           \
                    .width = {AP_WIDTH_##wa, AP_WIDTH_##wb, AP_WIDTH_##wacc},                      \
                    .is_signed = sg,                                                               \
                    .cost = cost_##program},
const ap_op_row ap_op_rows[AP_OP_COUNT] = {AP_OP_LIST(AP_OP_ROW)};
#undef AP_OP_ROW

unsigned ap_op_arity(ap_op op)
{
    return (unsigned)op < AP_OP_COUNT ? ap_op_rows[op].arity : 0;
}

bool ap_op_is_signed(ap_op op)
{
    return (unsigned)op < AP_OP_COUNT && ap_op_rows[op].is_signed;
}

ap_width_rule ap_op_width_rule(ap_op op, ap_width_arg arg)
{
    if ((unsigned)op >= AP_OP_COUNT || (unsigned)arg > AP_ARG_WIDTH_ACC)
        return AP_WIDTH_NONE;
    return ap_op_rows[op].width[arg];
}

/* ---- Validation from the width columns --------------------------------------------------- */

static base_status bad(ap_op op, const char *why)
{
    return BASE_ERROR(BASE_EINVAL, "ap_op_cost(%s): %s", ap_op_name(op), why);
}

static bool in_operand(unsigned v, const ap_op_args *x)
{
    (void)x;
    return v >= 1 && v <= AP_WIDTH_MAX;
}

static bool in_key(unsigned v, const ap_op_args *x)
{
    (void)x;
    return v >= 1 && v <= AP_LOOKUP_WIDTH_MAX;
}

static bool in_acc(unsigned v, const ap_op_args *x)
{
    (void)x;
    return v >= 1 && v <= AP_ACC_WIDTH_MAX;
}

static bool is_zero(unsigned v, const ap_op_args *x)
{
    (void)x;
    return v == 0;
}

static bool below_a(unsigned v, const ap_op_args *x)
{
    return v >= 1 && v < x->n;
}

static bool holds_ab(unsigned v, const ap_op_args *x)
{
    return v >= x->n + x->w;
}

static bool holds_a(unsigned v, const ap_op_args *x)
{
    return v >= x->n;
}

static bool product_fits(unsigned v, const ap_op_args *x)
{
    return v >= 1 && v <= AP_WIDTH_MAX - x->n;
}

#define RULE(r) (1u << AP_WIDTH_##r)

/* The width rules as checks, applied in this order to the arguments whose rule is in `rules`:
 * first presence and range, then the rules that relate one argument to another. */
static const struct width_check {
    ap_width_arg arg;
    unsigned rules; /* bit set of ap_width_rule */
    bool (*ok)(unsigned v, const ap_op_args *x);
    const char *why;
} width_checks[] = {
    {AP_ARG_WIDTH_A, RULE(OPERAND), in_operand, "width_a must be in 1..64"},
    {AP_ARG_WIDTH_A, RULE(ACC), in_acc, "width_a must be in 1..32"},
    {AP_ARG_WIDTH_A, RULE(KEY), in_key, "width_a must be in 1..16"},
    {AP_ARG_WIDTH_B, RULE(NONE), is_zero, "width_b must be 0 for this op"},
    {AP_ARG_WIDTH_ACC, RULE(NONE), is_zero, "width_acc must be 0 for this op"},
    {AP_ARG_WIDTH_ACC, RULE(ACC) | RULE(ACC_AB) | RULE(ACC_A), in_acc,
     "width_acc must be in 1..32"},
    {AP_ARG_WIDTH_B, RULE(OPERAND), in_operand, "width_b must be in 1..64"},
    {AP_ARG_WIDTH_B, RULE(FACTOR), product_fits, "width_b must be in 1..64 - width_a"},
    {AP_ARG_WIDTH_B, RULE(SHIFT), below_a, "width_b (the shift) must be in 1..width_a-1"},
    {AP_ARG_WIDTH_ACC, RULE(ACC_AB), holds_ab, "width_acc must be at least width_a + width_b"},
    {AP_ARG_WIDTH_ACC, RULE(ACC_A), holds_a, "width_acc must be at least width_a"},
};

#undef RULE

static base_status check_args(ap_op op, const ap_width_rule *r, const ap_op_args *x)
{
    const unsigned v[3] = {x->n, x->w, x->m}; /* indexed by ap_width_arg */
    for (size_t i = 0; i < sizeof width_checks / sizeof width_checks[0]; i++) {
        const struct width_check *k = &width_checks[i];
        if ((k->rules >> r[k->arg]) & 1u && !k->ok(v[k->arg], x))
            return bad(op, k->why);
    }
    return BASE_OK;
}

base_status ap_op_cost(ap_op op, unsigned width_a, unsigned width_b, unsigned width_acc,
                       size_t n_rows, ap_cost *out)
{
    memset(out, 0, sizeof *out);
    if ((unsigned)op >= AP_OP_COUNT)
        return BASE_ERROR(BASE_EINVAL, "ap_op_cost: unknown op %d", (int)op);
    if (n_rows == 0)
        return bad(op, "n_rows must be at least 1");
    const ap_op_row *row = &ap_op_rows[op];
    ap_op_args x = {width_a, width_b, width_acc, n_rows, row->is_signed};
    base_status st = check_args(op, row->width, &x);
    if (st == BASE_OK)
        row->cost(out, &x);
    return st;
}
