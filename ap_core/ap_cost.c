/* ap_cost.c - closed-form cost of every AP op: passes, compares, writes, compared and
 * written columns, and the expected written cells per row for uniformly random operands.
 * Derivations: docs/AP_MODEL.md section 4; the tables are those of ap_ops.c. */
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
        } else {
            uint64_t r = splitmix64(&seed);
            a = r & low_mask(wa);
            b = (r >> 32) & low_mask(wb);
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
static double mac_memo[2][AP_WIDTH_MAX + 1][AP_WIDTH_MAX + 1][AP_ACC_WIDTH_MAX + 1];
static unsigned char mac_have[2][AP_WIDTH_MAX + 1][AP_WIDTH_MAX + 1][AP_ACC_WIDTH_MAX + 1];

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

/* ---- Closed forms ----------------------------------------------------------------------- */

static base_status bad(ap_op op, const char *why)
{
    return BASE_ERROR(BASE_EINVAL, "ap_op_cost(%s): %s", ap_op_name(op), why);
}

/* Adds k passes, each comparing cc columns and writing wc columns. */
static void passes(ap_cost *c, uint64_t k, uint64_t cc, uint64_t wc)
{
    c->n_passes += k;
    c->n_compares += k;
    c->n_writes += k;
    c->compared_cols += k * cc;
    c->written_cols += k * wc;
}

/* Adds k all-row writes (clears) of wc columns each. */
static void fills(ap_cost *c, uint64_t k, uint64_t wc)
{
    c->n_writes += k;
    c->written_cols += k * wc;
    c->written_cells_per_row += (double)(k * wc);
}

base_status ap_op_cost(ap_op op, unsigned width_a, unsigned width_b, unsigned width_acc,
                       size_t n_rows, ap_cost *out)
{
    memset(out, 0, sizeof *out);
    if ((unsigned)op >= AP_OP_COUNT)
        return BASE_ERROR(BASE_EINVAL, "ap_op_cost: unknown op %d", (int)op);
    if (n_rows == 0)
        return bad(op, "n_rows must be at least 1");
    const unsigned n = width_a, w = width_b, m = width_acc;
    /* Shifts and reductions read accumulators; every other op reads operands. */
    bool reads_acc = op == AP_OP_SHR_ROUND_U || op == AP_OP_SHR_ROUND_S ||
                     op == AP_OP_REDUCE_SUM_U || op == AP_OP_REDUCE_SUM_S;
    if (n == 0 || n > (reads_acc ? AP_ACC_WIDTH_MAX : AP_WIDTH_MAX))
        return bad(op, reads_acc ? "width_a must be in 1..32" : "width_a must be in 1..16");
    bool two = op == AP_OP_MUL_U || op == AP_OP_MUL_S || op == AP_OP_MAC_U || op == AP_OP_MAC_S ||
               op == AP_OP_SHR_ROUND_U || op == AP_OP_SHR_ROUND_S;
    bool acc = op == AP_OP_MAC_U || op == AP_OP_MAC_S || op == AP_OP_SHR_ROUND_U ||
               op == AP_OP_SHR_ROUND_S || op == AP_OP_REDUCE_SUM_U || op == AP_OP_REDUCE_SUM_S;
    if (!two && w != 0)
        return bad(op, "width_b must be 0 for this op");
    if (!acc && m != 0)
        return bad(op, "width_acc must be 0 for this op");
    if (acc && (m == 0 || m > AP_ACC_WIDTH_MAX))
        return bad(op, "width_acc must be in 1..32");
    const double dn = (double)n;
    ap_cost *c = out;
    switch (op) {
    case AP_OP_ADD:
    case AP_OP_SUB:
        /* Clear carry; 4 passes per bit over (a, b, carry) writing 2, 1, 2, 1 columns. Each
         * matches 1/4 of the rows whose (a_i, b_i) fit times P(carry) or 1 - P(carry):
         * 2/4 (1-p) + 1/4 (1-p) + 2/4 p + 1/4 p = 3/4 per bit whatever p is. */
        fills(c, 1, 1);
        passes(c, 4u * n, 3, 0);
        c->written_cols += 6u * n;
        c->written_cells_per_row += 0.75 * dn;
        break;
    case AP_OP_NEG:
        /* Clear flag; 3 passes per bit writing 2, 1, 1 columns. With q_i = P(flag) =
         * 1 - 2^-i: q/2 * 2 + q/2 + 1/2 per bit, summed: 2n - 3 + 3 * 2^-n. */
        fills(c, 1, 1);
        passes(c, 3u * n, 2, 0);
        c->written_cols += 4u * n;
        c->written_cells_per_row += 2.0 * dn - 3.0 + 3.0 * ldexp(1.0, -(int)n);
        break;
    case AP_OP_ADD_OOP:
        /* Clear s and carry; 5 passes per bit writing 1, 1, 1, 1, 2 columns: 3/4 per bit. */
        fills(c, 1, n + 1u);
        passes(c, 5u * n, 3, 0);
        c->written_cols += 6u * n;
        c->written_cells_per_row += 0.75 * dn;
        break;
    case AP_OP_COPY:
        /* Clear d; one pass per bit writing the ones: n/2. */
        fills(c, 1, n);
        passes(c, n, 1, 1);
        c->written_cells_per_row += 0.5 * dn;
        break;
    case AP_OP_MUL_U:
    case AP_OP_MUL_S:
    case AP_OP_MAC_U:
    case AP_OP_MAC_S: {
        if (w == 0 || w > AP_WIDTH_MAX)
            return bad(op, "width_b must be in 1..16");
        bool is_signed = op == AP_OP_MUL_S || op == AP_OP_MAC_S;
        bool mac = op == AP_OP_MAC_U || op == AP_OP_MAC_S;
        if (mac && m < n + w)
            return bad(op, "width_acc must be at least width_a + width_b");
        fills(c, 1, n + w + 1u);
        if (!is_signed) {
            /* Per multiplier bit: 4 wa guarded add passes (4 columns compared, 6 written per
             * bit), one carry move (1 compared, 2 written). */
            passes(c, 4u * n * w, 4, 0);
            c->written_cols += 6u * n * w;
            passes(c, w, 1, 2);
        } else {
            /* Per multiplier bit: one extension copy, 4 (wa + 1) guarded add/sub passes, one
             * carry clear. */
            passes(c, w, 1, 1);
            passes(c, 4u * (n + 1u) * w, 4, 0);
            c->written_cols += 6u * (n + 1u) * w;
            fills(c, w, 1);
        }
        double mc, ac;
        mul_cells(n, w, mac ? m : 0, is_signed, &mc, &ac);
        c->written_cells_per_row += mc;
        if (mac) {
            /* Add of the product into the accumulator: full adds over the product bits (and
             * the extension when signed), half adds of the carry above it when unsigned. */
            unsigned full = is_signed ? m : n + w, half = m - full;
            passes(c, 4u * full, 3, 0);
            c->written_cols += 6u * full;
            passes(c, 2u * half, 2, 0);
            c->written_cols += 3u * half;
            c->written_cells_per_row += ac;
        }
        break;
    }
    case AP_OP_GT_U:
    case AP_OP_GT_S:
        /* Clear flag; 2 passes per bit; each bit writes the rows with a_i > b_i and flag 0
         * or a_i < b_i and flag 1: 1/4 (1 - f) + 1/4 f = 1/4. */
        fills(c, 1, 1);
        passes(c, 2u * n, 3, 1);
        c->written_cells_per_row += 0.25 * dn;
        break;
    case AP_OP_EQ:
        /* Set flag; 2 passes per bit; each row is cleared once if a != b: 1 - 2^-n. */
        fills(c, 1, 1);
        passes(c, 2u * n, 3, 1);
        c->written_cells_per_row += 1.0 - ldexp(1.0, -(int)n);
        break;
    case AP_OP_MAX_U:
    case AP_OP_MAX_S:
        /* gt, then 2 select passes per bit writing b_i where a > b and a_i != b_i:
         * E[(a > b) popcount(a ^ b)] = E[popcount(a ^ b)] / 2 = n/4 (swap symmetry). */
        fills(c, 1, 1);
        passes(c, 4u * n, 3, 1);
        c->written_cells_per_row += 0.5 * dn;
        break;
    case AP_OP_RELU:
        /* One pass: negative rows (1/2) clear n columns. */
        passes(c, 1, 1, n);
        c->written_cells_per_row += 0.5 * dn;
        break;
    case AP_OP_ABS:
        /* Clear flag; 3 guarded neg passes for each bit below the sign (half the rows are
         * negative: (3/2 q_i + 1/2) / 2), one pass at the sign bit (q_{n-1} / 2).
         * Total n - 1 + 2^(1-n) with the clear. */
        fills(c, 1, 1);
        passes(c, 3u * (n - 1u), 3, 0);
        c->written_cols += 4u * (n - 1u);
        passes(c, 1, 2, 1);
        c->written_cells_per_row += dn - 2.0 + ldexp(1.0, 1 - (int)n);
        break;
    case AP_OP_SHR_ROUND_U:
    case AP_OP_SHR_ROUND_S: {
        if (w == 0 || w >= n)
            return bad(op, "width_b (the shift) must be in 1..width_a-1");
        bool is_signed = op == AP_OP_SHR_ROUND_S;
        unsigned k = n - w, copies = is_signed ? m : (m < k ? m : k);
        /* Clear d and carry; copy passes (ones: 1/2 each); carry := bit shift-1 (1/2);
         * 2 half-add passes per bit of d. The carry reaches bit i with probability
         * 2^-(i+1) below k (bit uniform: 3/2 of that), then stops at the first zero
         * extension bit (2 cells) or rides the sign extension (1 cell per bit). */
        fills(c, 1, m + 1u);
        passes(c, copies, 1, 1);
        passes(c, 1, 1, 1);
        passes(c, 2u * m, 2, 0);
        c->written_cols += 3u * m;
        double e = 0.5 * (double)copies + 0.5;
        for (unsigned i = 0; i < m; i++) {
            double reach = ldexp(1.0, -(int)((i < k ? i : k) + 1u));
            if (i < k)
                e += 1.5 * reach;
            else if (is_signed)
                e += reach;
            else if (i == k)
                e += 2.0 * reach;
        }
        c->written_cells_per_row += e;
        break;
    }
    case AP_OP_REDUCE_SUM_U:
    case AP_OP_REDUCE_SUM_S: {
        if (m < n)
            return bad(op, "width_acc must be at least width_a");
        bool is_signed = op == AP_OP_REDUCE_SUM_S;
        unsigned copies = is_signed ? m : n, steps = reduce_steps(n_rows);
        /* Clear acc, copy a in; per step: acc.width plane reads and writes, carry clear,
         * 4 acc.width add passes. Written cells: a model (docs/AP_MODEL.md 4.7). */
        fills(c, 1, m);
        passes(c, copies, 1, 1);
        c->written_cells_per_row += 0.5 * (double)copies;
        fills(c, steps, 1);
        passes(c, 4u * (uint64_t)m * steps, 3, 0);
        c->written_cols += 6u * (uint64_t)m * steps;
        c->n_plane_reads += (uint64_t)m * steps;
        c->n_plane_writes += (uint64_t)m * steps;
        for (unsigned k = 0; k < steps; k++) {
            unsigned live = n + k + 1u < m ? n + k + 1u : m;
            c->written_cells_per_row += 0.75 * (double)live;
        }
        break;
    }
    case AP_OP_COUNT:
    default:
        return BASE_ERROR(BASE_EINVAL, "ap_op_cost: unknown op %d", (int)op);
    }
    return BASE_OK;
}
