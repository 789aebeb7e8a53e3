/* ap_div.c - unsigned division on the AP (ap_divmod_u): restoring long division, bit-serial
 * over the numerator's bits (most significant first) and word-parallel over the rows. The
 * algorithm is the textbook restoring division (Hamacher, Vranesic, Zaky, "Computer
 * Organization", section 6.9; Patterson and Hennessy, "Computer Organization and Design",
 * section 3.4) with the shift of the partial remainder done by moving a window over the
 * columns instead of moving data; the trial subtraction is a compare (the gt table) followed by
 * a subtraction guarded by its result, so nothing needs restoring. Division by zero follows the
 * RISC-V M extension (RISC-V unprivileged ISA manual, "Division Operations": quotient all ones,
 * remainder the dividend). Derivation and cost: docs/AP_MODEL.md sections 3, 4.8 and 6. The
 * program is written once (ap_divmod_program) and walked by the op, by its closed form
 * (ap_cost.c) and by the one-row count of its expected written cells below. */
#include <string.h>

#include "ap_core/ap_impl.h"

/* Column v of the working register Z = rem (bits 0 .. d-1) : quot (bits d .. d+n-1). */
static unsigned zcol(ap_field quot, ap_field rem, unsigned v)
{
    return v < rem.width ? rem.col + v : quot.col + (v - rem.width);
}

/* Z := num; then for i = n-1 .. 0 the window Z[i .. i+d] is the partial remainder 2R + num_i
 * (d+1 bits): S := (Z[i .. i+d-1] >= den) by the gt table from S = 1, LSB first;
 * Z[i+d] := Z[i+d] or S, which is q_i (Z[i+d] = 1 implies S = 1, and R < den after the step
 * clears it); then Z[i .. i+d-1] -= den where q_i, by the sub table guarded by Z[i+d] with
 * the borrow in S. At the end Z[0 .. d-1] is the remainder and Z[d + i] is q_i. */
void ap_divmod_program(const ap_prog *p, ap_field num, ap_field den, ap_field quot, ap_field rem,
                       unsigned s)
{
    unsigned n = num.width, d = den.width, z[2u * AP_WIDTH_MAX];
    for (unsigned v = 0; v < n + d; v++)
        z[v] = zcol(quot, rem, v);
    p->fill(p->ctx, n + d, z, 0);
    for (unsigned v = 0; v < n; v++) {
        unsigned col[26] = {0};
        col['A' - 'A'] = num.col + v;
        col['D' - 'A'] = z[v];
        p->lut(p->ctx, &ap_lut_copy, col, NULL);
    }
    for (unsigned i = n; i-- > 0;) {
        unsigned top = z[i + d];
        p->fill(p->ctx, 1, &s, 1);
        for (unsigned j = 0; j < d; j++) {
            unsigned col[26] = {0};
            col['A' - 'A'] = z[i + j];
            col['B' - 'A'] = den.col + j;
            col['F' - 'A'] = s;
            p->lut(p->ctx, &ap_lut_gt, col, NULL);
        }
        unsigned cq[26] = {0};
        cq['A' - 'A'] = s;
        cq['D' - 'A'] = top;
        p->lut(p->ctx, &ap_lut_copy, cq, NULL);
        p->fill(p->ctx, 1, &s, 0);
        for (unsigned j = 0; j < d; j++) {
            unsigned col[26] = {0};
            col['A' - 'A'] = den.col + j;
            col['B' - 'A'] = z[i + j];
            col['C' - 'A'] = s;
            p->lut(p->ctx, &ap_lut_sub, col, &top);
        }
    }
}

/* ---- On an array ------------------------------------------------------------------------- */

static void array_lut(void *ctx, const ap_lut *t, const unsigned *col, const unsigned *guard)
{
    ap_lut_run(ctx, t, col, guard);
}

static void array_fill(void *ctx, unsigned n, const unsigned *cols, unsigned char value)
{
    ap_fill(ctx, n, cols, value);
}

base_status ap_divmod_u(ap_array *arr, ap_field num, ap_field den, ap_field quot, ap_field rem,
                        unsigned scratch_col)
{
    BASE_TRY(ap_check_width("divmod_u", "num", num.width, AP_WIDTH_MAX));
    BASE_TRY(ap_check_width("divmod_u", "den", den.width, AP_WIDTH_MAX));
    if (quot.width != num.width)
        return BASE_ERROR(BASE_EINVAL, "ap divmod_u: width of quot (%u) differs from num (%u)",
                          quot.width, num.width);
    if (rem.width != den.width)
        return BASE_ERROR(BASE_EINVAL, "ap divmod_u: width of rem (%u) differs from den (%u)",
                          rem.width, den.width);
    ap_region r[] = {{"num", num},
                     {"den", den},
                     {"quot", quot},
                     {"rem", rem},
                     {"scratch column", {scratch_col, 1}}};
    BASE_TRY(ap_check_regions(arr, "divmod_u", r, 5));
    ap_prog p = {array_lut, array_fill, arr};
    ap_divmod_program(&p, num, den, quot, rem, scratch_col);
    ap_fuse_flush(arr);
    return BASE_OK;
}

/* ---- Single rows: the written cells of the passes ---------------------------------------
 * The same program run on the bits of up to 64 rows at once (bit k of each word: row k): a
 * pass writes its columns in the rows that match its key (and whose guard is 1), as ap_pass
 * counts them. Fills are counted by the closed form. */

typedef struct row_run {
    uint64_t bit[4u * AP_WIDTH_MAX + 1u];
    uint64_t valid; /* the rows in use */
    uint64_t cells;
} row_run;

static void row_lut(void *ctx, const ap_lut *t, const unsigned *col, const unsigned *guard)
{
    row_run *r = ctx;
    for (unsigned p = 0; p < t->n_passes; p++) {
        const ap_lut_pass *lp = &t->pass[p];
        uint64_t match = guard ? r->valid & r->bit[*guard] : r->valid;
        for (const char *c = lp->cmp, *k = lp->key; *c; c++, k++)
            match &= *k == '1' ? r->bit[col[*c - 'A']] : ~r->bit[col[*c - 'A']];
        for (const char *c = lp->wr, *v = lp->val; *c; c++, v++) {
            uint64_t *w = &r->bit[col[*c - 'A']];
            *w = *v == '1' ? *w | match : *w & ~match;
            r->cells += popcount64(match);
        }
    }
}

static void row_fill(void *ctx, unsigned n, const unsigned *cols, unsigned char value)
{
    row_run *r = ctx;
    for (unsigned k = 0; k < n; k++)
        r->bit[cols[k]] = value ? ~(uint64_t)0 : 0;
}

#define DIV_EXACT_PAIR_BITS 16u
#define DIV_SAMPLE_PAIRS    2048u

static double div_memo[AP_WIDTH_MAX + 1][AP_WIDTH_MAX + 1];
static unsigned char div_have[AP_WIDTH_MAX + 1][AP_WIDTH_MAX + 1];

/* SplitMix64 (Steele, Lea, Flood, OOPSLA 2014; constants of Vigna's reference code,
 * prng.di.unimi.it/splitmix64.c): every output bit usable, unlike an LCG's low bits. */
static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* Pass cells of m <= 64 (num, den) pairs, fields laid out num, den, quot, rem, scratch. */
static uint64_t pairs_cells(const uint64_t *a, const uint64_t *b, unsigned m, unsigned n,
                            unsigned d)
{
    ap_field num = {0, n}, den = {n, d}, quot = {n + d, n}, rem = {2u * n + d, d};
    row_run r;
    memset(&r, 0, sizeof r);
    r.valid = m >= 64u ? ~(uint64_t)0 : ((uint64_t)1 << m) - 1u;
    for (unsigned k = 0; k < m; k++) {
        for (unsigned i = 0; i < n; i++)
            r.bit[i] |= ((a[k] >> i) & 1u) << k;
        for (unsigned i = 0; i < d; i++)
            r.bit[n + i] |= ((b[k] >> i) & 1u) << k;
    }
    ap_prog p = {row_lut, row_fill, &r};
    ap_divmod_program(&p, num, den, quot, rem, 2u * (n + d));
    return r.cells;
}

double ap_divmod_written_cells(unsigned n, unsigned d)
{
    if (div_have[n][d])
        return div_memo[n][d];
    bool exact = n + d <= DIV_EXACT_PAIR_BITS;
    uint64_t n_pairs = exact ? (uint64_t)1 << (n + d) : DIV_SAMPLE_PAIRS, sum = 0;
    uint64_t seed = 0x5eed0d1f00d5eedu;
    uint64_t mn = n >= 64u ? ~(uint64_t)0 : ((uint64_t)1 << n) - 1u;
    uint64_t md = d >= 64u ? ~(uint64_t)0 : ((uint64_t)1 << d) - 1u;
    uint64_t a[64], b[64];
    for (uint64_t k0 = 0; k0 < n_pairs; k0 += 64u) {
        unsigned m = n_pairs - k0 < 64u ? (unsigned)(n_pairs - k0) : 64u;
        for (unsigned j = 0; j < m; j++) {
            uint64_t k = k0 + j;
            if (exact) {
                a[j] = k & mn;
                b[j] = k >> n;
            } else {
                a[j] = splitmix64(&seed) & mn;
                b[j] = splitmix64(&seed) & md;
            }
        }
        sum += pairs_cells(a, b, m, n, d);
    }
    div_memo[n][d] = (double)sum / (double)n_pairs;
    div_have[n][d] = 1;
    return div_memo[n][d];
}
