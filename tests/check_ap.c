/* check_ap.c - the AP model: primitives, every arithmetic op against C integer arithmetic
 * (exhaustive for widths 1..8, all operand pairs packed into the rows of one array; seeded
 * random for 9..16), closed-form costs against the array's counters, and error paths. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ap_core/ap.h"
#include "ap_core/ap_impl.h" /* ap_array_use_simd: the 64-bit kernel */

Suite *ap_suite(void);

/* ---- Helpers --------------------------------------------------------------------------- */

static int64_t sx(uint32_t v, unsigned n)
{
    v &= (uint32_t)((1ull << n) - 1u);
    return (v >> (n - 1)) & 1u ? (int64_t)v - (int64_t)(1ull << n) : (int64_t)v;
}

static uint32_t mask(unsigned n)
{
    return (uint32_t)((1ull << n) - 1u);
}

static uint64_t rng_state;
static uint32_t rnd(void)
{
    rng_state = rng_state * 6364136223846793005u + 1442695040888963407u;
    return (uint32_t)(rng_state >> 32);
}

static ap_field fld(unsigned col, unsigned width)
{
    ap_field f = {col, width};
    return f;
}

/* An array whose rows hold operand a (width wa at column 0) and b (width wb at column wa):
 * every pair once when n_rows == 0 (row r: a = r mod 2^wa, b = r / 2^wa), else n_rows seeded
 * random pairs. Counters are reset after loading. */
typedef struct bench_rows {
    ap_array *arr;
    size_t n;
    uint32_t *a, *b, *out, *out2;
} bench_rows;

static bench_rows rows_new(unsigned wa, unsigned wb, size_t n_rows, unsigned n_cols)
{
    bench_rows r;
    bool exhaustive = n_rows == 0;
    r.n = exhaustive ? (size_t)1 << (wa + wb) : n_rows;
    ck_assert_int_eq(ap_array_new(r.n, n_cols, &r.arr), BASE_OK);
    r.a = malloc(r.n * sizeof *r.a);
    r.b = malloc(r.n * sizeof *r.b);
    r.out = malloc(r.n * sizeof *r.out);
    r.out2 = malloc(r.n * sizeof *r.out2);
    ck_assert(r.a && r.b && r.out && r.out2);
    for (size_t i = 0; i < r.n; i++) {
        r.a[i] = exhaustive ? (uint32_t)i & mask(wa) : rnd() & mask(wa);
        r.b[i] = exhaustive ? (uint32_t)(i >> wa) & mask(wb) : rnd() & mask(wb);
    }
    ck_assert_int_eq(ap_array_field_load(r.arr, fld(0, wa), r.a, r.n), BASE_OK);
    if (wb)
        ck_assert_int_eq(ap_array_field_load(r.arr, fld(wa, wb), r.b, r.n), BASE_OK);
    ap_array_counters_reset(r.arr);
    return r;
}

static void rows_free(bench_rows *r)
{
    ap_array_free(r->arr);
    free(r->a);
    free(r->b);
    free(r->out);
    free(r->out2);
}

/* The counters since the last reset equal the closed form; written cells exactly when
 * rel_tol is 0, within rel_tol of n_rows x the expectation when positive, not at all when
 * negative. */
static void check_cost(ap_array *arr, ap_op op, unsigned wa, unsigned wb, unsigned wacc,
                       double rel_tol)
{
    ap_cost c;
    ap_counters k;
    size_t n = ap_array_rows(arr);
    ck_assert_int_eq(ap_op_cost(op, wa, wb, wacc, n, &c), BASE_OK);
    ap_array_counters(arr, &k);
    ck_assert_uint_eq(k.n_compares, c.n_compares);
    ck_assert_uint_eq(c.n_passes, c.n_compares);
    ck_assert_uint_eq(k.n_writes, c.n_writes);
    ck_assert_uint_eq(k.n_compared_cells, c.compared_cols * n);
    ck_assert_uint_eq(k.n_plane_reads, c.n_plane_reads);
    ck_assert_uint_eq(k.n_plane_writes, c.n_plane_writes);
    ck_assert_uint_eq(k.n_word_reads, c.n_word_reads);
    ck_assert_uint_eq(k.n_word_writes, c.n_word_writes);
    double want = c.written_cells_per_row * (double)n;
    if (rel_tol < 0)
        return; /* checked by the caller */
    if (rel_tol == 0)
        ck_assert_msg((double)k.n_written_cells == want,
                      "%s %u/%u/%u: written cells %llu, closed form %.6f", ap_op_name(op), wa, wb,
                      wacc, (unsigned long long)k.n_written_cells, want);
    else
        ck_assert_msg((double)k.n_written_cells <= want * (1 + rel_tol) &&
                          (double)k.n_written_cells >= want * (1 - rel_tol),
                      "%s %u/%u/%u: written cells %llu, expected about %.1f", ap_op_name(op), wa,
                      wb, wacc, (unsigned long long)k.n_written_cells, want);
}

static void store(bench_rows *r, ap_field f, uint32_t *dst)
{
    ck_assert_int_eq(ap_array_field_store(r->arr, f, dst, r->n), BASE_OK);
}

/* Per-row check inside a loop over i: Check's own assertions report to the parent process
 * on every call, far too slow for 65,536 rows, so they run only on a mismatch. */
#define ROW_EQ(got, want)                                                                          \
    do {                                                                                           \
        long long g_ = (long long)(got), w_ = (long long)(want);                                   \
        if (g_ != w_)                                                                              \
            ck_assert_msg(0, "row %zu: got %lld, want %lld", (size_t)i, g_, w_);                   \
    } while (0)

/* Randomized tests use 4000 rows: not a multiple of 64. */
#define RANDOM_ROWS 4000u
#define RANDOM_TOL  0.05

/* Loop tests run widths _i = 1..8 exhaustively, 9..16 on random rows. */
static size_t rows_for(unsigned width)
{
    return width <= 8 ? 0 : RANDOM_ROWS;
}
static double tol_for(unsigned width)
{
    return width <= 8 ? 0 : RANDOM_TOL;
}

/* ---- Add, sub, neg, add_oop, copy -------------------------------------------------------- */

START_TEST(test_add_all_pairs)
{
    unsigned n = (unsigned)_i;
    rng_state = 11u + n;
    bench_rows r = rows_new(n, n, rows_for(n), 2 * n + 1);
    ck_assert_int_eq(ap_add(r.arr, fld(0, n), fld(n, n), 2 * n), BASE_OK);
    check_cost(r.arr, AP_OP_ADD, n, 0, 0, tol_for(n));
    ap_counters k;
    ap_array_counters(r.arr, &k);
    ck_assert_uint_eq(k.n_compares, 4u * n);
    store(&r, fld(n, n), r.out);
    store(&r, fld(2 * n, 1), r.out2);
    for (size_t i = 0; i < r.n; i++) {
        uint32_t s = r.a[i] + r.b[i];
        ROW_EQ(r.out[i], s & mask(n));
        ROW_EQ(r.out2[i], s >> n);
        ROW_EQ(sx(r.out[i], n), sx((uint32_t)(sx(r.a[i], n) + sx(r.b[i], n)), n));
    }
    rows_free(&r);
}
END_TEST

START_TEST(test_sub_all_pairs)
{
    unsigned n = (unsigned)_i;
    rng_state = 12u + n;
    bench_rows r = rows_new(n, n, rows_for(n), 2 * n + 1);
    ck_assert_int_eq(ap_sub(r.arr, fld(0, n), fld(n, n), 2 * n), BASE_OK);
    check_cost(r.arr, AP_OP_SUB, n, 0, 0, tol_for(n));
    ap_counters k;
    ap_array_counters(r.arr, &k);
    ck_assert_uint_eq(k.n_compares, 4u * n);
    store(&r, fld(n, n), r.out);
    store(&r, fld(2 * n, 1), r.out2);
    for (size_t i = 0; i < r.n; i++) {
        ROW_EQ(r.out[i], (r.b[i] - r.a[i]) & mask(n));
        ROW_EQ(r.out2[i], r.b[i] < r.a[i]);
        ROW_EQ(sx(r.out[i], n), sx((uint32_t)(sx(r.b[i], n) - sx(r.a[i], n)), n));
    }
    rows_free(&r);
}
END_TEST

START_TEST(test_neg_all_values)
{
    unsigned n = (unsigned)_i;
    rng_state = 13u + n;
    bench_rows r = rows_new(n, n, rows_for(n), 2 * n + 1);
    ck_assert_int_eq(ap_neg(r.arr, fld(0, n), 2 * n), BASE_OK);
    check_cost(r.arr, AP_OP_NEG, n, 0, 0, tol_for(n));
    ap_counters k;
    ap_array_counters(r.arr, &k);
    ck_assert_uint_eq(k.n_compares, 3u * n);
    store(&r, fld(0, n), r.out);
    for (size_t i = 0; i < r.n; i++)
        ROW_EQ(r.out[i], (0u - r.a[i]) & mask(n));
    rows_free(&r);
}
END_TEST

START_TEST(test_add_oop_all_pairs)
{
    unsigned n = (unsigned)_i;
    rng_state = 14u + n;
    bench_rows r = rows_new(n, n, rows_for(n), 3 * n + 1);
    ck_assert_int_eq(ap_add_oop(r.arr, fld(0, n), fld(n, n), fld(2 * n + 1, n), 2 * n), BASE_OK);
    check_cost(r.arr, AP_OP_ADD_OOP, n, 0, 0, tol_for(n));
    store(&r, fld(2 * n + 1, n), r.out);
    store(&r, fld(2 * n, 1), r.out2);
    for (size_t i = 0; i < r.n; i++) {
        ROW_EQ(r.out[i], (r.a[i] + r.b[i]) & mask(n));
        ROW_EQ(r.out2[i], (r.a[i] + r.b[i]) >> n);
    }
    store(&r, fld(0, n), r.out);
    for (size_t i = 0; i < r.n; i++)
        ROW_EQ(r.out[i], r.a[i]);
    rows_free(&r);
}
END_TEST

START_TEST(test_copy_all_values)
{
    unsigned n = (unsigned)_i;
    rng_state = 15u + n;
    bench_rows r = rows_new(n, n, rows_for(n), 2 * n);
    /* Copy a over b: the destination starts with arbitrary data. */
    ck_assert_int_eq(ap_copy(r.arr, fld(0, n), fld(n, n)), BASE_OK);
    check_cost(r.arr, AP_OP_COPY, n, 0, 0, tol_for(n));
    store(&r, fld(n, n), r.out);
    for (size_t i = 0; i < r.n; i++)
        ROW_EQ(r.out[i], r.a[i]);
    rows_free(&r);
}
END_TEST

/* ---- Multiply and multiply-accumulate ----------------------------------------------------- */

static void check_mul(unsigned wa, unsigned wb, size_t n_rows, double tol)
{
    for (int sg = 0; sg < 2; sg++) {
        bench_rows r = rows_new(wa, wb, n_rows, 2 * (wa + wb) + 1);
        ap_field p = fld(wa + wb + 1, wa + wb);
        ck_assert_int_eq(ap_mul(r.arr, fld(0, wa), fld(wa, wb), p, wa + wb, sg), BASE_OK);
        check_cost(r.arr, sg ? AP_OP_MUL_S : AP_OP_MUL_U, wa, wb, 0, tol);
        store(&r, p, r.out);
        store(&r, fld(wa + wb, 1), r.out2);
        for (size_t i = 0; i < r.n; i++) {
            uint64_t want =
                sg ? (uint64_t)(sx(r.a[i], wa) * sx(r.b[i], wb)) : (uint64_t)r.a[i] * r.b[i];
            ROW_EQ(r.out[i], want & mask(wa + wb));
            ROW_EQ(r.out2[i], 0);
        }
        rows_free(&r);
    }
}

START_TEST(test_mul_all_pairs)
{
    unsigned wa = 1u + (unsigned)_i % 8u, wb = 1u + (unsigned)_i / 8u;
    check_mul(wa, wb, 0, 0);
}
END_TEST

START_TEST(test_mul_random_wide)
{
    unsigned wa = (unsigned)_i, wb = 25u - wa;
    rng_state = 16u + wa;
    check_mul(wa, wb, RANDOM_ROWS, RANDOM_TOL); /* wa >= 9: wb <= 16 */
    check_mul(wa, wa, RANDOM_ROWS, RANDOM_TOL);
}
END_TEST

/* acc (width m) starts with values; rows hold every (a, b) pair. */
static void check_mac(unsigned wa, unsigned wb, unsigned m, size_t n_rows, bool all_acc, double tol)
{
    for (int sg = 0; sg < 2; sg++) {
        unsigned wp = wa + wb;
        size_t n_pairs = n_rows ? n_rows : (size_t)1 << wp;
        size_t total = all_acc ? n_pairs << m : n_pairs;
        ap_array *arr;
        ck_assert_int_eq(ap_array_new(total, wp + 1 + m + wp, &arr), BASE_OK);
        uint32_t *a = malloc(total * 4), *b = malloc(total * 4), *acc = malloc(total * 4),
                 *out = malloc(total * 4);
        ck_assert(a && b && acc && out);
        for (size_t i = 0; i < total; i++) {
            size_t pair = i % n_pairs;
            a[i] = n_rows ? rnd() & mask(wa) : (uint32_t)pair & mask(wa);
            b[i] = n_rows ? rnd() & mask(wb) : (uint32_t)(pair >> wa) & mask(wb);
            acc[i] = all_acc ? (uint32_t)(i / n_pairs) : rnd() & mask(m);
        }
        ap_field fa = fld(0, wa), fb = fld(wa, wb), facc = fld(wp + 1, m), ft = fld(wp + 1 + m, wp);
        ck_assert_int_eq(ap_array_field_load(arr, fa, a, total), BASE_OK);
        ck_assert_int_eq(ap_array_field_load(arr, fb, b, total), BASE_OK);
        ck_assert_int_eq(ap_array_field_load(arr, facc, acc, total), BASE_OK);
        ap_array_counters_reset(arr);
        ck_assert_int_eq(ap_mac(arr, fa, fb, facc, ft, wp, sg), BASE_OK);
        check_cost(arr, sg ? AP_OP_MAC_S : AP_OP_MAC_U, wa, wb, m, tol);
        ck_assert_int_eq(ap_array_field_store(arr, facc, out, total), BASE_OK);
        for (size_t i = 0; i < total; i++) {
            uint64_t prod = sg ? (uint64_t)(sx(a[i], wa) * sx(b[i], wb)) : (uint64_t)a[i] * b[i];
            ROW_EQ(out[i], (acc[i] + prod) & mask(m));
        }
        free(a);
        free(b);
        free(acc);
        free(out);
        ap_array_free(arr);
    }
}

START_TEST(test_mac_all_pairs)
{
    unsigned wa = 1u + (unsigned)_i % 8u, wb = 1u + (unsigned)_i / 8u;
    rng_state = 17u + (unsigned)_i;
    /* Random accumulators: counts exact, written cells within 3% once there are enough rows
     * for the average to settle (exactness: test_mac_all_pairs_all_acc). */
    check_mac(wa, wb, wa + wb + 3u, 0, false, wa + wb >= 12 ? 0.03 : -1.0);
}
END_TEST

START_TEST(test_mac_all_pairs_all_acc)
{
    /* Every (a, b, acc) triple once: the uniform-accumulator expectation is exact. */
    unsigned wa = 1u + (unsigned)_i % 3u, wb = 1u + (unsigned)_i / 3u;
    check_mac(wa, wb, wa + wb, 0, true, 0);
    check_mac(wa, wb, wa + wb + 2u, 0, true, 0);
}
END_TEST

START_TEST(test_mac_random_wide)
{
    unsigned wa = (unsigned)_i;
    rng_state = 18u + wa;
    check_mac(wa, wa, 32, RANDOM_ROWS, false, RANDOM_TOL);
    check_mac(wa, 4, wa + 4, RANDOM_ROWS, false, RANDOM_TOL);
}
END_TEST

/* ---- Compare, max, relu, abs ------------------------------------------------------------ */

START_TEST(test_gt_eq_max_all_pairs)
{
    unsigned n = (unsigned)_i;
    rng_state = 19u + n;
    for (int sg = 0; sg < 2; sg++) {
        bench_rows r = rows_new(n, n, rows_for(n), 2 * n + 1);
        ck_assert_int_eq(ap_gt(r.arr, fld(0, n), fld(n, n), 2 * n, sg), BASE_OK);
        check_cost(r.arr, sg ? AP_OP_GT_S : AP_OP_GT_U, n, 0, 0, tol_for(n));
        store(&r, fld(2 * n, 1), r.out);
        for (size_t i = 0; i < r.n; i++) {
            bool gt = sg ? sx(r.a[i], n) > sx(r.b[i], n) : r.a[i] > r.b[i];
            ROW_EQ(r.out[i], gt);
        }
        ap_array_counters_reset(r.arr);
        ck_assert_int_eq(ap_max(r.arr, fld(0, n), fld(n, n), 2 * n, sg), BASE_OK);
        check_cost(r.arr, sg ? AP_OP_MAX_S : AP_OP_MAX_U, n, 0, 0, tol_for(n));
        store(&r, fld(n, n), r.out);
        for (size_t i = 0; i < r.n; i++) {
            uint32_t want = sg ? (sx(r.a[i], n) > sx(r.b[i], n) ? r.a[i] : r.b[i])
                               : (r.a[i] > r.b[i] ? r.a[i] : r.b[i]);
            ROW_EQ(r.out[i], want);
        }
        rows_free(&r);
    }
    bench_rows r = rows_new(n, n, rows_for(n), 2 * n + 1);
    ck_assert_int_eq(ap_eq(r.arr, fld(0, n), fld(n, n), 2 * n), BASE_OK);
    check_cost(r.arr, AP_OP_EQ, n, 0, 0, tol_for(n));
    store(&r, fld(2 * n, 1), r.out);
    for (size_t i = 0; i < r.n; i++)
        ROW_EQ(r.out[i], r.a[i] == r.b[i]);
    rows_free(&r);
}
END_TEST

START_TEST(test_relu_abs_all_values)
{
    unsigned n = (unsigned)_i;
    rng_state = 20u + n;
    bench_rows r = rows_new(n, n, rows_for(n), 2 * n + 1);
    ck_assert_int_eq(ap_relu(r.arr, fld(0, n)), BASE_OK);
    check_cost(r.arr, AP_OP_RELU, n, 0, 0, tol_for(n));
    store(&r, fld(0, n), r.out);
    for (size_t i = 0; i < r.n; i++)
        ROW_EQ(r.out[i], sx(r.a[i], n) < 0 ? 0 : r.a[i]);
    ap_array_counters_reset(r.arr);
    ck_assert_int_eq(ap_abs(r.arr, fld(n, n), 2 * n), BASE_OK);
    check_cost(r.arr, AP_OP_ABS, n, 0, 0, tol_for(n));
    store(&r, fld(n, n), r.out);
    for (size_t i = 0; i < r.n; i++)
        ROW_EQ(r.out[i], (uint32_t)llabs(sx(r.b[i], n)));
    rows_free(&r);
}
END_TEST

/* ---- Shift with rounding ----------------------------------------------------------------- */

static void check_shr(unsigned n, unsigned s, unsigned d, size_t n_rows, double tol)
{
    for (int sg = 0; sg < 2; sg++) {
        bench_rows r = rows_new(n, 0, n_rows, n + 1 + d);
        ap_field fd = fld(n + 1, d);
        ck_assert_int_eq(ap_shr_round(r.arr, fld(0, n), s, fd, n, sg), BASE_OK);
        check_cost(r.arr, sg ? AP_OP_SHR_ROUND_S : AP_OP_SHR_ROUND_U, n, s, d, tol);
        store(&r, fd, r.out);
        for (size_t i = 0; i < r.n; i++) {
            int64_t v = sg ? sx(r.a[i], n) : (int64_t)r.a[i];
            /* round half up: floor((v + 2^(s-1)) / 2^s) */
            int64_t q = v + ((int64_t)1 << (s - 1));
            q = q >= 0 ? q / ((int64_t)1 << s)
                       : -((-q + ((int64_t)1 << s) - 1) / ((int64_t)1 << s));
            ROW_EQ(r.out[i], (uint32_t)q & mask(d));
        }
        rows_free(&r);
    }
}

START_TEST(test_shr_round_all_values)
{
    unsigned n = 2u + (unsigned)_i; /* 2..8 */
    for (unsigned s = 1; s < n; s++) {
        unsigned k = n - s;
        unsigned ds[] = {1, k, k + 1, k + 3};
        for (unsigned j = 0; j < 4; j++)
            check_shr(n, s, ds[j], 0, 0);
    }
}
END_TEST

START_TEST(test_shr_round_random_wide)
{
    unsigned n = (unsigned)_i;
    rng_state = 21u + n;
    check_shr(n, n / 2, n - n / 2 + 1, RANDOM_ROWS, RANDOM_TOL);
    check_shr(n, 3, 8, RANDOM_ROWS, RANDOM_TOL);
}
END_TEST

/* Shifts read accumulators: sources of 17..32 bits (randomized). */
START_TEST(test_shr_round_random_acc)
{
    unsigned n = (unsigned)_i;
    rng_state = 31u + n;
    check_shr(n, n - 8, 8, RANDOM_ROWS, RANDOM_TOL);
    check_shr(n, 5, 16, RANDOM_ROWS, RANDOM_TOL);
}
END_TEST

/* ---- Reduction ------------------------------------------------------------------------------ */

static void check_reduce(unsigned n, unsigned m, size_t n_rows, double tol)
{
    for (int sg = 0; sg < 2; sg++) {
        bench_rows r = rows_new(n, 0, n_rows, n + 1 + 2 * m);
        ap_field acc = fld(n + 1, m), tmp = fld(n + 1 + m, m);
        ck_assert_int_eq(ap_reduce_sum(r.arr, fld(0, n), acc, tmp, n, sg), BASE_OK);
        check_cost(r.arr, sg ? AP_OP_REDUCE_SUM_S : AP_OP_REDUCE_SUM_U, n, 0, m, -1.0);
        ap_cost c;
        ap_counters k;
        ck_assert_int_eq(ap_op_cost(sg ? AP_OP_REDUCE_SUM_S : AP_OP_REDUCE_SUM_U, n, 0, m, r.n, &c),
                         BASE_OK);
        ap_array_counters(r.arr, &k);
        double want = c.written_cells_per_row * (double)r.n;
        ck_assert_msg(tol < 0 || ((double)k.n_written_cells <= want * (1 + tol) &&
                                  (double)k.n_written_cells >= want * (1 - tol)),
                      "reduce %u/%u rows %zu: written %llu, model %.1f", n, m, r.n,
                      (unsigned long long)k.n_written_cells, want);
        int64_t sum = 0;
        for (size_t i = 0; i < r.n; i++)
            sum += sg ? sx(r.a[i], n) : (int64_t)r.a[i];
        uint32_t got;
        ck_assert_int_eq(ap_array_word_read(r.arr, 0, acc, &got), BASE_OK);
        ck_assert_uint_eq(got, (uint32_t)sum & mask(m));
        rows_free(&r);
    }
}

START_TEST(test_reduce_sum_rows)
{
    rng_state = 22;
    check_reduce(8, 24, 1000, 0.25);
    check_reduce(8, 24, 65536, 0.25);
    check_reduce(4, 8, 65, -1);
    check_reduce(3, 3, 1, -1);
    check_reduce(16, 32, 777, 0.25);
    check_reduce(27, 32, 513, -1); /* a 27-bit accumulator reduced, as conv layers do */
    check_reduce(32, 32, 64, -1);
    check_reduce(8, 10, 4096, -1); /* wraps mod 2^10 */
}
END_TEST

/* ---- Primitives ------------------------------------------------------------------------------ */

START_TEST(test_array_compare_write_tags)
{
    ap_array *arr;
    ck_assert_int_eq(ap_array_new(130, 5, &arr), BASE_OK);
    ck_assert_uint_eq(ap_array_rows(arr), 130);
    ck_assert_uint_eq(ap_array_cols(arr), 5);
    ck_assert_uint_eq(ap_array_plane_words(arr) % 4, 0);
    for (size_t r = 0; r < 130; r++)
        ck_assert_int_eq(ap_array_word_write(arr, r, fld(0, 3), (uint32_t)(r % 7)), BASE_OK);
    unsigned cols[] = {0, 1, 2};
    unsigned char key[] = {1, 0, 1}; /* value 5 */
    ck_assert_int_eq(ap_array_compare(arr, cols, key, 3, AP_TAG_SET), BASE_OK);
    ck_assert_uint_eq(ap_array_tags_count(arr), 18); /* r % 7 == 5 for r < 130 */
    size_t first = 0;
    ck_assert(ap_array_tags_first(arr, &first));
    ck_assert_uint_eq(first, 5);
    unsigned wc[] = {3, 4};
    unsigned char wv[] = {1, 1};
    ck_assert_int_eq(ap_array_write(arr, wc, wv, 2), BASE_OK);
    ap_counters k;
    ap_array_counters(arr, &k);
    ck_assert_uint_eq(k.n_compares, 1);
    ck_assert_uint_eq(k.n_compared_cells, 130 * 3);
    ck_assert_uint_eq(k.n_writes, 1);
    ck_assert_uint_eq(k.n_written_cells, 18 * 2);
    ck_assert_uint_eq(k.n_word_writes, 130);
    uint32_t v;
    ck_assert_int_eq(ap_array_word_read(arr, 124, fld(0, 5), &v), BASE_OK);
    ck_assert_uint_eq(v, 5 | 8 | 16); /* 124 % 7 == 5 */
    /* AND / OR modes and tag operations. */
    unsigned c3 = 0;
    unsigned char one = 1;
    ck_assert_int_eq(ap_array_compare(arr, &c3, &one, 1, AP_TAG_AND), BASE_OK);
    ck_assert_uint_eq(ap_array_tags_count(arr), 18);
    unsigned char zero = 0;
    ck_assert_int_eq(ap_array_compare(arr, &c3, &zero, 1, AP_TAG_AND), BASE_OK);
    ck_assert(!ap_array_tags_any(arr));
    ck_assert(!ap_array_tags_first(arr, &first));
    ck_assert_int_eq(ap_array_compare(arr, cols, key, 3, AP_TAG_OR), BASE_OK);
    ck_assert_uint_eq(ap_array_tags_count(arr), 18);
    ap_array_tags_invert(arr);
    ck_assert_uint_eq(ap_array_tags_count(arr), 130 - 18);
    ap_array_tags_fill(arr, true);
    ck_assert_uint_eq(ap_array_tags_count(arr), 130);
    ap_array_tags_fill(arr, false);
    ck_assert(!ap_array_tags_any(arr));
    /* An empty compare matches every row (and never the padding rows). */
    ck_assert_int_eq(ap_array_compare(arr, NULL, NULL, 0, AP_TAG_SET), BASE_OK);
    ck_assert_uint_eq(ap_array_tags_count(arr), 130);
    ap_array_counters_reset(arr);
    ap_array_counters(arr, &k);
    ck_assert_uint_eq(k.n_compares + k.n_writes + k.n_word_writes, 0);
    ap_array_free(arr);
    ap_array_free(NULL);
}
END_TEST

START_TEST(test_array_planes_2d_access)
{
    ap_array *arr;
    ck_assert_int_eq(ap_array_new(100, 3, &arr), BASE_OK);
    size_t nw = ap_array_plane_words(arr);
    uint64_t *p = calloc(nw, 8), *q = calloc(nw, 8);
    p[0] = 0xf0f0f0f0f0f0f0f0u;
    p[1] = ~(uint64_t)0; /* rows 64..127: only 64..99 exist */
    ck_assert_int_eq(ap_array_plane_write(arr, 2, p, nw), BASE_OK);
    ck_assert_int_eq(ap_array_plane_read(arr, 2, q, nw), BASE_OK);
    ck_assert_uint_eq(q[0], p[0]);
    ck_assert_uint_eq(q[1], ((uint64_t)1 << 36) - 1u);
    uint32_t v;
    ck_assert_int_eq(ap_array_word_read(arr, 99, fld(2, 1), &v), BASE_OK);
    ck_assert_uint_eq(v, 1);
    ap_counters k;
    ap_array_counters(arr, &k);
    ck_assert_uint_eq(k.n_plane_writes, 1);
    ck_assert_uint_eq(k.n_plane_reads, 1);
    ck_assert_uint_eq(k.n_word_reads, 1);
    uint32_t vals[100], back[100];
    for (unsigned i = 0; i < 100; i++)
        vals[i] = i * 3u % 8u;
    ck_assert_int_eq(ap_array_field_load(arr, fld(0, 3), vals, 100), BASE_OK);
    ck_assert_int_eq(ap_array_field_store(arr, fld(0, 3), back, 100), BASE_OK);
    ck_assert_mem_eq(vals, back, sizeof vals);
    free(p);
    free(q);
    ap_array_free(arr);
}
END_TEST

START_TEST(test_array_word_kernel_matches_simd)
{
    /* The same ops through the 64-bit word kernel, with the CPU's popcount and without it:
     * same results, same counters. */
    unsigned n = 8;
    for (int mode = 0; mode < 3; mode++) {
        bench_rows r = rows_new(n, n, 0, 4 * n + 2);
        ap_array_use_simd(r.arr, mode == 2);
        if (mode == 0)
            r.arr->use_popcnt = false;
        ck_assert_int_eq(ap_add(r.arr, fld(0, n), fld(n, n), 2 * n), BASE_OK);
        check_cost(r.arr, AP_OP_ADD, n, 0, 0, 0);
        ap_array_counters_reset(r.arr);
        ck_assert_int_eq(ap_mul(r.arr, fld(0, n), fld(n, n), fld(2 * n + 2, 2 * n), 2 * n, true),
                         BASE_OK);
        check_cost(r.arr, AP_OP_MUL_S, n, n, 0, 0);
        ap_array_counters_reset(r.arr);
        ck_assert_int_eq(ap_relu(r.arr, fld(2 * n + 2, 2 * n)), BASE_OK);
        check_cost(r.arr, AP_OP_RELU, 2 * n, 0, 0, -1);
        store(&r, fld(2 * n + 2, 2 * n), r.out);
        for (size_t i = 0; i < r.n; i++) {
            int64_t a = sx(r.a[i], n), b = sx((r.a[i] + r.b[i]) & mask(n), n), p = a * b;
            ROW_EQ(r.out[i], p < 0 ? 0 : (uint32_t)p);
        }
        rows_free(&r);
    }
}
END_TEST

/* ---- Division ------------------------------------------------------------------------------ */

/* quot and rem of every row against C's / and % (division by zero: quot all ones, rem = num mod
 * 2^d), counters against the closed form; written cells exactly when the rows hold every pair
 * once (tol 0), else within tol. Fields: num at 0, den at n, quot at n + d, rem at 2n + d, the
 * scratch column after them. */
static void check_divmod(unsigned n, unsigned d, size_t n_rows, double tol)
{
    bench_rows r = rows_new(n, d, n_rows, 2u * (n + d) + 1u);
    ck_assert_int_eq(
        ap_divmod_u(r.arr, fld(0, n), fld(n, d), fld(n + d, n), fld(2 * n + d, d), 2u * (n + d)),
        BASE_OK);
    check_cost(r.arr, AP_OP_DIVMOD_U, n, d, 0, tol);
    store(&r, fld(n + d, n), r.out);
    store(&r, fld(2 * n + d, d), r.out2);
    for (size_t i = 0; i < r.n; i++) {
        uint32_t a = r.a[i], b = r.b[i];
        ROW_EQ(r.out[i], b ? a / b : mask(n));
        ROW_EQ(r.out2[i], b ? a % b : a & mask(d));
    }
    /* num and den are kept */
    store(&r, fld(0, n), r.out);
    store(&r, fld(n, d), r.out2);
    for (size_t i = 0; i < r.n; i++) {
        ROW_EQ(r.out[i], r.a[i]);
        ROW_EQ(r.out2[i], r.b[i]);
    }
    rows_free(&r);
}

START_TEST(test_divmod_all_pairs)
{
    check_divmod((unsigned)_i % 8u + 1u, (unsigned)_i / 8u + 1u, 0, 0);
}
END_TEST

START_TEST(test_divmod_random_wide)
{
    static const unsigned w[][2] = {{9, 4}, {12, 12}, {16, 16}, {16, 3}, {5, 16}, {16, 1}};
    /* wider pairs: test_wide_operand_ops */
    rng_state = 17u + (uint64_t)_i;
    check_divmod(w[_i][0], w[_i][1], RANDOM_ROWS, RANDOM_TOL);
}
END_TEST

START_TEST(test_divmod_cost_by_hand)
{
    /* 8 / 8 bits: per numerator bit d gt runs (2 passes, 3 columns), one copy (1 pass), d
     * guarded sub runs (4 passes, 4 columns), two clears of the scratch column; before them a
     * clear of quot and rem (16 columns) and 8 copies of num: passes 8 (6 x 8 + 2) = 400,
     * writes 400 + 1 + 16 = 417, compared columns 8 + 8 (8 x 6 + 1 + 8 x 16) = 1424, written
     * columns 16 + 16 + 8 + 8 (8 x 2 + 1 + 8 x 6) = 560. */
    ap_cost c;
    ck_assert_int_eq(ap_op_cost(AP_OP_DIVMOD_U, 8, 8, 0, 64, &c), BASE_OK);
    ck_assert_uint_eq(c.n_passes, 400);
    ck_assert_uint_eq(c.n_writes, 417);
    ck_assert_uint_eq(c.compared_cols, 1424);
    ck_assert_uint_eq(c.written_cols, 560);
    for (unsigned n = 1; n <= AP_WIDTH_MAX; n += 5)
        for (unsigned d = 1; d <= AP_WIDTH_MAX; d += 3) {
            ck_assert_int_eq(ap_op_cost(AP_OP_DIVMOD_U, n, d, 0, 1, &c), BASE_OK);
            ck_assert_uint_eq(c.n_passes, (uint64_t)n * (6u * d + 2u));
            ck_assert_uint_eq(c.n_writes, c.n_passes + 1u + 2u * n);
        }
    ck_assert_int_eq(ap_op_cost(AP_OP_DIVMOD_U, 8, 0, 0, 64, &c), BASE_EINVAL);
    ck_assert_int_eq(ap_op_cost(AP_OP_DIVMOD_U, 8, 8, 16, 64, &c), BASE_EINVAL);
}
END_TEST

/* ---- Operands past 32 bits ------------------------------------------------------------------ */

static uint64_t mask64(unsigned n)
{
    return n >= 64u ? ~(uint64_t)0 : ((uint64_t)1 << n) - 1u;
}

static int64_t sx64(uint64_t v, unsigned n)
{
    v &= mask64(n);
    return n < 64u && (v >> (n - 1)) & 1u ? (int64_t)(v | ~mask64(n)) : (int64_t)v;
}

static uint64_t rnd64(void)
{
    return (uint64_t)rnd() << 32 | rnd();
}

/* An array of RANDOM_ROWS rows holding random a (width n at 0) and b (width m at 64), loaded
 * with the 64-bit field load; the counters reset. */
static ap_array *wide_rows(unsigned n, unsigned m, uint64_t *a, uint64_t *b)
{
    ap_array *arr;
    ck_assert_int_eq(ap_array_new(RANDOM_ROWS, 260, &arr), BASE_OK);
    for (size_t i = 0; i < RANDOM_ROWS; i++) {
        a[i] = rnd64() & mask64(n);
        b[i] = rnd64() & mask64(m);
    }
    b[0] = 0; /* a zero divisor and equal operands among the rows */
    b[1] = a[1] & mask64(m);
    ck_assert_int_eq(ap_array_field_load64(arr, fld(0, n), a, RANDOM_ROWS), BASE_OK);
    ck_assert_int_eq(ap_array_field_load64(arr, fld(64, m), b, RANDOM_ROWS), BASE_OK);
    ap_array_counters_reset(arr);
    return arr;
}

/* Every operand op at a wide width n on random rows, against C's 64-bit arithmetic, with its
 * counters against the closed form (written cells within RANDOM_TOL). */
START_TEST(test_wide_operand_ops)
{
    static const unsigned widths[] = {24, 32, 33, 48, 63, 64};
    unsigned n = widths[_i];
    uint64_t *a = malloc(RANDOM_ROWS * sizeof *a), *b = malloc(RANDOM_ROWS * sizeof *b);
    uint64_t *o = malloc(RANDOM_ROWS * sizeof *o), *o2 = malloc(RANDOM_ROWS * sizeof *o2);
    ck_assert(a && b && o && o2);
    rng_state = 1000u + n;
    uint64_t mk = mask64(n);
    for (int op = 0; op < AP_OP_COUNT; op++) {
        if (ap_op_width_rule((ap_op)op, AP_ARG_WIDTH_A) != AP_WIDTH_OPERAND)
            continue; /* accumulator ops stay within 32 bits */
        ap_width_rule rb = ap_op_width_rule((ap_op)op, AP_ARG_WIDTH_B);
        unsigned m = rb == AP_WIDTH_FACTOR ? 64u - n : rb == AP_WIDTH_OPERAND ? n / 2u + 1u : n;
        if (ap_op_width_rule((ap_op)op, AP_ARG_WIDTH_ACC) != AP_WIDTH_NONE || m == 0)
            continue;
        ap_array *arr = wide_rows(n, m, a, b);
        bool sg = ap_op_is_signed((ap_op)op);
        ap_field fa = fld(0, n), fb = fld(64, m), fd = fld(128, n), fp = fld(128, n + m);
        ap_field fr = fld(200, m);
        unsigned c = 259;
        switch ((ap_op)op) {
        case AP_OP_ADD:
            ck_assert_int_eq(ap_add(arr, fa, fb, c), BASE_OK);
            break;
        case AP_OP_SUB:
            ck_assert_int_eq(ap_sub(arr, fa, fb, c), BASE_OK);
            break;
        case AP_OP_NEG:
            ck_assert_int_eq(ap_neg(arr, fa, c), BASE_OK);
            break;
        case AP_OP_ADD_OOP:
            ck_assert_int_eq(ap_add_oop(arr, fa, fb, fd, c), BASE_OK);
            break;
        case AP_OP_COPY:
            ck_assert_int_eq(ap_copy(arr, fa, fd), BASE_OK);
            break;
        case AP_OP_MUL_U:
        case AP_OP_MUL_S:
            ck_assert_int_eq(ap_mul(arr, fa, fb, fp, c, sg), BASE_OK);
            break;
        case AP_OP_GT_U:
        case AP_OP_GT_S:
            ck_assert_int_eq(ap_gt(arr, fa, fb, c, sg), BASE_OK);
            break;
        case AP_OP_EQ:
            ck_assert_int_eq(ap_eq(arr, fa, fb, c), BASE_OK);
            break;
        case AP_OP_MAX_U:
        case AP_OP_MAX_S:
            ck_assert_int_eq(ap_max(arr, fa, fb, c, sg), BASE_OK);
            break;
        case AP_OP_RELU:
            ck_assert_int_eq(ap_relu(arr, fa), BASE_OK);
            break;
        case AP_OP_ABS:
            ck_assert_int_eq(ap_abs(arr, fa, c), BASE_OK);
            break;
        case AP_OP_DIVMOD_U:
            ck_assert_int_eq(ap_divmod_u(arr, fa, fb, fd, fr, c), BASE_OK);
            break;
        default:
            ck_assert_msg(0, "op %s has no wide test", ap_op_name((ap_op)op));
        }
        check_cost(arr, (ap_op)op, n, rb == AP_WIDTH_NONE ? 0 : m, 0, RANDOM_TOL);
        ap_field res = (ap_op)op == AP_OP_ADD || (ap_op)op == AP_OP_SUB ||
                               (ap_op)op == AP_OP_MAX_U || (ap_op)op == AP_OP_MAX_S
                           ? fb
                       : (ap_op)op == AP_OP_NEG || (ap_op)op == AP_OP_RELU || (ap_op)op == AP_OP_ABS
                           ? fa
                       : (ap_op)op == AP_OP_MUL_U || (ap_op)op == AP_OP_MUL_S ? fp
                                                                              : fd;
        bool flag = (ap_op)op == AP_OP_GT_U || (ap_op)op == AP_OP_GT_S || (ap_op)op == AP_OP_EQ;
        ck_assert_int_eq(ap_array_field_store64(arr, flag ? fld(c, 1) : res, o, RANDOM_ROWS),
                         BASE_OK);
        if ((ap_op)op == AP_OP_DIVMOD_U)
            ck_assert_int_eq(ap_array_field_store64(arr, fr, o2, RANDOM_ROWS), BASE_OK);
        for (size_t i = 0; i < RANDOM_ROWS; i++) {
            uint64_t x = a[i], y = b[i], want = 0;
            int64_t sxa = sx64(x, n), sxb = sx64(y, m);
            switch ((ap_op)op) {
            case AP_OP_ADD:
                want = (x + y) & mk;
                break;
            case AP_OP_SUB:
                want = (y - x) & mk;
                break;
            case AP_OP_NEG:
                want = (0 - x) & mk;
                break;
            case AP_OP_ADD_OOP:
                want = (x + y) & mk;
                break;
            case AP_OP_COPY:
                want = x;
                break;
            case AP_OP_MUL_U:
                want = x * y;
                break;
            case AP_OP_MUL_S:
                want = (uint64_t)(sxa * sxb) & mask64(n + m);
                break;
            case AP_OP_GT_U:
                want = x > y;
                break;
            case AP_OP_GT_S:
                want = sxa > sxb;
                break;
            case AP_OP_EQ:
                want = x == y;
                break;
            case AP_OP_MAX_U:
                want = x > y ? x : y;
                break;
            case AP_OP_MAX_S:
                want = sxa > sxb ? x : y;
                break;
            case AP_OP_RELU:
                want = sxa < 0 ? 0 : x;
                break;
            case AP_OP_ABS:
                want = sxa < 0 ? (0 - x) & mk : x;
                break;
            case AP_OP_DIVMOD_U:
                want = y ? x / y : mk;
                ROW_EQ(o2[i], y ? x % y : x & mask64(m));
                break;
            default:
                break;
            }
            if (o[i] != want)
                ck_assert_msg(0, "%s %u/%u row %zu: got %llx, want %llx", ap_op_name((ap_op)op), n,
                              m, i, (unsigned long long)o[i], (unsigned long long)want);
        }
        ap_array_free(arr);
    }
    free(a);
    free(b);
    free(o);
    free(o2);
}
END_TEST

START_TEST(test_field_load64_paths)
{
    /* 64-bit loads and stores at widths around 32 and 64 on both gathers: every value read
     * back, rows beyond the values cleared, one plane write or read per bit. */
    static const unsigned widths[] = {1, 31, 32, 33, 47, 64};
    rng_state = 3;
    for (size_t iw = 0; iw < sizeof widths / sizeof widths[0]; iw++)
        for (int simd = 0; simd < 2; simd++) {
            unsigned w = widths[iw];
            uint64_t vals[300], got[300];
            ap_array *arr;
            ck_assert_int_eq(ap_array_new(300, 70, &arr), BASE_OK);
            ap_array_use_simd(arr, simd);
            for (size_t r = 0; r < 300; r++)
                got[r] = rnd64();
            ck_assert_int_eq(ap_array_field_load64(arr, fld(3, w), got, 300), BASE_OK);
            for (size_t r = 0; r < 300; r++)
                vals[r] = rnd64() & mask64(w);
            ap_array_counters_reset(arr);
            ck_assert_int_eq(ap_array_field_load64(arr, fld(3, w), vals, 250), BASE_OK);
            ck_assert_int_eq(ap_array_field_store64(arr, fld(3, w), got, 300), BASE_OK);
            for (size_t r = 0; r < 300; r++)
                ck_assert_msg(got[r] == (r < 250 ? vals[r] : 0), "width %u row %zu", w, r);
            ap_counters k;
            ap_array_counters(arr, &k);
            ck_assert_uint_eq(k.n_plane_writes, w);
            ck_assert_uint_eq(k.n_plane_reads, w);
            ck_assert_int_eq(ap_array_field_load64(arr, fld(3, 65), vals, 1), BASE_EINVAL);
            ck_assert_int_eq(ap_array_field_load64(arr, fld(10, 64), vals, 1), BASE_ERANGE);
            ck_assert_int_eq(ap_array_field_store64(arr, fld(3, 0), got, 1), BASE_EINVAL);
            ck_assert_int_eq(ap_array_field_store64(arr, fld(3, 8), got, 301), BASE_ERANGE);
            ck_assert_int_eq(ap_array_field_load64(arr, fld(3, 8), NULL, 0), BASE_OK);
            ap_array_free(arr);
        }
}
END_TEST

/* ---- Costs and names ------------------------------------------------------------------------- */

START_TEST(test_cost_pass_counts_per_bit)
{
    for (unsigned n = 1; n <= 16; n++) {
        ap_cost c;
        ck_assert_int_eq(ap_op_cost(AP_OP_ADD, n, 0, 0, 64, &c), BASE_OK);
        ck_assert_uint_eq(c.n_passes, 4u * n);
        ck_assert_uint_eq(c.n_compares + c.n_writes, 8u * n + 1u); /* + carry clear */
        ck_assert_int_eq(ap_op_cost(AP_OP_SUB, n, 0, 0, 64, &c), BASE_OK);
        ck_assert_uint_eq(c.n_passes, 4u * n);
        ck_assert_int_eq(ap_op_cost(AP_OP_NEG, n, 0, 0, 64, &c), BASE_OK);
        ck_assert_uint_eq(c.n_passes, 3u * n);
        ck_assert_int_eq(ap_op_cost(AP_OP_MUL_U, n, n, 0, 64, &c), BASE_OK);
        ck_assert_uint_eq(c.n_passes, 4u * n * n + n);
    }
    ap_cost c4, c8;
    ck_assert_int_eq(ap_op_cost(AP_OP_MUL_S, 4, 4, 0, 64, &c4), BASE_OK);
    ck_assert_int_eq(ap_op_cost(AP_OP_MUL_S, 8, 8, 0, 64, &c8), BASE_OK);
    ck_assert(c8.n_passes > 3 * c4.n_passes); /* grows with the product of widths */
    /* Uniform add: each of the 4 passes tags 1/8 of the rows on average (3/4 cells/bit). */
    ck_assert_int_eq(ap_op_cost(AP_OP_ADD, 8, 0, 0, 64, &c8), BASE_OK);
    ck_assert_double_eq_tol(c8.written_cells_per_row, 1.0 + 6.0, 1e-12);
}
END_TEST

START_TEST(test_cost_rejects_bad_arguments)
{
    ap_cost c;
    ck_assert_int_eq(ap_op_cost(AP_OP_COUNT, 8, 0, 0, 64, &c), BASE_EINVAL);
    ck_assert_int_eq(ap_op_cost(AP_OP_ADD, 0, 0, 0, 64, &c), BASE_EINVAL);
    ck_assert_int_eq(ap_op_cost(AP_OP_ADD, 65, 0, 0, 64, &c), BASE_EINVAL);
    ck_assert_int_eq(ap_op_cost(AP_OP_ADD, 8, 3, 0, 64, &c), BASE_EINVAL);
    ck_assert_int_eq(ap_op_cost(AP_OP_ADD, 8, 0, 3, 64, &c), BASE_EINVAL);
    ck_assert_int_eq(ap_op_cost(AP_OP_ADD, 8, 0, 0, 0, &c), BASE_EINVAL);
    ck_assert_int_eq(ap_op_cost(AP_OP_MUL_U, 8, 0, 0, 64, &c), BASE_EINVAL);
    ck_assert_int_eq(ap_op_cost(AP_OP_MUL_U, 8, 8, 20, 64, &c), BASE_EINVAL);
    ck_assert_int_eq(ap_op_cost(AP_OP_MAC_S, 8, 8, 15, 64, &c), BASE_EINVAL);
    ck_assert_int_eq(ap_op_cost(AP_OP_MAC_S, 8, 8, 33, 64, &c), BASE_EINVAL);
    ck_assert_int_eq(ap_op_cost(AP_OP_SHR_ROUND_U, 8, 8, 8, 64, &c), BASE_EINVAL);
    ck_assert_int_eq(ap_op_cost(AP_OP_REDUCE_SUM_U, 8, 0, 4, 64, &c), BASE_EINVAL);
    ck_assert_str_eq(base_last_error(),
                     "error: ap_op_cost(reduce_sum_u): width_acc must be at least width_a");
    ck_assert_int_eq(ap_op_cost(AP_OP_MUL_U, 8, 57, 0, 64, &c), BASE_EINVAL);
    ck_assert_str_eq(base_last_error(),
                     "error: ap_op_cost(mul_u): width_b must be in 1..64 - width_a");
    ck_assert_int_eq(ap_op_cost(AP_OP_MUL_U, 65, 1, 0, 64, &c), BASE_EINVAL);
    ck_assert_int_eq(ap_op_cost(AP_OP_MAC_U, 8, 25, 32, 64, &c), BASE_EINVAL);
    ck_assert_int_eq(ap_op_cost(AP_OP_SHR_ROUND_U, 33, 2, 8, 64, &c), BASE_EINVAL);
    ck_assert_int_eq(ap_op_cost(AP_OP_REDUCE_SUM_S, 33, 0, 32, 64, &c), BASE_EINVAL);
    ck_assert_int_eq(ap_op_cost(AP_OP_MAC_U, 8, 8, 0, 64, &c), BASE_EINVAL);
    ck_assert_int_eq(ap_op_cost(AP_OP_SHR_ROUND_S, 8, 2, 0, 64, &c), BASE_EINVAL);
    ck_assert_int_eq(ap_op_cost(AP_OP_REDUCE_SUM_U, 8, 0, 0, 64, &c), BASE_EINVAL);
    ck_assert_int_eq(ap_op_cost(AP_OP_SHR_ROUND_U, 8, 0, 8, 64, &c), BASE_EINVAL);
}
END_TEST

START_TEST(test_cost_reduce_steps_huge_rows)
{
    /* ceil(log2 n_rows) steps, each reading and writing width_acc planes; no wrap at SIZE_MAX. */
    ap_cost c;
    ck_assert_int_eq(ap_op_cost(AP_OP_REDUCE_SUM_U, 8, 0, 16, SIZE_MAX, &c), BASE_OK);
    ck_assert_uint_eq(c.n_plane_reads, 16u * 64u);
    ck_assert_int_eq(ap_op_cost(AP_OP_REDUCE_SUM_S, 8, 0, 16, (size_t)1 << 63, &c), BASE_OK);
    ck_assert_uint_eq(c.n_plane_writes, 16u * 63u);
    ck_assert_int_eq(ap_op_cost(AP_OP_REDUCE_SUM_U, 8, 0, 16, ((size_t)1 << 63) + 1u, &c), BASE_OK);
    ck_assert_uint_eq(c.n_plane_reads, 16u * 64u);
    ck_assert_int_eq(ap_op_cost(AP_OP_REDUCE_SUM_U, 8, 0, 16, 1, &c), BASE_OK);
    ck_assert_uint_eq(c.n_plane_reads, 0);
}
END_TEST

START_TEST(test_op_names_round_trip)
{
    for (int i = 0; i < AP_OP_COUNT; i++) {
        ap_op op;
        ck_assert_int_eq(ap_op_from_name(ap_op_name((ap_op)i), &op), BASE_OK);
        ck_assert_int_eq(op, i);
    }
    ck_assert_str_eq(ap_op_name(AP_OP_MUL_S), "mul_s");
    ck_assert_str_eq(ap_op_name(AP_OP_COUNT), "unknown");
    ap_op op;
    ck_assert_int_eq(ap_op_from_name("mull", &op), BASE_ENOTFOUND);
    ck_assert_int_eq(ap_op_from_name(NULL, &op), BASE_ENOTFOUND);
}
END_TEST

/* ---- The op table ---------------------------------------------------------------------------- */

START_TEST(test_op_table_rows)
{
    /* Every row has a name, an arity, width rules and a pass program with a cost. */
    for (int i = 0; i < AP_OP_COUNT; i++) {
        const ap_op_row *row = &ap_op_rows[i];
        ck_assert_ptr_nonnull(row->name);
        ck_assert(row->cost != NULL);
        ck_assert(row->arity == 1 || row->arity == 2);
        ck_assert_uint_eq(ap_op_arity((ap_op)i), row->arity);
        ck_assert_int_eq(ap_op_is_signed((ap_op)i), row->is_signed);
        ck_assert(row->width[AP_ARG_WIDTH_A] == AP_WIDTH_OPERAND ||
                  row->width[AP_ARG_WIDTH_A] == AP_WIDTH_ACC ||
                  row->width[AP_ARG_WIDTH_A] == AP_WIDTH_KEY);
        for (int arg = AP_ARG_WIDTH_A; arg <= AP_ARG_WIDTH_ACC; arg++)
            ck_assert_int_eq(ap_op_width_rule((ap_op)i, (ap_width_arg)arg), row->width[arg]);
    }
    ck_assert_uint_eq(ap_op_arity(AP_OP_COUNT), 0);
    ck_assert(!ap_op_is_signed(AP_OP_COUNT));
    ck_assert_int_eq(ap_op_width_rule(AP_OP_COUNT, AP_ARG_WIDTH_A), AP_WIDTH_NONE);
    ck_assert_int_eq(ap_op_width_rule(AP_OP_ADD, (ap_width_arg)3), AP_WIDTH_NONE);
    ck_assert_uint_eq(ap_op_arity(AP_OP_ADD), 2);
    ck_assert_uint_eq(ap_op_arity(AP_OP_RELU), 1);
    ck_assert(ap_op_is_signed(AP_OP_MAC_S) && !ap_op_is_signed(AP_OP_MAC_U));
    ck_assert_int_eq(ap_op_width_rule(AP_OP_MAC_S, AP_ARG_WIDTH_ACC), AP_WIDTH_ACC_AB);
    ck_assert_int_eq(ap_op_width_rule(AP_OP_SHR_ROUND_U, AP_ARG_WIDTH_B), AP_WIDTH_SHIFT);
}
END_TEST

START_TEST(test_luts_well_formed)
{
    /* Key and value strings match their slots, bits are 0/1, slots are letters, and no pass
     * exceeds what ap_pass takes (+1 for a guard column). */
    ck_assert_uint_ge(ap_n_luts, 13);
    for (unsigned t = 0; t < ap_n_luts; t++) {
        const ap_lut *l = ap_luts[t];
        ck_assert_uint_ge(l->n_passes, 1);
        for (unsigned p = 0; p < l->n_passes; p++) {
            const ap_lut_pass *lp = &l->pass[p];
            ck_assert_uint_eq(strlen(lp->cmp), strlen(lp->key));
            ck_assert_uint_eq(strlen(lp->wr), strlen(lp->val));
            ck_assert_uint_lt(strlen(lp->cmp), AP_PASS_MAX);
            ck_assert_uint_ge(strlen(lp->wr), 1);
            for (const char *c = lp->cmp; *c; c++)
                ck_assert(*c >= 'A' && *c <= 'Z');
            for (const char *c = lp->wr; *c; c++)
                ck_assert(*c >= 'A' && *c <= 'Z');
            ck_assert_uint_eq(strspn(lp->key, "01"), strlen(lp->key));
            ck_assert_uint_eq(strspn(lp->val, "01"), strlen(lp->val));
        }
    }
}
END_TEST

START_TEST(test_cost_counts_come_from_luts)
{
    /* Per-bit ops: passes = LUT entries x bits, compared columns = entries' key widths. */
    struct {
        ap_op op;
        const ap_lut *lut;
    } per_bit[] = {{AP_OP_ADD, &ap_lut_add},   {AP_OP_SUB, &ap_lut_sub},
                   {AP_OP_NEG, &ap_lut_neg},   {AP_OP_ADD_OOP, &ap_lut_add_oop},
                   {AP_OP_COPY, &ap_lut_copy}, {AP_OP_EQ, &ap_lut_eq},
                   {AP_OP_GT_U, &ap_lut_gt}};
    for (size_t i = 0; i < sizeof per_bit / sizeof per_bit[0]; i++) {
        size_t key_cols = 0;
        for (unsigned p = 0; p < per_bit[i].lut->n_passes; p++)
            key_cols += strlen(per_bit[i].lut->pass[p].key);
        for (unsigned n = 1; n <= AP_WIDTH_MAX; n++) {
            ap_cost c;
            ck_assert_int_eq(ap_op_cost(per_bit[i].op, n, 0, 0, 64, &c), BASE_OK);
            ck_assert_uint_eq(c.n_passes, (uint64_t)per_bit[i].lut->n_passes * n);
            ck_assert_uint_eq(c.compared_cols, (uint64_t)key_cols * n);
        }
    }
}
END_TEST

/* A seeded table of 2^n_in entries of n_out bits (none when n_out is not in 1..32). */
static const uint32_t *lookup_table(unsigned n_in, unsigned n_out)
{
    static uint32_t table[1u << AP_LOOKUP_WIDTH_MAX];
    uint64_t m = n_out >= 1 && n_out <= 32 ? (1ull << n_out) - 1u : 0;
    for (uint32_t v = 0; n_in <= AP_LOOKUP_WIDTH_MAX && v < (1u << n_in); v++)
        table[v] = (uint32_t)(((uint64_t)v * 0x9e3779b97f4a7c15u >> 17) & m);
    return table;
}

/* The largest power of two dividing the array's rows: a group the tree ops accept. */
static size_t pow2_group(const ap_array *arr)
{
    size_t n = ap_array_rows(arr);
    return n & (~n + 1u);
}

/* Runs op on the fields its cost arguments describe: a (width_a) at column 0; b at 70 of
 * width_b, or of width_a + b_skew when the op's width_b is unused; the destination,
 * product, accumulator or quotient at 140; tmp or the remainder at 210; the work column 280.
 * Arrays for it have RUN_OP_COLS columns. */
#define RUN_OP_COLS 281u
static base_status run_op(ap_array *arr, ap_op op, unsigned wa, unsigned wb, unsigned wacc,
                          unsigned b_skew)
{
    ap_field a = fld(0, wa), b = fld(70, wa + b_skew), bw = fld(70, wb), d = fld(140, wa);
    ap_field acc = fld(140, wacc), p = fld(140, wa + wb), tmp = fld(210, wa + wb);
    unsigned c = 280;
    bool sg = ap_op_is_signed(op);
    switch (op) {
    case AP_OP_ADD:
        return ap_add(arr, a, b, c);
    case AP_OP_SUB:
        return ap_sub(arr, a, b, c);
    case AP_OP_NEG:
        return ap_neg(arr, a, c);
    case AP_OP_ADD_OOP:
        return ap_add_oop(arr, a, b, d, c);
    case AP_OP_MUL_U:
    case AP_OP_MUL_S:
        return ap_mul(arr, a, bw, p, c, sg);
    case AP_OP_MAC_U:
    case AP_OP_MAC_S:
        return ap_mac(arr, a, bw, acc, tmp, c, sg);
    case AP_OP_GT_U:
    case AP_OP_GT_S:
        return ap_gt(arr, a, b, c, sg);
    case AP_OP_EQ:
        return ap_eq(arr, a, b, c);
    case AP_OP_MAX_U:
    case AP_OP_MAX_S:
        return ap_max(arr, a, b, c, sg);
    case AP_OP_RELU:
        return ap_relu(arr, a);
    case AP_OP_ABS:
        return ap_abs(arr, a, c);
    case AP_OP_SHR_ROUND_U:
    case AP_OP_SHR_ROUND_S:
        return ap_shr_round(arr, a, wb, acc, c, sg);
    case AP_OP_COPY:
        return ap_copy(arr, a, d);
    case AP_OP_REDUCE_SUM_U:
    case AP_OP_REDUCE_SUM_S:
        return ap_reduce_sum(arr, a, acc, fld(210, wacc), c, sg);
    case AP_OP_DIVMOD_U:
        return ap_divmod_u(arr, a, bw, d, fld(210, wb), c);
    case AP_OP_LOOKUP:
        return ap_lookup(arr, a, acc, lookup_table(wa, wacc));
    case AP_OP_REDUCE_MAX_U:
    case AP_OP_REDUCE_MAX_S:
        return ap_reduce_max_groups(arr, a, d, fld(210, wa), c, sg, pow2_group(arr));
    case AP_OP_BROADCAST:
        return ap_broadcast_groups(arr, a, d, c, pow2_group(arr));
    case AP_OP_COUNT:
    default:
        return BASE_EINVAL;
    }
}

START_TEST(test_op_table_widths_match_ops)
{
    /* For every op and width triples around the limits, ap_op_cost (which checks the
     * table's width rules) accepts exactly what the op itself accepts; an op of arity 2 whose
     * width_b is unused rejects a b whose width differs from a's. */
    /* Widths at and around every limit (0, 1, a shift of width_a - 1, 16, 32, sums of two);
     * fewer multiplier widths, as a product over 16 bits costs a sampled expectation. */
    static const unsigned edges[] = {0,  1,  2,  3,  4,  5,  7,  8,  9,  12, 15,
                                     16, 17, 20, 31, 32, 33, 48, 63, 64, 65};
    static const unsigned mul_edges[] = {0, 1, 2, 8, 16, 17, 56, 63, 64, 65};
    const size_t n_edges = sizeof edges / sizeof edges[0],
                 n_mul = sizeof mul_edges / sizeof mul_edges[0];
    ap_array *arr;
    ck_assert_int_eq(ap_array_new(1, RUN_OP_COLS, &arr), BASE_OK);
    for (int i = 0; i < AP_OP_COUNT; i++) {
        ap_op op = (ap_op)i;
        bool no_b = ap_op_width_rule(op, AP_ARG_WIDTH_B) == AP_WIDTH_NONE;
        bool no_acc = ap_op_width_rule(op, AP_ARG_WIDTH_ACC) == AP_WIDTH_NONE;
        bool mul_b = ap_op_width_rule(op, AP_ARG_WIDTH_B) == AP_WIDTH_OPERAND ||
                     ap_op_width_rule(op, AP_ARG_WIDTH_B) == AP_WIDTH_FACTOR;
        unsigned n_accepted = 0;
        for (size_t ia = 0; ia < n_edges; ia++)
            for (size_t ib = 0; ib < (no_b ? 1 : mul_b ? n_mul : n_edges); ib++)
                for (size_t im = 0; im < (no_acc ? 1 : n_edges); im++) {
                    unsigned wa = edges[ia], wb = mul_b ? mul_edges[ib] : edges[ib], m = edges[im];
                    ap_cost c;
                    base_status want = ap_op_cost(op, wa, wb, m, 1, &c);
                    base_status got = run_op(arr, op, wa, wb, m, 0);
                    ck_assert_msg(got == want, "%s %u/%u/%u: op %d, table %d", ap_op_name(op), wa,
                                  wb, m, (int)got, (int)want);
                    n_accepted += want == BASE_OK;
                    if (want == BASE_OK && ap_op_arity(op) == 2 && no_b)
                        ck_assert_int_eq(run_op(arr, op, wa, wb, m, 1), BASE_EINVAL);
                }
        ck_assert_uint_gt(n_accepted, 0);
        if (!no_b)
            ck_assert_int_eq(ap_op_cost(op, 8, 0, no_acc ? 0 : 24, 1, &(ap_cost){0}), BASE_EINVAL);
    }
    ap_array_free(arr);
}
END_TEST

/* Fills every plane of two arrays with the same random bits. */
static void random_twins(ap_array *x, ap_array *y)
{
    size_t n = ap_array_plane_words(x);
    uint64_t *bits = calloc(n, sizeof *bits);
    ck_assert_ptr_nonnull(bits);
    for (unsigned c = 0; c < ap_array_cols(x); c++) {
        for (size_t w = 0; w < n; w++)
            bits[w] = (uint64_t)rnd() << 32 | rnd();
        ck_assert_int_eq(ap_array_plane_write(x, c, bits, n), BASE_OK);
        ck_assert_int_eq(ap_array_plane_write(y, c, bits, n), BASE_OK);
    }
    free(bits);
}

/* Every plane and every data-independent counter of x and y agree. */
static void same_arrays(ap_array *x, ap_array *y, const char *what)
{
    size_t n = ap_array_plane_words(x);
    uint64_t *bx = calloc(n, sizeof *bx), *by = calloc(n, sizeof *by);
    ck_assert(bx && by);
    for (unsigned c = 0; c < ap_array_cols(x); c++) {
        ck_assert_int_eq(ap_array_plane_read(x, c, bx, n), BASE_OK);
        ck_assert_int_eq(ap_array_plane_read(y, c, by, n), BASE_OK);
        ck_assert_msg(memcmp(bx, by, n * sizeof *bx) == 0, "%s: column %u differs", what, c);
    }
    free(bx);
    free(by);
    ap_counters cx, cy;
    ap_array_counters(x, &cx);
    ap_array_counters(y, &cy);
    ck_assert_msg(
        cx.n_compares == cy.n_compares && cx.n_writes == cy.n_writes &&
            cx.n_compared_cells == cy.n_compared_cells && cx.n_ml_segments == cy.n_ml_segments &&
            cx.n_plane_reads == cy.n_plane_reads && cx.n_plane_writes == cy.n_plane_writes,
        "%s: counters differ", what);
}

START_TEST(test_field_load_paths)
{
    /* Field loads through the AVX2 gather and the word gather put every value's bits where a
     * row-by-row read finds them, clear the rows beyond the values, and count as flipped
     * exactly the cells whose value changed. */
    static const size_t counts[] = {0, 1, 63, 64, 65, 300};
    static const unsigned widths[] = {1, 3, 8, 9, 16, 17, 31, 32};
    rng_state = 7;
    for (size_t ic = 0; ic < sizeof counts / sizeof counts[0]; ic++)
        for (size_t iw = 0; iw < sizeof widths / sizeof widths[0]; iw++)
            for (int simd = 0; simd < 2; simd++) {
                size_t n = counts[ic], rows = 300;
                unsigned w = widths[iw];
                ap_array *arr;
                ck_assert_int_eq(ap_array_new(rows, 40, &arr), BASE_OK);
                ap_array_use_simd(arr, simd);
                uint32_t before[300], vals[300];
                for (size_t r = 0; r < rows; r++) {
                    before[r] = rnd() & mask(w);
                    vals[r] = rnd() & mask(w);
                }
                ck_assert_int_eq(ap_array_field_load(arr, fld(5, w), before, rows), BASE_OK);
                ap_array_counters_reset(arr);
                ck_assert_int_eq(ap_array_field_load(arr, fld(5, w), vals, n), BASE_OK);
                uint64_t flips = 0;
                for (size_t r = 0; r < rows; r++) {
                    uint32_t got, want = r < n ? vals[r] : 0;
                    ck_assert_int_eq(ap_array_word_read(arr, r, fld(5, w), &got), BASE_OK);
                    ck_assert_msg(got == want, "width %u, %zu values, simd %d: row %zu", w, n, simd,
                                  r);
                    flips += (uint64_t)__builtin_popcount(before[r] ^ want);
                }
                ap_counters c;
                ap_array_counters(arr, &c);
                ck_assert_uint_eq(c.n_flipped_cells, flips);
                ap_array_free(arr);
            }
}
END_TEST

START_TEST(test_fused_formulas_chosen)
{
    /* The tables of the add, multiply and accumulate chain run as short formulas (each chosen
     * only because its truth table equals the table's); the rest as their normal form. */
    static const struct {
        const ap_lut *t;
        bool guarded;
        const char *kernel;
    } want[] = {{&ap_lut_add, false, "add"},   {&ap_lut_add, true, "guarded add"},
                {&ap_lut_sub, false, "sub"},   {&ap_lut_sub, true, "guarded sub"},
                {&ap_lut_half, false, "half"}, {&ap_lut_copy, false, "copy"},
                {&ap_lut_move, false, "move"}, {&ap_lut_neg, false, "generic"},
                {&ap_lut_gt, false, "generic"}};
    ap_array *arr;
    ck_assert_int_eq(ap_array_new(8, 8, &arr), BASE_OK);
    ck_assert_ptr_null(ap_fuse_kernel_name(arr, &ap_lut_add, false));
    ck_assert_int_eq(ap_array_set_fused(arr, true), BASE_OK);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ck_assert_str_eq(ap_fuse_kernel_name(arr, want[i].t, want[i].guarded), want[i].kernel);
    ck_assert_int_eq(ap_array_set_fused(arr, false), BASE_OK);
    ck_assert_ptr_null(ap_fuse_kernel_name(arr, &ap_lut_add, false));
    ap_array_free(arr);
}
END_TEST

START_TEST(test_fused_matches_pass_by_pass)
{
    /* Every op at widths around its limits, on random bits in every column (so that clears,
     * guards and carries meet arbitrary states), over row counts inside one 256-row vector,
     * across vectors and across 16,384-row blocks: the fused program (AVX2 and plain) leaves
     * every column as the pass-by-pass run does, with the same data-independent counters. */
    static const unsigned widths[][3] = {{1, 1, 2},    {2, 3, 6},    {4, 4, 9},   {8, 8, 16},
                                         {8, 8, 26},   {7, 5, 20},   {16, 1, 17}, {3, 16, 32},
                                         {16, 16, 32}, {32, 32, 32}, {64, 64, 0}, {40, 24, 0}};
    static const size_t rows[] = {1, 70, 300, 17000}; /* the last: two blocks (few widths) */
    unsigned n_run = 0;
    rng_state = 99;
    for (int i = 0; i < AP_OP_COUNT; i++)
        for (size_t iw = 0; iw < sizeof widths / sizeof widths[0]; iw++)
            for (size_t ir = 0; ir < sizeof rows / sizeof rows[0]; ir++)
                for (int simd = 0; simd < 2; simd++) {
                    ap_op op = (ap_op)i;
                    unsigned wa = widths[iw][0], wb = widths[iw][1], m = widths[iw][2];
                    if (rows[ir] > 16384 && iw % 4 != 3)
                        continue;
                    ap_width_rule rb = ap_op_width_rule(op, AP_ARG_WIDTH_B);
                    if (rb == AP_WIDTH_SHIFT)
                        wb = wa > 1 ? wa - 1 : 1;
                    else if (rb == AP_WIDTH_NONE)
                        wb = 0;
                    if (ap_op_width_rule(op, AP_ARG_WIDTH_ACC) == AP_WIDTH_NONE)
                        m = 0;
                    ap_cost cost;
                    if (ap_op_cost(op, wa, wb, m, rows[ir], &cost) != BASE_OK) {
                        base_error_clear();
                        continue;
                    }
                    ap_array *x, *y;
                    ck_assert_int_eq(ap_array_new(rows[ir], RUN_OP_COLS, &x), BASE_OK);
                    ck_assert_int_eq(ap_array_new(rows[ir], RUN_OP_COLS, &y), BASE_OK);
                    random_twins(x, y);
                    ck_assert_int_eq(ap_array_set_fused(y, true), BASE_OK);
                    ap_array_use_simd(y, simd);
                    n_run++;
                    ck_assert_int_eq(run_op(x, op, wa, wb, m, 0), BASE_OK);
                    ck_assert_int_eq(run_op(y, op, wa, wb, m, 0), BASE_OK);
                    char what[96];
                    snprintf(what, sizeof what, "%s %u/%u/%u, %zu rows, simd %d", ap_op_name(op),
                             wa, wb, m, rows[ir], simd);
                    same_arrays(x, y, what);
                    ap_array_free(x);
                    ap_array_free(y);
                }
    ck_assert_uint_ge(n_run, 8u * AP_OP_COUNT); /* every op at several widths */
}
END_TEST

/* ---- Error paths ------------------------------------------------------------------------------
 */

START_TEST(test_array_new_errors)
{
    ap_array *arr = (ap_array *)&arr;
    ck_assert_int_eq(ap_array_new(0, 8, &arr), BASE_EINVAL);
    ck_assert_ptr_null(arr);
    ck_assert_int_eq(ap_array_new(8, 0, &arr), BASE_EINVAL);
    ck_assert_int_eq(ap_array_new(SIZE_MAX / 2, 40, &arr), BASE_ENOMEM);
    for (long nth = 1; nth <= 2; nth++) {
        base_alloc_fail_after(nth);
        ck_assert_int_eq(ap_array_new(1000, 40, &arr), BASE_ENOMEM);
        base_alloc_fail_reset();
        ck_assert_ptr_null(arr);
    }
    ck_assert_str_eq(base_last_error(), "error: out of memory for an ap array of 1000 x 40 bits");
    /* Fused evaluation that cannot get its recorder leaves the array pass by pass. */
    ck_assert_int_eq(ap_array_new(70, 8, &arr), BASE_OK);
    base_alloc_fail_after(1);
    ck_assert_int_eq(ap_array_set_fused(arr, true), BASE_ENOMEM);
    base_alloc_fail_reset();
    ck_assert_ptr_null(ap_fuse_kernel_name(arr, &ap_lut_add, false));
    ck_assert_int_eq(ap_add(arr, fld(0, 2), fld(2, 2), 4), BASE_OK);
    ap_array_free(arr);
    ck_assert_int_eq(ap_array_field_load_fn(NULL, fld(0, 1), NULL, NULL, 0), BASE_EINVAL);
}
END_TEST

START_TEST(test_primitive_errors)
{
    ap_array *arr;
    ck_assert_int_eq(ap_array_new(70, 4, &arr), BASE_OK);
    unsigned bad_col = 4, col = 1;
    unsigned char one = 1, two = 2;
    ck_assert_int_eq(ap_array_compare(arr, &bad_col, &one, 1, AP_TAG_SET), BASE_ERANGE);
    ck_assert_int_eq(ap_array_compare(arr, &col, &two, 1, AP_TAG_SET), BASE_EINVAL);
    ck_assert_int_eq(ap_array_compare(arr, &col, &one, 1, (ap_tag_mode)7), BASE_EINVAL);
    ck_assert_int_eq(ap_array_write(arr, &bad_col, &one, 1), BASE_ERANGE);
    ck_assert_int_eq(ap_array_write(arr, &col, &two, 1), BASE_EINVAL);
    ck_assert_int_eq(ap_array_word_write(arr, 70, fld(0, 2), 1), BASE_ERANGE);
    ck_assert_int_eq(ap_array_word_write(arr, 3, fld(3, 2), 1), BASE_ERANGE);
    ck_assert_int_eq(ap_array_word_write(arr, 3, fld(0, 0), 1), BASE_EINVAL);
    uint32_t v;
    ck_assert_int_eq(ap_array_word_read(arr, 70, fld(0, 2), &v), BASE_ERANGE);
    ck_assert_int_eq(ap_array_word_read(arr, 0, fld(0, 33), &v), BASE_EINVAL);
    uint64_t plane[8] = {0};
    ck_assert_int_eq(ap_array_plane_write(arr, 4, plane, ap_array_plane_words(arr)), BASE_ERANGE);
    ck_assert_int_eq(ap_array_plane_write(arr, 0, plane, 1), BASE_EINVAL);
    ck_assert_int_eq(ap_array_plane_read(arr, 0, plane, 1), BASE_EINVAL);
    ck_assert_int_eq(ap_array_plane_read(arr, 9, plane, ap_array_plane_words(arr)), BASE_ERANGE);
    uint32_t vals[80] = {0};
    ck_assert_int_eq(ap_array_field_load(arr, fld(0, 2), vals, 80), BASE_ERANGE);
    ck_assert_int_eq(ap_array_field_store(arr, fld(0, 2), vals, 80), BASE_ERANGE);
    ck_assert_int_eq(ap_array_field_load(arr, fld(2, 3), vals, 8), BASE_ERANGE);
    ck_assert_int_eq(ap_array_field_store(arr, fld(0, 0), vals, 8), BASE_EINVAL);
    ck_assert_int_eq(ap_array_field_store(arr, fld(0, 2), NULL, 0), BASE_OK);
    ap_counters k;
    ap_array_counters(arr, &k);
    ck_assert_uint_eq(k.n_compares + k.n_writes + k.n_word_reads + k.n_plane_writes, 0);
    ap_array_free(arr);
}
END_TEST

START_TEST(test_op_errors)
{
    ap_array *arr;
    ck_assert_int_eq(ap_array_new(100, 80, &arr), BASE_OK);
    ap_field a = fld(0, 8), b = fld(8, 8);
    /* widths */
    ck_assert_int_eq(ap_add(arr, fld(0, 0), fld(8, 0), 20), BASE_EINVAL);
    ck_assert_int_eq(ap_add(arr, fld(0, 65), fld(0, 65), 40), BASE_EINVAL);
    ck_assert_str_eq(base_last_error(), "error: ap add: width 65 of a is not in 1..64");
    ck_assert_int_eq(ap_sub(arr, a, fld(8, 7), 20), BASE_EINVAL);
    ck_assert_int_eq(ap_neg(arr, fld(0, 65), 20), BASE_EINVAL);
    ck_assert_int_eq(ap_add_oop(arr, a, b, fld(20, 7), 30), BASE_EINVAL);
    ck_assert_int_eq(ap_copy(arr, a, fld(20, 7)), BASE_EINVAL);
    ck_assert_int_eq(ap_mul(arr, a, b, fld(20, 15), 40, false), BASE_EINVAL);
    ck_assert_int_eq(ap_mul(arr, a, fld(8, 0), fld(20, 8), 40, false), BASE_EINVAL);
    ck_assert_int_eq(ap_mac(arr, a, b, fld(20, 15), fld(40, 16), 60, true), BASE_EINVAL);
    ck_assert_int_eq(ap_mac(arr, a, b, fld(20, 33), fld(60, 16), 79, true), BASE_EINVAL);
    ck_assert_int_eq(ap_mac(arr, a, b, fld(20, 20), fld(40, 15), 60, true), BASE_EINVAL);
    ck_assert_int_eq(ap_gt(arr, a, fld(8, 9), 20, true), BASE_EINVAL);
    ck_assert_int_eq(ap_relu(arr, fld(0, 0)), BASE_EINVAL);
    ck_assert_int_eq(ap_abs(arr, fld(0, 65), 30), BASE_EINVAL);
    ck_assert_int_eq(ap_mul(arr, fld(0, 40), fld(40, 25), fld(0, 65), 79, false), BASE_EINVAL);
    ck_assert_str_eq(base_last_error(), "error: ap mul: product width 40 + 25 exceeds 64");
    ck_assert_int_eq(ap_shr_round(arr, a, 0, fld(20, 8), 30, true), BASE_EINVAL);
    ck_assert_int_eq(ap_shr_round(arr, a, 8, fld(20, 8), 30, true), BASE_EINVAL);
    ck_assert_int_eq(ap_shr_round(arr, a, 2, fld(20, 33), 60, true), BASE_EINVAL);
    ck_assert_int_eq(ap_reduce_sum(arr, a, fld(20, 6), fld(30, 6), 40, false), BASE_EINVAL);
    ck_assert_int_eq(ap_reduce_sum(arr, a, fld(20, 16), fld(40, 15), 60, false), BASE_EINVAL);
    ck_assert_int_eq(ap_reduce_sum(arr, fld(0, 33), fld(33, 33), fld(0, 1), 79, false),
                     BASE_EINVAL);
    ck_assert_int_eq(ap_reduce_sum(arr, a, fld(10, 33), fld(43, 33), 79, false), BASE_EINVAL);
    ck_assert_int_eq(ap_shr_round(arr, fld(0, 33), 2, fld(40, 8), 60, true), BASE_EINVAL);
    ck_assert_int_eq(ap_mac(arr, a, fld(8, 0), fld(20, 24), fld(50, 8), 79, false), BASE_EINVAL);
    ck_assert_int_eq(ap_mac(arr, a, fld(8, 25), fld(25, 33), fld(50, 25), 79, false), BASE_EINVAL);
    /* outside the array */
    ck_assert_int_eq(ap_add(arr, a, fld(75, 8), 20), BASE_ERANGE);
    ck_assert_str_eq(base_last_error(),
                     "error: ap add: b (columns 75..82) lies outside the array (80 columns)");
    ck_assert_int_eq(ap_add(arr, a, b, 80), BASE_ERANGE);
    ck_assert_int_eq(ap_mul(arr, a, b, fld(70, 16), 20, true), BASE_ERANGE);
    ck_assert_int_eq(ap_relu(arr, fld(79, 2)), BASE_ERANGE);
    ck_assert_int_eq(ap_eq(arr, a, b, 1000), BASE_ERANGE);
    /* overlapping fields */
    ck_assert_int_eq(ap_add(arr, a, fld(4, 8), 20), BASE_EOVERLAP);
    ck_assert_int_eq(ap_add(arr, a, b, 15), BASE_EOVERLAP);
    ck_assert_str_eq(base_last_error(), "error: ap add: b and carry column overlap");
    ck_assert_int_eq(ap_mul(arr, a, b, fld(10, 16), 40, false), BASE_EOVERLAP);
    ck_assert_int_eq(ap_mac(arr, a, b, fld(20, 20), fld(30, 16), 60, false), BASE_EOVERLAP);
    ck_assert_int_eq(ap_max(arr, a, b, 3, false), BASE_EOVERLAP);
    ck_assert_int_eq(ap_abs(arr, a, 7), BASE_EOVERLAP);
    ck_assert_int_eq(ap_neg(arr, a, 0), BASE_EOVERLAP);
    ck_assert_int_eq(ap_copy(arr, a, fld(7, 8)), BASE_EOVERLAP);
    ck_assert_int_eq(ap_shr_round(arr, a, 2, fld(20, 8), 25, false), BASE_EOVERLAP);
    ck_assert_int_eq(ap_reduce_sum(arr, a, fld(20, 16), fld(30, 16), 60, false), BASE_EOVERLAP);
    ck_assert_int_eq(ap_add_oop(arr, a, b, fld(15, 8), 30), BASE_EOVERLAP);
    /* division: widths, quot and rem widths, outside, overlap */
    ck_assert_int_eq(ap_divmod_u(arr, fld(0, 0), b, fld(20, 0), fld(30, 8), 40), BASE_EINVAL);
    ck_assert_int_eq(ap_divmod_u(arr, a, fld(8, AP_WIDTH_MAX + 1u), fld(20, 8), fld(30, 8), 79),
                     BASE_EINVAL);
    ck_assert_int_eq(ap_divmod_u(arr, a, b, fld(20, 7), fld(30, 8), 40), BASE_EINVAL);
    ck_assert_str_eq(base_last_error(),
                     "error: ap divmod_u: width of quot (7) differs from num (8)");
    ck_assert_int_eq(ap_divmod_u(arr, a, b, fld(20, 8), fld(30, 4), 40), BASE_EINVAL);
    ck_assert_int_eq(ap_divmod_u(arr, a, b, fld(20, 8), fld(75, 8), 40), BASE_ERANGE);
    ck_assert_int_eq(ap_divmod_u(arr, a, b, fld(20, 8), fld(30, 8), 80), BASE_ERANGE);
    ck_assert_int_eq(ap_divmod_u(arr, a, b, fld(20, 8), fld(25, 8), 40), BASE_EOVERLAP);
    ck_assert_int_eq(ap_divmod_u(arr, a, b, fld(20, 8), fld(30, 8), 3), BASE_EOVERLAP);
    ck_assert_str_eq(base_last_error(), "error: ap divmod_u: num and scratch column overlap");
    /* nothing ran */
    ap_counters k;
    ap_array_counters(arr, &k);
    ck_assert_uint_eq(k.n_compares + k.n_writes, 0);
    ap_array_free(arr);
}
END_TEST

/* The grouped reduction: each group leader holds its group's sum, cost as reduce_sum over a
 * group. */
START_TEST(test_reduce_groups_sums_and_cost)
{
    static const size_t groups[] = {1, 2, 8, 64};
    const size_t g = groups[_i], rows = 1000;
    ap_array *arr = NULL;
    ck_assert_int_eq(ap_array_new(rows, 64, &arr), BASE_OK);
    uint32_t vals[1000];
    for (size_t r = 0; r < rows; r++)
        vals[r] = (uint32_t)((r * 37u + 11u) % 256u);
    ap_field a = {0, 8}, acc = {8, 20}, tmp = {28, 20};
    ck_assert_int_eq(ap_array_field_load(arr, a, vals, rows), BASE_OK);
    ap_array_counters_reset(arr);
    ck_assert_int_eq(ap_reduce_sum_groups(arr, a, acc, tmp, 60, true, g), BASE_OK);
    ap_counters c;
    ap_array_counters(arr, &c);
    ap_cost k;
    ck_assert_int_eq(ap_op_cost(AP_OP_REDUCE_SUM_S, 8, 0, 20, g, &k), BASE_OK);
    ck_assert_uint_eq(c.n_compares, k.n_compares);
    ck_assert_uint_eq(c.n_writes, k.n_writes);
    ck_assert_uint_eq(c.n_plane_reads, k.n_plane_reads);
    ck_assert_uint_eq(c.n_compared_cells, k.compared_cols * rows);
    uint32_t out[1000];
    ck_assert_int_eq(ap_array_field_store(arr, acc, out, rows), BASE_OK);
    for (size_t base = 0; base < rows; base += g) {
        int64_t sum = 0;
        for (size_t r = base; r < base + g && r < rows; r++)
            sum += (int8_t)vals[r];
        int64_t got = (int64_t)(out[base] ^ 0x80000u) - 0x80000;
        ck_assert_int_eq(got, sum);
    }
    ap_array_free(arr);
}
END_TEST

START_TEST(test_reduce_groups_rejects_bad_group)
{
    ap_array *arr = NULL;
    ck_assert_int_eq(ap_array_new(100, 64, &arr), BASE_OK);
    ap_field a = {0, 8}, acc = {8, 20}, tmp = {28, 20};
    ck_assert_int_eq(ap_reduce_sum_groups(arr, a, acc, tmp, 60, true, 6), BASE_EINVAL);
    ck_assert_int_eq(ap_reduce_sum_groups(arr, a, acc, tmp, 60, true, 0), BASE_EINVAL);
    ck_assert_int_eq(ap_reduce_sum_groups(arr, a, acc, tmp, 60, true, 100), BASE_OK);
    /* A power of two above n_rows would run and charge extra steps. */
    ck_assert_int_eq(ap_reduce_sum_groups(arr, a, acc, tmp, 60, true, 128), BASE_EINVAL);
    ap_array_free(arr);
    ck_assert_int_eq(ap_array_new(64, 64, &arr), BASE_OK);
    ck_assert_int_eq(ap_reduce_sum_groups(arr, a, acc, tmp, 60, true, 128), BASE_EINVAL);
    ck_assert_int_eq(ap_reduce_sum_groups(arr, a, acc, tmp, 60, true, 64), BASE_OK);
    ap_array_free(arr);
}
END_TEST

/* The observer sees every step with its physical columns; match-line segments and the flips
 * of loads and clears are counted. */
typedef struct seen_events {
    int n, kinds[16];
    unsigned n_compared[16], n_written[16];
} seen_events;

static void record_event(void *ctx, const ap_event *ev)
{
    seen_events *s = ctx;
    if (s->n < 16) {
        s->kinds[s->n] = (int)ev->kind;
        s->n_compared[s->n] = ev->n_compared;
        s->n_written[s->n] = ev->n_written;
    }
    s->n++;
}

START_TEST(test_observer_segments_and_flips)
{
    static const unsigned cols4[] = {0, 5, 17, 33}, same[] = {1, 2, 3};
    ck_assert_uint_eq(ap_segments_spanned(cols4, 4, 16), 3);
    ck_assert_uint_eq(ap_segments_spanned(same, 3, 16), 1);
    ck_assert_uint_eq(ap_segments_spanned(cols4, 0, 16), 0);
    ck_assert_uint_eq(ap_segments_spanned(cols4, 4, 1), 4);

    ap_array *arr = NULL;
    ck_assert_int_eq(ap_array_new(4, 40, &arr), BASE_OK);
    seen_events s = {0};
    ap_array_set_observer(arr, record_event, &s);
    ap_array_set_ml_segment_cols(arr, 16);
    static const unsigned char key4[] = {0, 0, 0, 0};
    ck_assert_int_eq(ap_array_compare(arr, cols4, key4, 4, AP_TAG_SET), BASE_OK);
    ap_counters c;
    ap_array_counters(arr, &c);
    ck_assert_uint_eq(c.n_ml_segments, 4u * 3u); /* 4 rows x 3 segments */
    ck_assert_int_eq(s.n, 1);
    ck_assert_int_eq(s.kinds[0], AP_EVENT_COMPARE);
    ck_assert_uint_eq(s.n_compared[0], 4);
    /* Unsplit: one segment per compare. */
    ap_array_set_ml_segment_cols(arr, 0);
    ck_assert_int_eq(ap_array_compare(arr, cols4, key4, 4, AP_TAG_SET), BASE_OK);
    ap_array_counters(arr, &c);
    ck_assert_uint_eq(c.n_ml_segments, 12u + 4u);

    /* A field load flips exactly the cells that change; a clear flips the ones. */
    const uint32_t v1[] = {0x5, 0x0, 0xf, 0x1}, v2[] = {0x4, 0x0, 0xf, 0x3};
    ap_field f = {8, 4};
    ck_assert_int_eq(ap_array_field_load(arr, f, v1, 4), BASE_OK);
    ap_array_counters(arr, &c);
    ck_assert_uint_eq(c.n_flipped_cells, 2 + 0 + 4 + 1);
    ck_assert_int_eq(ap_array_field_load(arr, f, v2, 4), BASE_OK);
    ap_array_counters(arr, &c);
    ck_assert_uint_eq(c.n_flipped_cells, 7 + 2);
    ck_assert_int_eq(s.kinds[2], AP_EVENT_PLANE_WRITE);
    ck_assert_uint_eq(s.n_written[2], 1);
    /* ap_copy's fill of its destination reports a fill event. */
    int before = s.n;
    ck_assert_int_eq(ap_copy(arr, f, (ap_field){20, 4}), BASE_OK);
    ck_assert_int_gt(s.n, before);
    ap_array_set_observer(arr, NULL, NULL);
    before = s.n;
    ck_assert_int_eq(ap_array_compare(arr, cols4, key4, 4, AP_TAG_SET), BASE_OK);
    ck_assert_int_eq(s.n, before);
    ap_array_free(arr);
}
END_TEST

/* ---- Table lookup, group maximum and broadcast ------------------------------------------------
 */

START_TEST(test_lookup_random_tables)
{
    /* Input widths 1..8 with every value on three rows each plus 7 random rows, and one wide
     * input (12 bits, random rows): d = table[a] against a plain C lookup for random tables at
     * several output widths, counters equal to the closed form, written cells exactly m per
     * row; the fused evaluation gives the same columns and data-independent counters. */
    static const unsigned outs[] = {1, 3, 8, 17, 32};
    const unsigned n = _i == 0 ? 12 : (unsigned)_i;
    rng_state = 1234u + n;
    for (size_t io = 0; io < sizeof outs / sizeof outs[0]; io++) {
        unsigned m = outs[io];
        size_t rows = n == 12 ? RANDOM_ROWS : 3u * (1u << n) + 7u;
        uint32_t *table = malloc(sizeof *table << n), *in = malloc(rows * sizeof *in),
                 *out = malloc(rows * sizeof *out);
        ck_assert(table && in && out);
        for (uint32_t v = 0; v < (1u << n); v++)
            table[v] = rnd() & (m == 32 ? UINT32_MAX : mask(m));
        for (size_t r = 0; r < rows; r++)
            in[r] = n < 12 && r < 3u * (1u << n) ? (uint32_t)r & mask(n) : rnd() & mask(n);
        ap_array *arr, *fused;
        ck_assert_int_eq(ap_array_new(rows, 50, &arr), BASE_OK);
        ck_assert_int_eq(ap_array_new(rows, 50, &fused), BASE_OK);
        ck_assert_int_eq(ap_array_set_fused(fused, true), BASE_OK);
        ap_field a = fld(0, n), d = fld(16, m);
        ck_assert_int_eq(ap_array_field_load(arr, a, in, rows), BASE_OK);
        ck_assert_int_eq(ap_array_field_load(fused, a, in, rows), BASE_OK);
        ap_array_counters_reset(arr);
        ap_array_counters_reset(fused);
        ck_assert_int_eq(ap_lookup(arr, a, d, table), BASE_OK);
        ck_assert_int_eq(ap_lookup(fused, a, d, table), BASE_OK);
        check_cost(arr, AP_OP_LOOKUP, n, 0, m, 0);
        check_cost(fused, AP_OP_LOOKUP, n, 0, m, -1);
        same_arrays(arr, fused, "lookup");
        ck_assert_int_eq(ap_array_field_store(arr, d, out, rows), BASE_OK);
        for (size_t i = 0; i < rows; i++)
            ROW_EQ(out[i], table[in[i]]);
        ap_array_free(arr);
        ap_array_free(fused);
        free(table);
        free(in);
        free(out);
    }
}
END_TEST

START_TEST(test_lookup_cost_by_hand)
{
    /* 4-bit input, 8-bit output, 1,000 rows: 16 passes, each comparing 4 columns and
     * writing 8: 64 compared and 128 written columns, 8 written cells per row. */
    ap_cost c;
    ck_assert_int_eq(ap_op_cost(AP_OP_LOOKUP, 4, 0, 8, 1000, &c), BASE_OK);
    ck_assert_uint_eq(c.n_passes, 16);
    ck_assert_uint_eq(c.n_writes, 16);
    ck_assert_uint_eq(c.compared_cols, 64);
    ck_assert_uint_eq(c.written_cols, 128);
    ck_assert_double_eq(c.written_cells_per_row, 8.0);
    ck_assert_int_eq(ap_op_cost(AP_OP_LOOKUP, 17, 0, 8, 1000, &c), BASE_EINVAL);
    ck_assert_int_eq(ap_op_cost(AP_OP_LOOKUP, 8, 0, 33, 1000, &c), BASE_EINVAL);
    ck_assert_int_eq(ap_op_cost(AP_OP_LOOKUP, 8, 0, 0, 1000, &c), BASE_EINVAL);
}
END_TEST

START_TEST(test_reduce_max_and_broadcast_groups)
{
    /* Random values of 1..12 bits in groups of 1..64 rows (signed and unsigned): each
     * leader holds its group's maximum, the broadcast then puts it in every row of its group;
     * counters equal the closed forms (written cells: the max within its model's 30%, the
     * broadcast within 5% for uniform leaders). */
    static const size_t groups[] = {1, 2, 4, 16, 64};
    static const unsigned widths[] = {1, 3, 8, 12};
    const size_t rows = 4096;
    rng_state = 77u + (uint64_t)_i;
    for (size_t ig = 0; ig < sizeof groups / sizeof groups[0]; ig++)
        for (size_t iw = 0; iw < sizeof widths / sizeof widths[0]; iw++) {
            const size_t g = groups[ig];
            const unsigned n = widths[iw];
            const bool sg = _i == 1;
            uint32_t in[4096], out[4096];
            for (size_t r = 0; r < rows; r++)
                in[r] = rnd() & mask(n);
            ap_array *arr;
            ck_assert_int_eq(ap_array_new(rows, 60, &arr), BASE_OK);
            ap_field a = fld(0, n), acc = fld(16, n), tmp = fld(32, n);
            ck_assert_int_eq(ap_array_field_load(arr, a, in, rows), BASE_OK);
            ap_array_counters_reset(arr);
            ck_assert_int_eq(ap_reduce_max_groups(arr, a, acc, tmp, 59, sg, g), BASE_OK);
            ap_cost k;
            ap_op op = sg ? AP_OP_REDUCE_MAX_S : AP_OP_REDUCE_MAX_U;
            ck_assert_int_eq(ap_op_cost(op, n, 0, 0, g, &k), BASE_OK);
            ap_counters c;
            ap_array_counters(arr, &c);
            ck_assert_uint_eq(c.n_compares, k.n_compares);
            ck_assert_uint_eq(c.n_writes, k.n_writes);
            ck_assert_uint_eq(c.n_compared_cells, k.compared_cols * rows);
            ck_assert_uint_eq(c.n_plane_reads, k.n_plane_reads);
            ck_assert_uint_eq(c.n_plane_writes, k.n_plane_writes);
            double want = k.written_cells_per_row * (double)rows;
            ck_assert_msg((double)c.n_written_cells <= 1.3 * want &&
                              (double)c.n_written_cells >= 0.7 * want,
                          "max %u bits, groups of %zu: %llu written cells, model %.0f", n, g,
                          (unsigned long long)c.n_written_cells, want);
            ap_array_counters_reset(arr);
            ck_assert_int_eq(ap_broadcast_groups(arr, acc, tmp, 58, g), BASE_OK);
            ck_assert_int_eq(ap_op_cost(AP_OP_BROADCAST, n, 0, 0, g, &k), BASE_OK);
            ap_array_counters(arr, &c);
            ck_assert_uint_eq(c.n_compares, k.n_compares);
            ck_assert_uint_eq(c.n_writes, k.n_writes);
            ck_assert_uint_eq(c.n_compared_cells, k.compared_cols * rows);
            ck_assert_uint_eq(c.n_plane_reads, k.n_plane_reads);
            ck_assert_uint_eq(c.n_plane_writes, k.n_plane_writes);
            ck_assert_int_eq(ap_array_field_store(arr, acc, out, rows), BASE_OK);
            for (size_t base = 0; base < rows; base += g) {
                int64_t best = sg ? sx(in[base], n) : (int64_t)in[base];
                for (size_t r = base; r < base + g; r++) {
                    int64_t v = sg ? sx(in[r], n) : (int64_t)in[r];
                    best = v > best ? v : best;
                }
                for (size_t i = base; i < base + g; i++)
                    ROW_EQ(sg ? sx(out[i], n) : (int64_t)out[i], best);
            }
            /* Uniform leaders (the raw input): the broadcast's written cells. */
            ck_assert_int_eq(ap_array_field_load(arr, acc, in, rows), BASE_OK);
            ap_array_counters_reset(arr);
            ck_assert_int_eq(ap_broadcast_groups(arr, acc, tmp, 58, g), BASE_OK);
            ap_array_counters(arr, &c);
            want = k.written_cells_per_row * (double)rows;
            if (g >= 16 && n >= 8)
                ck_assert_msg((double)c.n_written_cells <= 1.05 * want &&
                                  (double)c.n_written_cells >= 0.95 * want,
                              "broadcast %u bits, groups of %zu: %llu written cells, model %.0f", n,
                              g, (unsigned long long)c.n_written_cells, want);
            ck_assert_int_eq(ap_array_field_store(arr, acc, out, rows), BASE_OK);
            for (size_t i = 0; i < rows; i++)
                ROW_EQ(out[i], in[i - i % g]);
            ap_array_free(arr);
        }
}
END_TEST

START_TEST(test_lookup_max_broadcast_errors)
{
    ap_array *arr;
    ck_assert_int_eq(ap_array_new(96, 80, &arr), BASE_OK);
    uint32_t table[16] = {0};
    ck_assert_int_eq(ap_lookup(arr, fld(0, 4), fld(8, 3), NULL), BASE_EINVAL);
    table[5] = 8;
    ck_assert_int_eq(ap_lookup(arr, fld(0, 4), fld(8, 3), table), BASE_EINVAL);
    ck_assert_str_eq(base_last_error(),
                     "error: ap lookup: entry 5 of the table (8) does not fit 3 bits");
    ck_assert_int_eq(ap_lookup(arr, fld(0, 4), fld(8, 4), table), BASE_OK);
    ck_assert_int_eq(ap_lookup(arr, fld(0, 4), fld(2, 4), table), BASE_EOVERLAP);
    ck_assert_int_eq(ap_lookup(arr, fld(0, 17), fld(20, 4), table), BASE_EINVAL);
    ck_assert_int_eq(ap_lookup(arr, fld(0, 4), fld(78, 4), table), BASE_ERANGE);
    /* 96 rows: groups of 32 divide them, 64 and 3 do not. */
    ap_field a = fld(0, 8), acc = fld(8, 8), tmp = fld(16, 8);
    ck_assert_int_eq(ap_reduce_max_groups(arr, a, acc, tmp, 30, true, 32), BASE_OK);
    ck_assert_int_eq(ap_reduce_max_groups(arr, a, acc, tmp, 30, true, 64), BASE_EINVAL);
    ck_assert_str_eq(base_last_error(),
                     "error: ap reduce_max: group of 64 rows is not a power of two dividing 96 "
                     "rows");
    ck_assert_int_eq(ap_reduce_max_groups(arr, a, acc, tmp, 30, true, 3), BASE_EINVAL);
    ck_assert_int_eq(ap_reduce_max_groups(arr, a, acc, tmp, 30, true, 0), BASE_EINVAL);
    ck_assert_int_eq(ap_reduce_max_groups(arr, a, fld(8, 7), tmp, 30, true, 32), BASE_EINVAL);
    ck_assert_int_eq(ap_reduce_max_groups(arr, a, acc, tmp, 10, true, 32), BASE_EOVERLAP);
    ck_assert_int_eq(ap_broadcast_groups(arr, acc, tmp, 30, 64), BASE_EINVAL);
    ck_assert_int_eq(ap_broadcast_groups(arr, acc, fld(16, 9), 30, 32), BASE_EINVAL);
    ck_assert_int_eq(ap_broadcast_groups(arr, fld(0, 33), fld(40, 33), 30, 32), BASE_EINVAL);
    ck_assert_int_eq(ap_broadcast_groups(arr, acc, tmp, 12, 32), BASE_EOVERLAP);
    ap_array_free(arr);
}
END_TEST

Suite *ap_suite(void)
{
    Suite *s = suite_create("ap");
    TCase *tc = tcase_create("array");
    tcase_add_test(tc, test_array_compare_write_tags);
    tcase_add_test(tc, test_array_planes_2d_access);
    tcase_add_test(tc, test_array_word_kernel_matches_simd);
    tcase_add_test(tc, test_array_new_errors);
    tcase_add_test(tc, test_primitive_errors);
    suite_add_tcase(s, tc);

    tc = tcase_create("fused");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_fused_matches_pass_by_pass);
    tcase_add_test(tc, test_fused_formulas_chosen);
    tcase_add_test(tc, test_field_load_paths);
    tcase_add_test(tc, test_field_load64_paths);
    suite_add_tcase(s, tc);
    tc = tcase_create("arith");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_add_all_pairs, 1, 17);
    tcase_add_loop_test(tc, test_sub_all_pairs, 1, 17);
    tcase_add_loop_test(tc, test_neg_all_values, 1, 17);
    tcase_add_loop_test(tc, test_add_oop_all_pairs, 1, 17);
    tcase_add_loop_test(tc, test_copy_all_values, 1, 17);
    tcase_add_loop_test(tc, test_gt_eq_max_all_pairs, 1, 17);
    tcase_add_loop_test(tc, test_relu_abs_all_values, 1, 17);
    tcase_add_loop_test(tc, test_shr_round_all_values, 0, 7);
    tcase_add_loop_test(tc, test_shr_round_random_wide, 9, 17);
    tcase_add_loop_test(tc, test_shr_round_random_acc, 17, 33);
    suite_add_tcase(s, tc);

    tc = tcase_create("mul");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_mul_all_pairs, 0, 64);
    tcase_add_loop_test(tc, test_mul_random_wide, 9, 17);
    tcase_add_loop_test(tc, test_mac_all_pairs, 0, 64);
    tcase_add_loop_test(tc, test_mac_all_pairs_all_acc, 0, 9);
    tcase_add_loop_test(tc, test_mac_random_wide, 9, 17);
    suite_add_tcase(s, tc);

    tc = tcase_create("div");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_divmod_all_pairs, 0, 64);
    tcase_add_loop_test(tc, test_divmod_random_wide, 0, 6);
    tcase_add_test(tc, test_divmod_cost_by_hand);
    tcase_add_loop_test(tc, test_wide_operand_ops, 0, 6);
    suite_add_tcase(s, tc);

    tc = tcase_create("reduce");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_reduce_sum_rows);
    tcase_add_loop_test(tc, test_reduce_groups_sums_and_cost, 0, 4);
    tcase_add_test(tc, test_reduce_groups_rejects_bad_group);
    tcase_add_loop_test(tc, test_lookup_random_tables, 0, 9);
    tcase_add_test(tc, test_lookup_cost_by_hand);
    tcase_add_loop_test(tc, test_reduce_max_and_broadcast_groups, 0, 2);
    tcase_add_test(tc, test_lookup_max_broadcast_errors);
    suite_add_tcase(s, tc);

    tc = tcase_create("table");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_op_table_rows);
    tcase_add_test(tc, test_luts_well_formed);
    tcase_add_test(tc, test_cost_counts_come_from_luts);
    tcase_add_test(tc, test_op_table_widths_match_ops);
    suite_add_tcase(s, tc);

    tc = tcase_create("cost");
    tcase_add_test(tc, test_cost_pass_counts_per_bit);
    tcase_add_test(tc, test_cost_rejects_bad_arguments);
    tcase_add_test(tc, test_cost_reduce_steps_huge_rows);
    tcase_add_test(tc, test_op_names_round_trip);
    tcase_add_test(tc, test_op_errors);
    tcase_add_test(tc, test_observer_segments_and_flips);
    suite_add_tcase(s, tc);
    return s;
}
