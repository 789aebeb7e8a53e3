/* exec_onnx_int.c - ONNX integer and bool operators run on the AP model for the conformance
 * runner (exec_onnx.c): BitShift, Mod, integer Div, Equal, And, Or, Xor, Not and Where, one
 * element per row. Semantics from the ONNX operator specification (onnx.ai/onnx/operators:
 * BitShift, Mod with its fmod attribute, Div, Equal, And, Or, Xor, Not, Where); the arithmetic
 * runs on ap_core (ap_divmod_u, ap_abs, ap_neg, ap_sub, ap_eq, ap_copy) and the selections
 * and logic as compare/write pairs of the AP's primitives; C only places the broadcast
 * operands into the rows and reads the results back (docs/ONNX.md). */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ap_core/ap.h"
#include "exec/exec_onnx_impl.h"

/* ---- Shared helpers: the case, broadcasting, widths --------------------------------------- */

void onx_say(tcase *tc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tc->why, tc->cap, fmt, ap);
    va_end(ap);
}

size_t onx_bcast_index(const net_tensor *t, const net_tensor *outt, size_t flat)
{
    size_t idx = 0, stride = 1;
    for (int d = outt->n_dims - 1, td = t->n_dims - 1; d >= 0; d--, td--) {
        size_t od = (size_t)outt->dims[d], coord = flat % od;
        flat /= od;
        if (td < 0)
            continue;
        size_t tdim = (size_t)t->dims[td];
        idx += (tdim == 1 ? 0 : coord) * stride;
        stride *= tdim;
    }
    return idx;
}

/* numpy rules: no more dimensions than the output, each trailing dimension 1 or equal;
 * onx_bcast_index relies on it. */
base_status onx_bcast_check(const tcase *tc, const net_tensor *t, const net_tensor *outt)
{
    int ok = t->n_dims <= outt->n_dims;
    for (int d = outt->n_dims - 1, td = t->n_dims - 1; ok && td >= 0; d--, td--)
        ok = t->dims[td] == 1 || t->dims[td] == outt->dims[d];
    if (!ok)
        return base_error_at(BASE_ESHAPE, tc->where, 0, 0,
                             "input '%s' does not broadcast to the expected output's shape",
                             t->name);
    return BASE_OK;
}

int onx_operand_width(tcase *tc, int dtype, unsigned *w, int *is_signed)
{
    unsigned bits = net_dtype_bits(dtype);
    if (!net_dtype_is_int(dtype) || dtype == NET_DT_BOOL) {
        onx_say(tc, "%s tensors: float-only case, out of scope", net_dtype_name(dtype));
        return 0;
    }
    if (bits > AP_WIDTH_MAX) {
        onx_say(tc, "%s operands are wider than the AP's %u-bit operand fields",
                net_dtype_name(dtype), AP_WIDTH_MAX);
        return 0;
    }
    *w = bits;
    *is_signed = dtype == NET_DT_INT8 || dtype == NET_DT_INT16 || dtype == NET_DT_INT32 ||
                 dtype == NET_DT_INT64;
    return 1;
}

void onx_count(tcase *tc, const ap_array *arr)
{
    if (!arr)
        return;
    ap_counters k;
    ap_array_counters(arr, &k);
    ap_counters_add(&tc->ap, &k);
}

uint64_t onx_low_bits(unsigned w)
{
    return w >= 64u ? ~0ull : (1ull << w) - 1u;
}

int64_t onx_sext(uint64_t v, unsigned w, int is_signed)
{
    v &= onx_low_bits(w);
    if (is_signed && w < 64u && (v >> (w - 1)) & 1)
        v |= ~0ull << w;
    return (int64_t)v;
}

/* ---- AP programs from the primitives ---------------------------------------------------- */

#define NO_COL UINT_MAX /* a source bit that is 0 (shifted in) */

/* Tags the rows whose bits cols[i] equal key[i] (n = 0: every row), then writes value into the
 * n_w columns wcols of the tagged rows: one compare and one write. */
static base_status cmp_write(ap_array *arr, const unsigned *cols, const unsigned char *key,
                             unsigned n, const unsigned *wcols, unsigned n_w, unsigned char value)
{
    unsigned char bits[AP_WIDTH_MAX];
    memset(bits, value, sizeof bits);
    BASE_TRY(ap_array_compare(arr, cols, key, n, AP_TAG_SET));
    return ap_array_write(arr, wcols, bits, n_w);
}

/* Bit dst := bit src (NO_COL: 0) in the rows whose bit cond is key: per source value one
 * compare of (cond, src) and one write. */
static base_status select_col(ap_array *arr, unsigned cond, unsigned char key, unsigned src,
                              unsigned dst)
{
    if (src == NO_COL)
        return cmp_write(arr, &cond, &key, 1, &dst, 1, 0);
    unsigned cc[2] = {cond, src};
    for (unsigned char b = 0; b < 2; b++) {
        unsigned char k[2] = {key, b};
        BASE_TRY(cmp_write(arr, cc, k, 2, &dst, 1, b));
    }
    return BASE_OK;
}

/* Field dst := src where bit cond is key. */
static base_status select_field(ap_array *arr, unsigned cond, unsigned char key, ap_field src,
                                ap_field dst)
{
    for (unsigned i = 0; i < dst.width; i++)
        BASE_TRY(select_col(arr, cond, key, src.col + i, dst.col + i));
    return BASE_OK;
}

/* f := -f where bit cond is 1 (t: a work field as wide as f, flag: a work column). */
static base_status negate_where(ap_array *arr, ap_field f, ap_field t, unsigned flag, unsigned cond)
{
    BASE_TRY(ap_copy(arr, f, t));
    BASE_TRY(ap_neg(arr, t, flag));
    return select_field(arr, cond, 1, t, f);
}

/* ---- Rows: one output element per row ----------------------------------------------------- */

typedef struct rows {
    ap_array *arr;
    uint64_t *v;
    size_t n;
} rows;

/* Field f := input t broadcast to the output (its low f.width bits). */
static base_status load_input(rows *r, const tcase *tc, const net_tensor *t, ap_field f)
{
    for (size_t i = 0; i < r->n; i++)
        r->v[i] = (uint64_t)t->ival[onx_bcast_index(t, tc->want, i)] & onx_low_bits(f.width);
    return ap_array_field_load64(r->arr, f, r->v, r->n);
}

static base_status store_output(rows *r, tcase *tc, ap_field f, int is_signed)
{
    BASE_TRY(ap_array_field_store64(r->arr, f, r->v, r->n));
    for (size_t i = 0; i < r->n; i++)
        tc->got[i] = onx_sext(r->v[i], f.width, is_signed);
    return BASE_OK;
}

/* Width of a bool (1, unsigned) or integer tensor; 0 with the reason when the AP holds neither. */
static int value_width(tcase *tc, int dtype, unsigned *w, int *sg)
{
    if (dtype == NET_DT_BOOL) {
        *w = 1;
        *sg = 0;
        return 1;
    }
    return onx_operand_width(tc, dtype, w, sg);
}

/* ---- The operators ------------------------------------------------------------------------ */

/* BitShift: a barrel of conditional moves. Step k (shift s = 2^k, for the amount bits below
 * ceil(log2 w)): y := x, then y_i := x_(i-s) (left) or x_(i+s) (right), 0 past the end, in
 * the rows whose amount bit k is 1; x and y swap. Amounts of w or more leave 0: a flag
 * collects the higher amount bits, and the rows it tags are cleared. */
static base_status run_bitshift(tcase *tc, rows *r, exec_conf_result *res)
{
    const net_onnx_attr *da = net_onnx_attr_find(tc->nd, "direction");
    if (!da || !da->s || (strcmp(da->s, "LEFT") != 0 && strcmp(da->s, "RIGHT") != 0))
        return base_error_at(BASE_EPARSE, tc->where, 0, 0,
                             "node '%s': BitShift needs the attribute direction, LEFT or RIGHT",
                             tc->nd->name);
    unsigned w;
    int sg;
    if (!onx_operand_width(tc, tc->want->dtype, &w, &sg))
        return BASE_OK;
    if (sg) {
        onx_say(tc, "BitShift is defined for unsigned types, not %s",
                net_dtype_name(tc->want->dtype));
        return BASE_OK;
    }
    int left = da->s[0] == 'L';
    ap_field cur = {0, w}, amt = {w, w}, nxt = {2 * w, w};
    unsigned flag = 3 * w, kb = 0, cols[AP_WIDTH_MAX];
    BASE_TRY(ap_array_new(r->n ? r->n : 1, 3 * w + 1, &r->arr));
    BASE_TRY(load_input(r, tc, tc->in[0], cur));
    BASE_TRY(load_input(r, tc, tc->in[1], amt));
    while ((1u << kb) < w)
        kb++;
    for (unsigned k = 0; k < kb; k++) {
        unsigned s = 1u << k;
        BASE_TRY(ap_copy(r->arr, cur, nxt));
        for (unsigned i = 0; i < w; i++) {
            unsigned src =
                left ? (i >= s ? cur.col + i - s : NO_COL) : (i + s < w ? cur.col + i + s : NO_COL);
            BASE_TRY(select_col(r->arr, amt.col + k, 1, src, nxt.col + i));
        }
        ap_field t = cur;
        cur = nxt;
        nxt = t;
    }
    static const unsigned char one = 1;
    BASE_TRY(cmp_write(r->arr, NULL, NULL, 0, &flag, 1, 0));
    for (unsigned k = kb; k < w; k++) {
        unsigned c = amt.col + k;
        BASE_TRY(cmp_write(r->arr, &c, &one, 1, &flag, 1, 1));
    }
    for (unsigned i = 0; i < w; i++)
        cols[i] = cur.col + i;
    BASE_TRY(cmp_write(r->arr, &flag, &one, 1, cols, w, 0));
    BASE_TRY(store_output(r, tc, cur, 0));
    *res = EXEC_CONF_PASS;
    return BASE_OK;
}

/* Mod and Div: ap_divmod_u on the magnitudes (ap_abs of signed operands, their signs copied
 * first), then the sign fix-ups on the AP. Div truncates: the quotient is negated where the
 * signs differ. Mod with fmod = 1 takes the dividend's sign (negated where a < 0); fmod = 0
 * the divisor's: where r != 0 and the signs differ r := |b| - r, then r is negated where
 * b < 0. A zero divisor gives ap_divmod_u's values (quotient all ones, remainder a). */
static base_status run_divmod(tcase *tc, rows *r, int mod, exec_conf_result *res)
{
    int64_t fmod = 0;
    const net_onnx_attr *fa = mod ? net_onnx_attr_find(tc->nd, "fmod") : NULL;
    if (fa && (!fa->has_i || (fa->i != 0 && fa->i != 1)))
        return base_error_at(BASE_EPARSE, tc->where, 0, 0,
                             "node '%s': Mod's fmod must be the integer 0 or 1", tc->nd->name);
    fmod = fa ? fa->i : 0;
    unsigned w;
    int sg;
    if (!onx_operand_width(tc, tc->want->dtype, &w, &sg))
        return BASE_OK;
    ap_field a = {0, w}, b = {w, w}, q = {2 * w, w}, rm = {3 * w, w}, t = {4 * w, w};
    ap_field zero = {5 * w, w}; /* never written: 0 in every row */
    unsigned s = 6 * w, sa = s + 1, sb = s + 2, cond = s + 3, e = s + 4;
    BASE_TRY(ap_array_new(r->n ? r->n : 1, 6 * w + 5, &r->arr));
    BASE_TRY(load_input(r, tc, tc->in[0], a));
    BASE_TRY(load_input(r, tc, tc->in[1], b));
    if (sg) {
        BASE_TRY(ap_copy(r->arr, (ap_field){a.col + w - 1, 1}, (ap_field){sa, 1}));
        BASE_TRY(ap_copy(r->arr, (ap_field){b.col + w - 1, 1}, (ap_field){sb, 1}));
        BASE_TRY(ap_abs(r->arr, a, s));
        BASE_TRY(ap_abs(r->arr, b, s));
    }
    BASE_TRY(ap_divmod_u(r->arr, a, b, q, rm, s));
    static const unsigned char k010[3] = {0, 1, 0}, k001[3] = {0, 0, 1}, k10[2] = {1, 0},
                               k01[2] = {0, 1};
    if (sg && !mod) {
        unsigned c2[2] = {sa, sb};
        BASE_TRY(cmp_write(r->arr, NULL, NULL, 0, &cond, 1, 0));
        BASE_TRY(cmp_write(r->arr, c2, k10, 2, &cond, 1, 1));
        BASE_TRY(cmp_write(r->arr, c2, k01, 2, &cond, 1, 1));
        BASE_TRY(negate_where(r->arr, q, t, s, cond));
    } else if (sg && fmod) {
        BASE_TRY(negate_where(r->arr, rm, t, s, sa));
    } else if (sg) {
        unsigned c3[3] = {e, sa, sb};
        BASE_TRY(ap_eq(r->arr, rm, zero, e));
        BASE_TRY(cmp_write(r->arr, NULL, NULL, 0, &cond, 1, 0));
        BASE_TRY(cmp_write(r->arr, c3, k010, 3, &cond, 1, 1));
        BASE_TRY(cmp_write(r->arr, c3, k001, 3, &cond, 1, 1));
        BASE_TRY(ap_copy(r->arr, b, t));
        BASE_TRY(ap_sub(r->arr, rm, t, s));
        BASE_TRY(select_field(r->arr, cond, 1, t, rm));
        BASE_TRY(negate_where(r->arr, rm, t, s, sb));
    }
    BASE_TRY(store_output(r, tc, mod ? rm : q, sg));
    *res = EXEC_CONF_PASS;
    return BASE_OK;
}

/* Equal: ap_eq of the two operands (integers or bools) into a flag, read out as bool. */
static base_status run_equal(tcase *tc, rows *r, exec_conf_result *res)
{
    unsigned w, w1;
    int sg, sg1;
    if (!value_width(tc, tc->in[0]->dtype, &w, &sg) ||
        !value_width(tc, tc->in[1]->dtype, &w1, &sg1))
        return BASE_OK;
    if (w1 != w)
        return base_error_at(BASE_ESHAPE, tc->where, 0, 0,
                             "node '%s': operands of %s and %s differ in type", tc->nd->name,
                             net_dtype_name(tc->in[0]->dtype), net_dtype_name(tc->in[1]->dtype));
    ap_field a = {0, w}, b = {w, w};
    BASE_TRY(ap_array_new(r->n ? r->n : 1, 2 * w + 1, &r->arr));
    BASE_TRY(load_input(r, tc, tc->in[0], a));
    BASE_TRY(load_input(r, tc, tc->in[1], b));
    BASE_TRY(ap_eq(r->arr, a, b, 2 * w));
    BASE_TRY(store_output(r, tc, (ap_field){2 * w, 1}, 0));
    *res = EXEC_CONF_PASS;
    return BASE_OK;
}

/* And, Or, Xor, Not on bools: the truth table as passes, d := 1 in the rows whose (a, b)
 * match each input pattern that gives 1 (d starts 0). */
static base_status run_logic(tcase *tc, rows *r, onx_int_op op, exec_conf_result *res)
{
    unsigned n_in = op == ONX_NOT ? 1 : 2, d = 2;
    for (unsigned k = 0; k < n_in; k++)
        if (tc->in[k]->dtype != NET_DT_BOOL) {
            onx_say(tc, "%s is defined on bool tensors, not %s", tc->nd->op_type,
                    net_dtype_name(tc->in[k]->dtype));
            return BASE_OK;
        }
    BASE_TRY(ap_array_new(r->n ? r->n : 1, 3, &r->arr));
    BASE_TRY(load_input(r, tc, tc->in[0], (ap_field){0, 1}));
    if (n_in == 2)
        BASE_TRY(load_input(r, tc, tc->in[1], (ap_field){1, 1}));
    static const unsigned cols[2] = {0, 1};
    for (unsigned pat = 0; pat < (1u << n_in); pat++) {
        unsigned x = pat & 1u, y = pat >> 1;
        int one = op == ONX_AND ? x && y : op == ONX_OR ? x || y : op == ONX_XOR ? x != y : !x;
        unsigned char key[2] = {(unsigned char)x, (unsigned char)y};
        if (one)
            BASE_TRY(cmp_write(r->arr, cols, key, n_in, &d, 1, 1));
    }
    BASE_TRY(store_output(r, tc, (ap_field){d, 1}, 0));
    *res = EXEC_CONF_PASS;
    return BASE_OK;
}

/* Where: y := x in the rows whose condition is 1 (y holds the third input). */
static base_status run_where(tcase *tc, rows *r, exec_conf_result *res)
{
    unsigned w;
    int sg;
    if (tc->in[0]->dtype != NET_DT_BOOL) {
        onx_say(tc, "Where's condition is %s, not bool", net_dtype_name(tc->in[0]->dtype));
        return BASE_OK;
    }
    if (!value_width(tc, tc->want->dtype, &w, &sg))
        return BASE_OK;
    ap_field x = {1, w}, y = {1 + w, w};
    BASE_TRY(ap_array_new(r->n ? r->n : 1, 1 + 2 * w, &r->arr));
    BASE_TRY(load_input(r, tc, tc->in[0], (ap_field){0, 1}));
    BASE_TRY(load_input(r, tc, tc->in[1], x));
    BASE_TRY(load_input(r, tc, tc->in[2], y));
    BASE_TRY(select_field(r->arr, 0, 1, x, y));
    BASE_TRY(store_output(r, tc, y, sg));
    *res = EXEC_CONF_PASS;
    return BASE_OK;
}

base_status exec_onnx_run_int(tcase *tc, onx_int_op op, exec_conf_result *res)
{
    static const unsigned n_inputs[] = {
        [ONX_BITSHIFT] = 2, [ONX_MOD] = 2, [ONX_DIV] = 2, [ONX_EQUAL] = 2, [ONX_AND] = 2,
        [ONX_OR] = 2,       [ONX_XOR] = 2, [ONX_NOT] = 1, [ONX_WHERE] = 3};
    *res = EXEC_CONF_SKIP;
    unsigned n_in = n_inputs[op];
    if (tc->nd->n_inputs != n_in || tc->nd->n_outputs != 1)
        return base_error_at(BASE_EPARSE, tc->where, 0, 0,
                             "node '%s': %s takes %u inputs and one output (it has %zu and %zu)",
                             tc->nd->name, tc->nd->op_type, n_in, tc->nd->n_inputs,
                             tc->nd->n_outputs);
    for (unsigned k = 0; k < n_in; k++) {
        if (!tc->in[k])
            return base_error_at(BASE_EPARSE, tc->where, 0, 0, "node '%s': input %u is omitted",
                                 tc->nd->name, k);
        BASE_TRY(onx_bcast_check(tc, tc->in[k], tc->want));
    }
    rows r = {NULL, NULL, tc->want->n_elems ? tc->want->n_elems : 1};
    r.v = base_calloc(r.n, sizeof *r.v);
    if (!r.v)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    if (tc->want->n_elems == 0)
        r.n = 0;
    base_status st;
    switch (op) {
    case ONX_BITSHIFT:
        st = run_bitshift(tc, &r, res);
        break;
    case ONX_MOD:
    case ONX_DIV:
        st = run_divmod(tc, &r, op == ONX_MOD, res);
        break;
    case ONX_EQUAL:
        st = run_equal(tc, &r, res);
        break;
    case ONX_WHERE:
        st = run_where(tc, &r, res);
        break;
    default:
        st = run_logic(tc, &r, op, res);
        break;
    }
    if (st != BASE_OK)
        *res = EXEC_CONF_SKIP;
    onx_count(tc, r.arr);
    ap_array_free(r.arr);
    base_free(r.v);
    return st;
}
