/* ap_ops.c - AP arithmetic as look-up tables of passes, applied bit-serially (LSB first) to
 * every row at once. Add/sub key orders and pass counts from the FPGA AP RTL
 * (github.com/hongzhengTian/Associative-Processor-on-FPGA, AP_ctrl.v); every other table is derived
 * in docs/AP_MODEL.md. */
#include <string.h>

#include "ap_core/ap_impl.h"

/* ---- The tables ------------------------------------------------------------------------
 * Pass notation: ap_impl.h. Within a table no row matches two passes of one bit position:
 * each pass moves the rows of one state to a state no later pass of the table compares for.
 * Writes cover only the bits that change. */
#define LUT(name, ...)                                                                             \
    static const ap_lut_pass name##_passes[] = {__VA_ARGS__};                                      \
    const ap_lut name = {sizeof name##_passes / sizeof name##_passes[0], name##_passes}

/* B := A + B + C; C := carry. Keys over (A, B, C) in the RTL's order. */
LUT(ap_lut_add, {"ABC", "110", "BC", "01"}, {"ABC", "100", "B", "1"}, {"ABC", "001", "BC", "10"},
    {"ABC", "011", "B", "0"});
/* B := B - A - C; C := borrow. */
LUT(ap_lut_sub, {"ABC", "100", "BC", "11"}, {"ABC", "110", "B", "0"}, {"ABC", "011", "BC", "00"},
    {"ABC", "001", "B", "1"});
/* Two's complement: A := A xor F; F := F or A (F: a 1 was seen below). 01 joins 10 first
 * (both end as 11), which frees state 01 for 11. */
LUT(ap_lut_neg, {"AF", "01", "AF", "10"}, {"AF", "11", "A", "0"}, {"AF", "10", "F", "1"});
/* Out-of-place full add into S (cleared): S := A xor B xor C; C := majority. */
LUT(ap_lut_add_oop, {"ABC", "111", "S", "1"}, {"ABC", "110", "C", "1"}, {"ABC", "100", "S", "1"},
    {"ABC", "010", "S", "1"}, {"ABC", "001", "SC", "10"});
/* Half add of the carry: B := B xor C; C := B and C. */
LUT(ap_lut_half, {"BC", "01", "BC", "10"}, {"BC", "11", "B", "0"});
/* D := A for a cleared D. */
LUT(ap_lut_copy, {"A", "1", "D", "1"});
/* Carry out of a multiply step into the (zero) next product bit P; clears C. */
LUT(ap_lut_move, {"C", "1", "PC", "10"});
/* F := (A > B) over the bits so far, LSB first; at the sign bit of signed operands the
 * order of A and B is reversed. */
LUT(ap_lut_gt, {"ABF", "100", "F", "1"}, {"ABF", "011", "F", "0"});
LUT(ap_lut_gt_sign, {"ABF", "010", "F", "1"}, {"ABF", "101", "F", "0"});
/* F (set beforehand) := 0 where A and B differ. */
LUT(ap_lut_eq, {"ABF", "101", "F", "0"}, {"ABF", "011", "F", "0"});
/* B := A where F (A > B) is set. */
LUT(ap_lut_select, {"FAB", "110", "B", "1"}, {"FAB", "101", "B", "0"});
/* |A|: ap_lut_neg restricted to rows whose sign S is set; at the sign bit only 11 changes. */
LUT(ap_lut_abs, {"AFS", "011", "AF", "10"}, {"AFS", "111", "A", "0"}, {"AFS", "101", "F", "1"});
LUT(ap_lut_abs_sign, {"AF", "11", "A", "0"});

const ap_lut *const ap_luts[] = {&ap_lut_add,     &ap_lut_sub,  &ap_lut_neg,    &ap_lut_add_oop,
                                 &ap_lut_half,    &ap_lut_copy, &ap_lut_move,   &ap_lut_gt,
                                 &ap_lut_gt_sign, &ap_lut_eq,   &ap_lut_select, &ap_lut_abs,
                                 &ap_lut_abs_sign};
const unsigned ap_n_luts = sizeof ap_luts / sizeof ap_luts[0];

/* Column bound to each slot letter, and an optional guard column (key 1) added to every
 * compare of a table: the multiplier bit in conditional adds. */
typedef struct slots {
    unsigned col[26];
} slots;

static void lut_run(ap_array *arr, const ap_lut *t, const slots *s, const unsigned *guard)
{
    ap_lut_run(arr, t, s->col, guard);
}

void ap_lut_run(ap_array *arr, const ap_lut *t, const unsigned *col, const unsigned *guard)
{
    unsigned cc[AP_PASS_MAX], wc[AP_PASS_MAX];
    unsigned char key[AP_PASS_MAX], val[AP_PASS_MAX];
    for (unsigned p = 0; p < t->n_passes; p++) {
        const ap_lut_pass *lp = &t->pass[p];
        unsigned nc = 0, nw = 0;
        for (const char *c = lp->cmp, *k = lp->key; *c; c++, k++, nc++) {
            cc[nc] = col[*c - 'A'];
            key[nc] = (unsigned char)(*k - '0');
        }
        if (guard) {
            cc[nc] = *guard;
            key[nc++] = 1;
        }
        for (const char *c = lp->wr, *v = lp->val; *c; c++, v++, nw++) {
            wc[nw] = col[*c - 'A'];
            val[nw] = (unsigned char)(*v - '0');
        }
        if (arr->fuse)
            ap_count_pass(arr, nc, cc, nw, wc); /* run below, fused */
        else
            ap_pass(arr, nc, cc, key, nw, wc, val);
    }
    if (arr->fuse)
        ap_fuse_lut(arr, t, col, guard);
}

/* Binds up to four slots; unused ones are passed as 0 with letter '\0'. */
static slots bind(char l1, unsigned c1, char l2, unsigned c2, char l3, unsigned c3, char l4,
                  unsigned c4)
{
    slots s;
    memset(&s, 0, sizeof s);
    s.col[l1 - 'A'] = c1;
    s.col[l2 - 'A'] = c2;
    if (l3)
        s.col[l3 - 'A'] = c3;
    if (l4)
        s.col[l4 - 'A'] = c4;
    return s;
}

static void fill_field(ap_array *arr, ap_field f, unsigned extra_col, bool with_extra,
                       unsigned char value)
{
    unsigned cols[AP_PASS_MAX];
    unsigned n = 0;
    for (unsigned i = 0; i < f.width; i++)
        cols[n++] = f.col + i;
    if (with_extra)
        cols[n++] = extra_col;
    ap_fill(arr, n, cols, value);
}

static void fill_col(ap_array *arr, unsigned col, unsigned char value)
{
    ap_fill(arr, 1, &col, value);
}

/* ---- Validation ------------------------------------------------------------------------ */

base_status ap_check_width(const char *op, const char *name, unsigned width, unsigned max)
{
    if (width == 0 || width > max)
        return BASE_ERROR(BASE_EINVAL, "ap %s: width %u of %s is not in 1..%u", op, width, name,
                          max);
    return BASE_OK;
}

base_status ap_check_regions(const ap_array *arr, const char *op, const ap_region *r, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        if (!ap_cols_inside(arr, r[i].f.col, r[i].f.width))
            return BASE_ERROR(BASE_ERANGE,
                              "ap %s: %s (columns %u..%u) lies outside the array (%u columns)", op,
                              r[i].name, r[i].f.col, r[i].f.col + r[i].f.width - 1, arr->n_cols);
    }
    for (unsigned i = 0; i < n; i++)
        for (unsigned j = i + 1; j < n; j++) {
            const ap_field a = r[i].f, b = r[j].f;
            if (a.col < b.col + b.width && b.col < a.col + a.width)
                return BASE_ERROR(BASE_EOVERLAP, "ap %s: %s and %s overlap", op, r[i].name,
                                  r[j].name);
        }
    return BASE_OK;
}

static ap_field col1(unsigned col)
{
    ap_field f = {col, 1};
    return f;
}

static base_status check_pair(const char *op, ap_field a, ap_field b)
{
    BASE_TRY(ap_check_width(op, "a", a.width, AP_WIDTH_MAX));
    BASE_TRY(ap_check_width(op, "b", b.width, AP_WIDTH_MAX));
    if (a.width != b.width)
        return BASE_ERROR(BASE_EINVAL, "ap %s: widths of a (%u) and b (%u) differ", op, a.width,
                          b.width);
    return BASE_OK;
}

/* ---- Ops ------------------------------------------------------------------------------- */

static void run_inplace(ap_array *arr, const ap_lut *t, ap_field a, ap_field b, unsigned c)
{
    fill_col(arr, c, 0);
    for (unsigned i = 0; i < a.width; i++) {
        slots s = bind('A', a.col + i, 'B', b.col + i, 'C', c, 0, 0);
        lut_run(arr, t, &s, NULL);
    }
}

base_status ap_add(ap_array *arr, ap_field a, ap_field b, unsigned carry_col)
{
    BASE_TRY(check_pair("add", a, b));
    ap_region r[] = {{"a", a}, {"b", b}, {"carry column", col1(carry_col)}};
    BASE_TRY(ap_check_regions(arr, "add", r, 3));
    run_inplace(arr, &ap_lut_add, a, b, carry_col);
    ap_fuse_flush(arr);
    return BASE_OK;
}

base_status ap_sub(ap_array *arr, ap_field a, ap_field b, unsigned borrow_col)
{
    BASE_TRY(check_pair("sub", a, b));
    ap_region r[] = {{"a", a}, {"b", b}, {"borrow column", col1(borrow_col)}};
    BASE_TRY(ap_check_regions(arr, "sub", r, 3));
    run_inplace(arr, &ap_lut_sub, a, b, borrow_col);
    ap_fuse_flush(arr);
    return BASE_OK;
}

base_status ap_neg(ap_array *arr, ap_field a, unsigned flag_col)
{
    BASE_TRY(ap_check_width("neg", "a", a.width, AP_WIDTH_MAX));
    ap_region r[] = {{"a", a}, {"flag column", col1(flag_col)}};
    BASE_TRY(ap_check_regions(arr, "neg", r, 2));
    fill_col(arr, flag_col, 0);
    for (unsigned i = 0; i < a.width; i++) {
        slots s = bind('A', a.col + i, 'F', flag_col, 0, 0, 0, 0);
        lut_run(arr, &ap_lut_neg, &s, NULL);
    }
    ap_fuse_flush(arr);
    return BASE_OK;
}

base_status ap_add_oop(ap_array *arr, ap_field a, ap_field b, ap_field s, unsigned carry_col)
{
    BASE_TRY(check_pair("add_oop", a, b));
    if (s.width != a.width)
        return BASE_ERROR(BASE_EINVAL, "ap add_oop: width of s (%u) differs from a and b (%u)",
                          s.width, a.width);
    ap_region r[] = {{"a", a}, {"b", b}, {"s", s}, {"carry column", col1(carry_col)}};
    BASE_TRY(ap_check_regions(arr, "add_oop", r, 4));
    fill_field(arr, s, carry_col, true, 0);
    for (unsigned i = 0; i < a.width; i++) {
        slots sl = bind('A', a.col + i, 'B', b.col + i, 'C', carry_col, 'S', s.col + i);
        lut_run(arr, &ap_lut_add_oop, &sl, NULL);
    }
    ap_fuse_flush(arr);
    return BASE_OK;
}

base_status ap_copy(ap_array *arr, ap_field a, ap_field d)
{
    BASE_TRY(ap_check_width("copy", "a", a.width, AP_WIDTH_MAX));
    if (d.width != a.width)
        return BASE_ERROR(BASE_EINVAL, "ap copy: width of d (%u) differs from a (%u)", d.width,
                          a.width);
    ap_region r[] = {{"a", a}, {"d", d}};
    BASE_TRY(ap_check_regions(arr, "copy", r, 2));
    fill_field(arr, d, 0, false, 0);
    for (unsigned i = 0; i < a.width; i++) {
        slots s = bind('A', a.col + i, 'D', d.col + i, 0, 0, 0, 0);
        lut_run(arr, &ap_lut_copy, &s, NULL);
    }
    ap_fuse_flush(arr);
    return BASE_OK;
}

/* Shift-and-add driven by the multiplier bits b_j. Unsigned: step j adds a into product bits
 * j..j+wa-1 in the rows where b_j = 1 (the guard), then moves the carry into bit j+wa, which
 * is still zero. Signed (sign extension): step j first extends the partial product by one bit
 * (copies bit j+wa-1 into j+wa), then adds a sign-extended to wa+1 bits into bits j..j+wa, or
 * subtracts it at the multiplier's sign bit (weight -2^(wb-1)), then clears the carry. */
static void mul_core(ap_array *arr, ap_field a, ap_field b, ap_field p, unsigned c, bool is_signed)
{
    fill_field(arr, p, c, true, 0);
    for (unsigned j = 0; j < b.width; j++) {
        unsigned guard = b.col + j;
        if (!is_signed) {
            for (unsigned i = 0; i < a.width; i++) {
                slots s = bind('A', a.col + i, 'B', p.col + j + i, 'C', c, 0, 0);
                lut_run(arr, &ap_lut_add, &s, &guard);
            }
            slots s = bind('C', c, 'P', p.col + j + a.width, 0, 0, 0, 0);
            lut_run(arr, &ap_lut_move, &s, NULL);
            continue;
        }
        slots e = bind('A', p.col + j + a.width - 1, 'D', p.col + j + a.width, 0, 0, 0, 0);
        lut_run(arr, &ap_lut_copy, &e, NULL);
        const ap_lut *t = j + 1 == b.width ? &ap_lut_sub : &ap_lut_add;
        for (unsigned i = 0; i <= a.width; i++) {
            unsigned ai = i < a.width ? i : a.width - 1;
            slots s = bind('A', a.col + ai, 'B', p.col + j + i, 'C', c, 0, 0);
            lut_run(arr, t, &s, &guard);
        }
        fill_col(arr, c, 0);
    }
}

base_status ap_mul(ap_array *arr, ap_field a, ap_field b, ap_field p, unsigned carry_col,
                   bool is_signed)
{
    BASE_TRY(ap_check_width("mul", "a", a.width, AP_WIDTH_MAX));
    BASE_TRY(ap_check_width("mul", "b", b.width, AP_WIDTH_MAX));
    if (a.width + b.width > AP_WIDTH_MAX)
        return BASE_ERROR(BASE_EINVAL, "ap mul: product width %u + %u exceeds %u", a.width, b.width,
                          AP_WIDTH_MAX);
    if (p.width != a.width + b.width)
        return BASE_ERROR(BASE_EINVAL, "ap mul: product width %u is not %u + %u", p.width, a.width,
                          b.width);
    ap_region r[] = {{"a", a}, {"b", b}, {"p", p}, {"carry column", col1(carry_col)}};
    BASE_TRY(ap_check_regions(arr, "mul", r, 4));
    mul_core(arr, a, b, p, carry_col, is_signed);
    ap_fuse_flush(arr);
    return BASE_OK;
}

base_status ap_mac(ap_array *arr, ap_field a, ap_field b, ap_field acc, ap_field tmp,
                   unsigned carry_col, bool is_signed)
{
    BASE_TRY(ap_check_width("mac", "a", a.width, AP_WIDTH_MAX));
    BASE_TRY(ap_check_width("mac", "b", b.width, AP_WIDTH_MAX));
    unsigned wp = a.width + b.width;
    BASE_TRY(ap_check_width("mac", "acc", acc.width, AP_ACC_WIDTH_MAX));
    if (acc.width < wp)
        return BASE_ERROR(BASE_EINVAL, "ap mac: accumulator width %u is below the product width %u",
                          acc.width, wp);
    if (tmp.width != wp)
        return BASE_ERROR(BASE_EINVAL, "ap mac: tmp width %u is not %u + %u", tmp.width, a.width,
                          b.width);
    ap_region r[] = {
        {"a", a}, {"b", b}, {"acc", acc}, {"tmp", tmp}, {"carry column", col1(carry_col)}};
    BASE_TRY(ap_check_regions(arr, "mac", r, 5));
    mul_core(arr, a, b, tmp, carry_col, is_signed);
    /* The product is added with zero extension (half adds of the carry) or sign extension
     * (full adds of the product's sign bit); mul_core leaves the carry clear. */
    for (unsigned i = 0; i < acc.width; i++) {
        if (i < wp || is_signed) {
            unsigned ti = i < wp ? i : wp - 1;
            slots s = bind('A', tmp.col + ti, 'B', acc.col + i, 'C', carry_col, 0, 0);
            lut_run(arr, &ap_lut_add, &s, NULL);
        } else {
            slots s = bind('B', acc.col + i, 'C', carry_col, 0, 0, 0, 0);
            lut_run(arr, &ap_lut_half, &s, NULL);
        }
    }
    ap_fuse_flush(arr);
    return BASE_OK;
}

static base_status check_cmp(ap_array *arr, const char *op, ap_field a, ap_field b, unsigned f)
{
    BASE_TRY(check_pair(op, a, b));
    ap_region r[] = {{"a", a}, {"b", b}, {"flag column", col1(f)}};
    return ap_check_regions(arr, op, r, 3);
}

static void gt_core(ap_array *arr, ap_field a, ap_field b, unsigned f, bool is_signed)
{
    fill_col(arr, f, 0);
    for (unsigned i = 0; i < a.width; i++) {
        slots s = bind('A', a.col + i, 'B', b.col + i, 'F', f, 0, 0);
        lut_run(arr, is_signed && i + 1 == a.width ? &ap_lut_gt_sign : &ap_lut_gt, &s, NULL);
    }
}

base_status ap_gt(ap_array *arr, ap_field a, ap_field b, unsigned flag_col, bool is_signed)
{
    BASE_TRY(check_cmp(arr, "gt", a, b, flag_col));
    gt_core(arr, a, b, flag_col, is_signed);
    ap_fuse_flush(arr);
    return BASE_OK;
}

base_status ap_eq(ap_array *arr, ap_field a, ap_field b, unsigned flag_col)
{
    BASE_TRY(check_cmp(arr, "eq", a, b, flag_col));
    fill_col(arr, flag_col, 1);
    for (unsigned i = 0; i < a.width; i++) {
        slots s = bind('A', a.col + i, 'B', b.col + i, 'F', flag_col, 0, 0);
        lut_run(arr, &ap_lut_eq, &s, NULL);
    }
    ap_fuse_flush(arr);
    return BASE_OK;
}

/* b := max(a, b): gt into flag_col, then a selected into b where it is greater. */
static void max_core(ap_array *arr, ap_field a, ap_field b, unsigned flag_col, bool is_signed)
{
    gt_core(arr, a, b, flag_col, is_signed);
    for (unsigned i = 0; i < a.width; i++) {
        slots s = bind('F', flag_col, 'A', a.col + i, 'B', b.col + i, 0, 0);
        lut_run(arr, &ap_lut_select, &s, NULL);
    }
}

base_status ap_max(ap_array *arr, ap_field a, ap_field b, unsigned flag_col, bool is_signed)
{
    BASE_TRY(check_cmp(arr, "max", a, b, flag_col));
    max_core(arr, a, b, flag_col, is_signed);
    ap_fuse_flush(arr);
    return BASE_OK;
}

base_status ap_relu(ap_array *arr, ap_field a)
{
    BASE_TRY(ap_check_width("relu", "a", a.width, AP_WIDTH_MAX));
    ap_region r[] = {{"a", a}};
    BASE_TRY(ap_check_regions(arr, "relu", r, 1));
    /* One pass: rows whose sign bit is set clear every bit of the field. */
    unsigned sign = a.col + a.width - 1, cols[AP_WIDTH_MAX];
    unsigned char one = 1, zeros[AP_WIDTH_MAX] = {0};
    for (unsigned i = 0; i < a.width; i++)
        cols[i] = a.col + i;
    ap_pass(arr, 1, &sign, &one, a.width, cols, zeros);
    ap_fuse_flush(arr);
    return BASE_OK;
}

base_status ap_abs(ap_array *arr, ap_field a, unsigned flag_col)
{
    BASE_TRY(ap_check_width("abs", "a", a.width, AP_WIDTH_MAX));
    ap_region r[] = {{"a", a}, {"flag column", col1(flag_col)}};
    BASE_TRY(ap_check_regions(arr, "abs", r, 2));
    unsigned sign = a.col + a.width - 1;
    fill_col(arr, flag_col, 0);
    for (unsigned i = 0; i + 1 < a.width; i++) {
        slots s = bind('A', a.col + i, 'F', flag_col, 'S', sign, 0, 0);
        lut_run(arr, &ap_lut_abs, &s, NULL);
    }
    slots s = bind('A', sign, 'F', flag_col, 0, 0, 0, 0);
    lut_run(arr, &ap_lut_abs_sign, &s, NULL);
    ap_fuse_flush(arr);
    return BASE_OK;
}

base_status ap_shr_round(ap_array *arr, ap_field a, unsigned shift, ap_field d, unsigned carry_col,
                         bool is_signed)
{
    BASE_TRY(ap_check_width("shr_round", "a", a.width, AP_ACC_WIDTH_MAX));
    BASE_TRY(ap_check_width("shr_round", "d", d.width, AP_ACC_WIDTH_MAX));
    if (shift == 0 || shift >= a.width)
        return BASE_ERROR(BASE_EINVAL, "ap shr_round: shift %u is not in 1..%u", shift,
                          a.width - 1);
    ap_region r[] = {{"a", a}, {"d", d}, {"carry column", col1(carry_col)}};
    BASE_TRY(ap_check_regions(arr, "shr_round", r, 3));
    unsigned k = a.width - shift;
    fill_field(arr, d, carry_col, true, 0);
    /* d := a >> shift (extended), carry := bit shift-1 of a, then d += carry. */
    for (unsigned i = 0; i < d.width && (i < k || is_signed); i++) {
        unsigned src = a.col + (i < k ? shift + i : a.width - 1);
        slots s = bind('A', src, 'D', d.col + i, 0, 0, 0, 0);
        lut_run(arr, &ap_lut_copy, &s, NULL);
    }
    slots cs = bind('A', a.col + shift - 1, 'D', carry_col, 0, 0, 0, 0);
    lut_run(arr, &ap_lut_copy, &cs, NULL);
    for (unsigned i = 0; i < d.width; i++) {
        slots s = bind('B', d.col + i, 'C', carry_col, 0, 0, 0, 0);
        lut_run(arr, &ap_lut_half, &s, NULL);
    }
    ap_fuse_flush(arr);
    return BASE_OK;
}

base_status ap_reduce_sum(ap_array *arr, ap_field a, ap_field acc, ap_field tmp, unsigned carry_col,
                          bool is_signed)
{
    return ap_reduce_sum_groups(arr, a, acc, tmp, carry_col, is_signed, arr->n_rows);
}

base_status ap_reduce_sum_groups(ap_array *arr, ap_field a, ap_field acc, ap_field tmp,
                                 unsigned carry_col, bool is_signed, size_t group_rows)
{
    if (group_rows == 0 || group_rows > arr->n_rows ||
        (group_rows != arr->n_rows && (group_rows & (group_rows - 1)) != 0))
        return BASE_ERROR(BASE_EINVAL,
                          "ap reduce_sum: group of %zu rows is neither a power of two up to %zu "
                          "nor %zu",
                          group_rows, arr->n_rows, arr->n_rows);
    BASE_TRY(ap_check_width("reduce_sum", "a", a.width, AP_ACC_WIDTH_MAX));
    BASE_TRY(ap_check_width("reduce_sum", "acc", acc.width, AP_ACC_WIDTH_MAX));
    if (acc.width < a.width)
        return BASE_ERROR(BASE_EINVAL, "ap reduce_sum: accumulator width %u is below a's %u",
                          acc.width, a.width);
    if (tmp.width != acc.width)
        return BASE_ERROR(BASE_EINVAL, "ap reduce_sum: tmp width %u differs from acc's %u",
                          tmp.width, acc.width);
    ap_region r[] = {{"a", a}, {"acc", acc}, {"tmp", tmp}, {"carry column", col1(carry_col)}};
    BASE_TRY(ap_check_regions(arr, "reduce_sum", r, 4));
    fill_field(arr, acc, 0, false, 0);
    for (unsigned i = 0; i < acc.width && (i < a.width || is_signed); i++) {
        unsigned src = a.col + (i < a.width ? i : a.width - 1);
        slots s = bind('A', src, 'D', acc.col + i, 0, 0, 0, 0);
        lut_run(arr, &ap_lut_copy, &s, NULL);
    }
    /* Tree step k: row r adds the partial sum of row r + 2^k, moved through the 2D AP's
     * column port one bit-plane at a time. */
    unsigned steps = reduce_steps(group_rows);
    for (unsigned k = 0; k < steps; k++) {
        size_t by = (size_t)1 << k;
        for (unsigned i = 0; i < acc.width; i++)
            ap_plane_shift(arr, acc.col + i, tmp.col + i, by);
        run_inplace(arr, &ap_lut_add, tmp, acc, carry_col);
    }
    ap_fuse_flush(arr);
    return BASE_OK;
}

/* ---- Table lookup, group maximum, group broadcast ------------------------------------------
 * The classic associative way of evaluating any function of a field (Foster, "Content
 * Addressable Parallel Processors", 1976; Yavits, Morad, Ginosar, IEEE TC 64(2), 2015): one
 * masked compare of the input columns per input value, all rows in parallel, and a write of
 * that value's table entry into the tagged rows. */

/* Fused arrays: the same 2^a passes counted as ap_pass counts them, and their net effect
 * (d := table[a] in every row; padding rows untouched) computed 64 rows at a time. */
static void lookup_fused(ap_array *arr, ap_field a, ap_field d, const uint32_t *table,
                         const unsigned *acols, const unsigned *dcols)
{
    ap_fuse_flush(arr);
    for (uint32_t v = 0; v < (1u << a.width); v++)
        ap_count_pass(arr, a.width, acols, d.width, dcols);
    for (size_t w = 0; w < arr->n_words; w++) {
        uint64_t valid = arr->valid[w], out[AP_ACC_WIDTH_MAX] = {0};
        if (!valid)
            continue;
        uint32_t idx[64] = {0};
        for (unsigned i = 0; i < a.width; i++) {
            uint64_t bits = ap_plane(arr, a.col + i)[w];
            for (unsigned r = 0; r < 64; r++)
                idx[r] |= (uint32_t)((bits >> r) & 1u) << i;
        }
        for (unsigned r = 0; r < 64; r++) {
            uint32_t y = table[idx[r]];
            for (unsigned j = 0; j < d.width; j++)
                out[j] |= (uint64_t)((y >> j) & 1u) << r;
        }
        for (unsigned j = 0; j < d.width; j++) {
            uint64_t *p = &ap_plane(arr, d.col + j)[w];
            *p = (*p & ~valid) | (out[j] & valid);
        }
    }
}

base_status ap_lookup(ap_array *arr, ap_field a, ap_field d, const uint32_t *table)
{
    BASE_TRY(ap_check_width("lookup", "a", a.width, AP_LOOKUP_WIDTH_MAX));
    BASE_TRY(ap_check_width("lookup", "d", d.width, AP_ACC_WIDTH_MAX));
    ap_region r[] = {{"a", a}, {"d", d}};
    BASE_TRY(ap_check_regions(arr, "lookup", r, 2));
    if (!table)
        return BASE_ERROR(BASE_EINVAL, "ap lookup: no table");
    const uint32_t n_in = 1u << a.width;
    const uint64_t top = d.width >= 32 ? UINT32_MAX : (1ull << d.width) - 1u;
    for (uint32_t v = 0; v < n_in; v++)
        if (table[v] > top)
            return BASE_ERROR(BASE_EINVAL,
                              "ap lookup: entry %u of the table (%u) does not fit %u bits", v,
                              table[v], d.width);
    unsigned acols[AP_LOOKUP_WIDTH_MAX], dcols[AP_ACC_WIDTH_MAX];
    unsigned char key[AP_LOOKUP_WIDTH_MAX], val[AP_ACC_WIDTH_MAX];
    for (unsigned i = 0; i < a.width; i++)
        acols[i] = a.col + i;
    for (unsigned j = 0; j < d.width; j++)
        dcols[j] = d.col + j;
    if (arr->fuse) {
        lookup_fused(arr, a, d, table, acols, dcols);
        return BASE_OK;
    }
    /* Every row holds exactly one input value, so every row is written exactly once. */
    for (uint32_t v = 0; v < n_in; v++) {
        for (unsigned i = 0; i < a.width; i++)
            key[i] = (unsigned char)((v >> i) & 1u);
        for (unsigned j = 0; j < d.width; j++)
            val[j] = (unsigned char)((table[v] >> j) & 1u);
        ap_pass(arr, a.width, acols, key, d.width, dcols, val);
    }
    return BASE_OK;
}

/* A group size for the trees below: a power of two that divides the rows. */
static base_status check_group(const ap_array *arr, const char *op, size_t group_rows)
{
    if (group_rows == 0 || group_rows > arr->n_rows || (group_rows & (group_rows - 1)) != 0 ||
        arr->n_rows % group_rows != 0)
        return BASE_ERROR(BASE_EINVAL,
                          "ap %s: group of %zu rows is not a power of two dividing %zu rows", op,
                          group_rows, arr->n_rows);
    return BASE_OK;
}

base_status ap_reduce_max_groups(ap_array *arr, ap_field a, ap_field acc, ap_field tmp,
                                 unsigned flag_col, bool is_signed, size_t group_rows)
{
    BASE_TRY(check_group(arr, "reduce_max", group_rows));
    BASE_TRY(ap_check_width("reduce_max", "a", a.width,
                            AP_ACC_WIDTH_MAX)); /* a tree op, as reduce_sum */
    BASE_TRY(check_pair("reduce_max", a, acc));
    BASE_TRY(check_pair("reduce_max", a, tmp));
    ap_region r[] = {{"a", a}, {"acc", acc}, {"tmp", tmp}, {"flag column", col1(flag_col)}};
    BASE_TRY(ap_check_regions(arr, "reduce_max", r, 4));
    fill_field(arr, acc, 0, false, 0);
    for (unsigned i = 0; i < a.width; i++) {
        slots s = bind('A', a.col + i, 'D', acc.col + i, 0, 0, 0, 0);
        lut_run(arr, &ap_lut_copy, &s, NULL);
    }
    /* Tree step k: row r takes the larger of its value and row r + 2^k's. */
    unsigned steps = reduce_steps(group_rows);
    for (unsigned k = 0; k < steps; k++) {
        for (unsigned i = 0; i < acc.width; i++)
            ap_plane_shift(arr, acc.col + i, tmp.col + i, (size_t)1 << k);
        max_core(arr, tmp, acc, flag_col, is_signed);
    }
    ap_fuse_flush(arr);
    return BASE_OK;
}

base_status ap_broadcast_groups(ap_array *arr, ap_field f, ap_field tmp, unsigned flag_col,
                                size_t group_rows)
{
    BASE_TRY(check_group(arr, "broadcast", group_rows));
    BASE_TRY(ap_check_width("broadcast", "f", f.width, AP_ACC_WIDTH_MAX));
    if (tmp.width != f.width)
        return BASE_ERROR(BASE_EINVAL, "ap broadcast: tmp width %u differs from f's %u", tmp.width,
                          f.width);
    ap_region r[] = {{"f", f}, {"tmp", tmp}, {"flag column", col1(flag_col)}};
    BASE_TRY(ap_check_regions(arr, "broadcast", r, 3));
    /* The leaders' pattern through the column port, then every other row cleared. */
    for (size_t w = 0; w < arr->n_words; w++) {
        uint64_t lead = 0;
        for (unsigned b = 0; b < 64; b++)
            if ((((uint64_t)w * 64u + b) & (group_rows - 1u)) == 0)
                lead |= (uint64_t)1 << b;
        arr->scratch[w] = lead & arr->valid[w];
    }
    ap_fuse_flush(arr);
    BASE_TRY(ap_array_plane_write(arr, flag_col, arr->scratch, arr->n_words));
    unsigned dcols[AP_ACC_WIDTH_MAX];
    unsigned char zero[AP_ACC_WIDTH_MAX] = {0}, key0 = 0;
    for (unsigned j = 0; j < f.width; j++)
        dcols[j] = f.col + j;
    ap_pass(arr, 1, &flag_col, &key0, f.width, dcols, zero);
    /* Step k: row r ORs in row r - 2^k; rows 0 .. 2^(k+1) - 1 of a group then hold its leader's
     * value and the rest zero, so no value crosses into the next group. */
    unsigned steps = reduce_steps(group_rows);
    for (unsigned k = 0; k < steps; k++) {
        for (unsigned i = 0; i < f.width; i++)
            ap_plane_shift_down(arr, f.col + i, tmp.col + i, (size_t)1 << k);
        for (unsigned i = 0; i < f.width; i++) {
            slots s = bind('A', tmp.col + i, 'D', f.col + i, 0, 0, 0, 0);
            lut_run(arr, &ap_lut_copy, &s, NULL);
        }
    }
    ap_fuse_flush(arr);
    return BASE_OK;
}

/* ---- Names: the op table's name column ------------------------------------------------- */

const char *ap_op_name(ap_op op)
{
    if ((unsigned)op >= AP_OP_COUNT)
        return "unknown";
    return ap_op_rows[op].name;
}

base_status ap_op_from_name(const char *name, ap_op *out)
{
    for (unsigned i = 0; i < AP_OP_COUNT; i++)
        if (name && strcmp(name, ap_op_rows[i].name) == 0) {
            *out = (ap_op)i;
            return BASE_OK;
        }
    return BASE_ERROR(BASE_ENOTFOUND, "ap: no op named '%s'", name ? name : "(null)");
}
