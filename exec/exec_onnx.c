/* exec_onnx.c - ONNX's own integer node tests executed functionally on the AP model. Operator
 * semantics from the ONNX operator specification (onnx.ai/onnx/operators); test layout from
 * onnx/backend/test/data/node as Debian's libonnx-testdata ships it. The integer arithmetic
 * (zero-point subtraction, MACs, add/sub/mul/max/min) runs on ap_core; index arithmetic
 * (broadcast, padding, im2col order) and QLinear's float rescale run in C (docs/ONNX.md). */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ap_core/ap.h"
#include "exec/exec.h"
#include "exec/exec_onnx_impl.h"
#include "networks/net.h"

/* Widest (x - zero point) operand of the shared GEMM row program (exec/exec_conv.c: a_bits
 * up to 15 for signed activations, w_bits up to 16). */
#define GEMM_WIDTH_MAX 15u

/* ---- Element-wise integer ops on the AP: one element per row --------------------------- */
typedef enum ew_op { EW_ADD, EW_SUB, EW_MUL, EW_MAX, EW_MIN } ew_op;

/* out[i] = a[i] op b[i] for n elements stored at width w (1..64; a product's 2w bits at most
 * AP_WIDTH_MAX), results wrapped to w bits as ONNX/numpy integer arithmetic does. */
static base_status ew_binary(tcase *tc, ew_op op, const int64_t *a, const int64_t *b, size_t n,
                             unsigned w, int is_signed, int64_t *out)
{
    ap_array *arr = NULL;
    uint64_t *vals = base_calloc(n ? n : 1, sizeof *vals);
    base_status st =
        vals ? ap_array_new(n ? n : 1, 6 * w + 2, &arr) : BASE_ERROR(BASE_ENOMEM, "out of memory");
    ap_field fa = {0, w}, fb = {w, w}, fp = {2 * w, 2 * w}, ft = {2 * w, w}, fs = {3 * w, w};
    unsigned carry = 6 * w, flag = 6 * w + 1;
    for (size_t i = 0; vals && i < n; i++)
        vals[i] = (uint64_t)a[i] & onx_low_bits(w);
    if (st == BASE_OK)
        st = ap_array_field_load64(arr, fa, vals, n);
    for (size_t i = 0; vals && i < n; i++)
        vals[i] = (uint64_t)b[i] & onx_low_bits(w);
    if (st == BASE_OK)
        st = ap_array_field_load64(arr, fb, vals, n);
    ap_field res = fb;
    if (st == BASE_OK) {
        switch (op) {
        case EW_ADD: /* b := a + b */
            st = ap_add(arr, fa, fb, carry);
            break;
        case EW_SUB: /* a := a - b */
            st = ap_sub(arr, fb, fa, carry);
            res = fa;
            break;
        case EW_MUL: /* p := a * b, keep the low w bits */
            st = ap_mul(arr, fa, fb, fp, carry, is_signed);
            res = (ap_field){fp.col, w};
            break;
        case EW_MAX: /* b := max(a, b) */
            st = ap_max(arr, fa, fb, flag, is_signed);
            break;
        case EW_MIN: /* t := max(a, b); s := a + b; s := s - t = min(a, b) */
            st = ap_copy(arr, fa, ft);
            if (st == BASE_OK)
                st = ap_max(arr, fb, ft, flag, is_signed);
            if (st == BASE_OK)
                st = ap_add_oop(arr, fa, fb, fs, carry);
            if (st == BASE_OK)
                st = ap_sub(arr, ft, fs, carry);
            res = fs;
            break;
        }
    }
    if (st == BASE_OK)
        st = ap_array_field_store64(arr, res, vals, n);
    for (size_t i = 0; st == BASE_OK && i < n; i++)
        out[i] = onx_sext(vals[i], w, is_signed);
    onx_count(tc, arr);
    ap_array_free(arr);
    base_free(vals);
    return st;
}

/* Add/Sub/Mul/Max/Min/Clip: folds the inputs left to right on the AP. */
static base_status run_elementwise(tcase *tc, ew_op op, int clip, exec_conf_result *res)
{
    unsigned w;
    int sg;
    const net_tensor *out = tc->want;
    if (!onx_operand_width(tc, out->dtype, &w, &sg)) {
        *res = EXEC_CONF_SKIP;
        return BASE_OK;
    }
    if (op == EW_MUL && 2u * w > AP_WIDTH_MAX) {
        onx_say(tc, "the %u-bit product of %s operands is wider than the AP's %u-bit fields",
                2u * w, net_dtype_name(out->dtype), AP_WIDTH_MAX);
        *res = EXEC_CONF_SKIP;
        return BASE_OK;
    }
    if (!tc->in[0])
        return base_error_at(BASE_EPARSE, tc->where, 0, 0, "node '%s' has no first input",
                             tc->nd->name);
    for (size_t k = 0; k < tc->nd->n_inputs && k < MAX_IO; k++) {
        base_status bs = tc->in[k] ? onx_bcast_check(tc, tc->in[k], out) : BASE_OK;
        if (bs != BASE_OK)
            return bs;
    }
    size_t n = out->n_elems;
    int64_t *a = base_calloc(n ? n : 1, sizeof *a), *b = base_calloc(n ? n : 1, sizeof *b);
    base_status st = a && b ? BASE_OK : BASE_ERROR(BASE_ENOMEM, "out of memory");
    for (size_t i = 0; st == BASE_OK && i < n; i++)
        a[i] = tc->in[0]->ival[onx_bcast_index(tc->in[0], out, i)];
    for (size_t k = 1; st == BASE_OK && k < tc->nd->n_inputs && k < MAX_IO; k++) {
        const net_tensor *t = tc->in[k];
        if (!t)
            continue;
        for (size_t i = 0; i < n; i++)
            b[i] = t->ival[onx_bcast_index(t, out, i)];
        st = ew_binary(tc, clip ? (k == 1 ? EW_MAX : EW_MIN) : op, a, b, n, w, sg, a);
    }
    if (st == BASE_OK)
        memcpy(tc->got, a, n * sizeof *a);
    base_free(a);
    base_free(b);
    *res = EXEC_CONF_PASS;
    return st;
}

/* MaxPool on the AP: an accumulator field per output element, one ap_max per window tap. */
static base_status run_maxpool(tcase *tc, exec_conf_result *res)
{
    unsigned w;
    int sg;
    const net_tensor *x = tc->in[0], *out = tc->want;
    if (!onx_operand_width(tc, x->dtype, &w, &sg)) {
        *res = EXEC_CONF_SKIP;
        return BASE_OK;
    }
    const net_onnx_attr *ks = net_onnx_attr_find(tc->nd, "kernel_shape");
    const net_onnx_attr *sa = net_onnx_attr_find(tc->nd, "strides");
    const net_onnx_attr *pa = net_onnx_attr_find(tc->nd, "pads");
    const net_onnx_attr *da = net_onnx_attr_find(tc->nd, "dilations");
    if (x->n_dims != 4 || out->n_dims != 4 || !ks || ks->n_ints != 2 || tc->nd->n_outputs != 1 ||
        (sa && sa->n_ints != 2) || (pa && pa->n_ints != 4) || (da && da->n_ints != 2)) {
        onx_say(tc, "only 2-D MaxPool with one output is executed");
        *res = EXEC_CONF_SKIP;
        return BASE_OK;
    }
    int64_t sy = sa ? sa->ints[0] : 1, sx = sa ? sa->ints[1] : 1;
    int64_t py = pa ? pa->ints[0] : 0, px = pa ? pa->ints[1] : 0;
    int64_t dy = da ? da->ints[0] : 1, dx = da ? da->ints[1] : 1;
    int64_t nc = x->dims[0] * x->dims[1], h = x->dims[2], wd = x->dims[3];
    int64_t ho = out->dims[2], wo = out->dims[3]; /* the expected shape settles ceil_mode */
    size_t n = out->n_elems;
    uint64_t lowest = sg ? 1ull << (w - 1) : 0; /* the identity of max */
    uint64_t *vals = base_calloc(n ? n : 1, sizeof *vals);
    ap_array *arr = NULL;
    base_status st =
        vals ? ap_array_new(n ? n : 1, 2 * w + 1, &arr) : BASE_ERROR(BASE_ENOMEM, "out of memory");
    ap_field cand = {0, w}, acc = {w, w};
    for (size_t i = 0; i < n; i++)
        vals[i] = lowest;
    if (st == BASE_OK)
        st = ap_array_field_load64(arr, acc, vals, n);
    for (int64_t ky = 0; st == BASE_OK && ky < ks->ints[0]; ky++)
        for (int64_t kx = 0; st == BASE_OK && kx < ks->ints[1]; kx++) {
            for (size_t i = 0; i < n; i++) {
                int64_t c = (int64_t)i / (ho * wo), oy = ((int64_t)i / wo) % ho,
                        ox = (int64_t)i % wo;
                int64_t y = oy * sy - py + ky * dy, xx = ox * sx - px + kx * dx;
                vals[i] = y < 0 || y >= h || xx < 0 || xx >= wd || c >= nc
                              ? lowest
                              : (uint64_t)x->ival[(c * h + y) * wd + xx] & onx_low_bits(w);
            }
            st = ap_array_field_load64(arr, cand, vals, n);
            if (st == BASE_OK)
                st = ap_max(arr, cand, acc, 2 * w, sg);
        }
    if (st == BASE_OK)
        st = ap_array_field_store64(arr, acc, vals, n);
    for (size_t i = 0; st == BASE_OK && i < n; i++)
        tc->got[i] = onx_sext(vals[i], w, sg);
    onx_count(tc, arr);
    ap_array_free(arr);
    base_free(vals);
    *res = EXEC_CONF_PASS;
    return st;
}

/* Zero points of t expanded to t's elements: a scalar, or one per index along axis. */
static base_status sub_zero_point(tcase *tc, const net_tensor *t, const net_tensor *zp, int axis,
                                  int64_t *out, unsigned *w_out, int *ok)
{
    unsigned w;
    int sg;
    *ok = onx_operand_width(tc, t->dtype, &w, &sg);
    if (!*ok)
        return BASE_OK;
    if (w + 1u > GEMM_WIDTH_MAX) {
        onx_say(tc, "%s operands less their zero point exceed the GEMM's %u-bit operands",
                net_dtype_name(t->dtype), GEMM_WIDTH_MAX);
        *ok = 0;
        return BASE_OK;
    }
    size_t n = t->n_elems;
    int64_t *z = base_calloc(n ? n : 1, sizeof *z);
    if (!z)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    if (zp && zp->n_elems > 1) {
        int ax = axis < 0 ? t->n_dims + axis : axis;
        size_t inner = 1;
        for (int d = ax + 1; d < t->n_dims; d++)
            inner *= (size_t)t->dims[d];
        if (ax < 0 || ax >= t->n_dims || (size_t)t->dims[ax] != zp->n_elems) {
            base_free(z);
            onx_say(tc, "zero point shape does not match");
            *ok = 0;
            return BASE_OK;
        }
        for (size_t i = 0; i < n; i++)
            z[i] = zp->ival[(i / inner) % zp->n_elems];
    } else if (zp && zp->n_elems == 1) {
        for (size_t i = 0; i < n; i++)
            z[i] = zp->ival[0];
    }
    /* (x - zp) needs one more bit than x: a signed (w + 1)-bit subtraction on the AP. */
    *w_out = w + 1;
    base_status st = ew_binary(tc, EW_SUB, t->ival, z, n, w + 1, 1, out);
    base_free(z);
    return st;
}

/* The integer GEMM of a c_in x h x w map (already padded) with c_out x c_in x kh x kw weights
 * at aw/ww signed bits, exact (o_bits 32: no requantization), for exec_qconv_on_ap. */
static exec_qconv exact_qconv(int64_t c_in, int64_t h, int64_t w, int64_t c_out, int64_t kh,
                              int64_t kw, int stride, unsigned aw, unsigned ww, const int32_t *act,
                              const int32_t *wt)
{
    exec_qconv qc = {.c_in = (int)c_in,
                     .h_in = (int)h,
                     .w_in = (int)w,
                     .c_out = (int)c_out,
                     .kh = (int)kh,
                     .kw = (int)kw,
                     .stride = stride,
                     .pad = 0,
                     .a_bits = aw,
                     .w_bits = ww,
                     .o_bits = 32,
                     .act_unsigned = 0,
                     .act = act,
                     .weight = wt,
                     .scale_b = 0,
                     .cap_cols = 0};
    return qc;
}

/* Runs qc on the AP through the shared GEMM row program, one row per output. */
static base_status run_exact(tcase *tc, const exec_qconv *qc, int32_t *out)
{
    sim_candidate plan;
    ap_counters per, tot;
    base_status st = exec_qconv_on_ap(qc, 1, out, &plan, &per, &tot);
    if (st == BASE_OK)
        ap_counters_add(&tc->ap, &tot);
    return st;
}

/* Padding and group slicing are data placement (C): the n_ch x h x w slice x placed at (py0,
 * px0) in an n_ch x hp x wp map of zeros (the zeros are (x - x_zp) = 0). */
static void pad_slice(const int64_t *x, int64_t n_ch, int64_t h, int64_t w, int64_t py0,
                      int64_t px0, int64_t hp, int64_t wp, int32_t *act)
{
    memset(act, 0, (size_t)(n_ch * hp * wp) * sizeof *act);
    for (int64_t ci = 0; ci < n_ch; ci++)
        for (int64_t y = 0; y < h; y++)
            for (int64_t xx = 0; xx < w; xx++)
                act[(ci * hp + y + py0) * wp + xx + px0] = (int32_t)x[(ci * h + y) * w + xx];
}

/* ConvInteger / QLinearConv (QLinear: q = 1). */
static base_status run_conv(tcase *tc, int q, exec_conf_result *res)
{
    const net_tensor *x = tc->in[0], *wt = tc->in[q ? 3 : 1];
    const net_tensor *xzp = tc->in[2], *wzp = tc->in[q ? 5 : 3];
    const net_tensor *out = tc->want;
    const net_onnx_node *nd = tc->nd;
    const net_onnx_attr *sa = net_onnx_attr_find(nd, "strides"),
                        *pa = net_onnx_attr_find(nd, "pads");
    const net_onnx_attr *da = net_onnx_attr_find(nd, "dilations");
    const net_onnx_attr *ap_ = net_onnx_attr_find(nd, "auto_pad");
    const net_onnx_attr *ga = net_onnx_attr_find(nd, "group");
    *res = EXEC_CONF_SKIP;
    if (!x || !wt || x->n_dims != 4 || wt->n_dims != 4 || out->n_dims != 4 || ap_ ||
        (sa && (sa->n_ints != 2 || sa->ints[0] != sa->ints[1])) || (pa && pa->n_ints != 4) ||
        (da && (da->n_ints != 2 || da->ints[0] != 1 || da->ints[1] != 1))) {
        onx_say(tc, "only 2-D convolutions with equal strides, explicit pads, no dilation");
        return BASE_OK;
    }
    int64_t g = ga && ga->has_i ? ga->i : 1;
    int64_t nb = x->dims[0], c = x->dims[1], h = x->dims[2], wd = x->dims[3];
    int64_t m = wt->dims[0], kh = wt->dims[2], kw = wt->dims[3];
    int64_t py0 = pa ? pa->ints[0] : 0, px0 = pa ? pa->ints[1] : 0;
    int64_t hp = h + py0 + (pa ? pa->ints[2] : 0), wp = wd + px0 + (pa ? pa->ints[3] : 0);
    if (g < 1 || c % g || m % g || wt->dims[1] != c / g || out->dims[1] != m) {
        onx_say(tc, "shapes do not agree");
        return BASE_OK;
    }
    /* got is written at (b * m + channel) * plane: the expected output must be nb x m x plane,
     * and padding must not move data outside the padded map. */
    if (out->dims[0] != nb || (sa && sa->ints[0] < 1) ||
        (pa && (pa->ints[0] < 0 || pa->ints[1] < 0 || pa->ints[2] < 0 || pa->ints[3] < 0)) ||
        kh < 1 || kw < 1 || kh > hp || kw > wp)
        return base_error_at(BASE_ESHAPE, tc->where, 0, 0,
                             "node '%s': input batch %lld, output batch %lld, kernel %lldx%lld "
                             "over a padded %lldx%lld map: shapes do not agree",
                             nd->name, (long long)nb, (long long)out->dims[0], (long long)kh,
                             (long long)kw, (long long)hp, (long long)wp);
    int64_t *xs = base_calloc(x->n_elems, sizeof *xs), *ws = base_calloc(wt->n_elems, sizeof *ws);
    int32_t *act = base_calloc((size_t)(c / g * hp * wp), sizeof *act);
    int32_t *wg = base_calloc((size_t)(m / g * (c / g) * kh * kw), sizeof *wg);
    int32_t *og = base_calloc((size_t)(m / g * out->dims[2] * out->dims[3]), sizeof *og);
    unsigned aw = 0, ww = 0;
    int ok1 = 0, ok2 = 0;
    base_status st =
        xs && ws && act && wg && og ? BASE_OK : BASE_ERROR(BASE_ENOMEM, "out of memory");
    if (st == BASE_OK)
        st = sub_zero_point(tc, x, xzp, 0, xs, &aw, &ok1);
    if (st == BASE_OK && ok1)
        st = sub_zero_point(tc, wt, wzp, 0, ws, &ww, &ok2);
    if (st != BASE_OK || !ok1 || !ok2)
        goto done;
    size_t plane = (size_t)(out->dims[2] * out->dims[3]);
    for (int64_t b = 0; st == BASE_OK && b < nb; b++)
        for (int64_t gi = 0; st == BASE_OK && gi < g; gi++) {
            pad_slice(xs + (b * c + gi * (c / g)) * h * wd, c / g, h, wd, py0, px0, hp, wp, act);
            size_t wn = (size_t)(m / g * (c / g) * kh * kw);
            for (size_t i = 0; i < wn; i++)
                wg[i] = (int32_t)ws[(size_t)(gi * (m / g) * (c / g) * kh * kw) + i];
            exec_qconv qc = exact_qconv(c / g, hp, wp, m / g, kh, kw, sa ? (int)sa->ints[0] : 1, aw,
                                        ww, act, wg);
            uint64_t gm, gn, gk;
            int ho, wo;
            exec_qconv_gemm(&qc, &gm, &gn, &gk, &ho, &wo);
            if ((size_t)ho * (size_t)wo != plane) {
                onx_say(tc, "output shape does not agree");
                goto done;
            }
            st = run_exact(tc, &qc, og);
            for (size_t i = 0; st == BASE_OK && i < (size_t)(m / g) * plane; i++)
                tc->got[(size_t)((b * m + gi * (m / g)) * (int64_t)plane) + i] = og[i];
        }
    *res = EXEC_CONF_PASS;
done:
    base_free(xs);
    base_free(ws);
    base_free(act);
    base_free(wg);
    base_free(og);
    return st;
}

/* MatMulInteger / QLinearMatMul: each [M x K] x [K x N] product is a 1x1 convolution with K
 * input channels over an M x 1 map, run by the same AP GEMM mapping as conv. */
static base_status run_matmul(tcase *tc, int q, exec_conf_result *res)
{
    const net_tensor *a = tc->in[0], *bt = tc->in[q ? 3 : 1];
    const net_tensor *azp = tc->in[2], *bzp = tc->in[q ? 5 : 3], *out = tc->want;
    *res = EXEC_CONF_SKIP;
    if (!a || !bt || a->n_dims < 2 || bt->n_dims < 2 || out->n_dims < 2) {
        onx_say(tc, "only matrix operands of rank >= 2");
        return BASE_OK;
    }
    int64_t mm = a->dims[a->n_dims - 2], kk = a->dims[a->n_dims - 1];
    int64_t nn = bt->dims[bt->n_dims - 1];
    if (mm < 1 || kk < 1 || nn < 1 || out->dims[out->n_dims - 2] != mm ||
        out->dims[out->n_dims - 1] != nn)
        return base_error_at(BASE_ESHAPE, tc->where, 0, 0,
                             "node '%s': empty or mismatched matrices (%lld x %lld times %lld "
                             "columns, expected output %lld x %lld)",
                             tc->nd->name, (long long)mm, (long long)kk, (long long)nn,
                             (long long)out->dims[out->n_dims - 2],
                             (long long)out->dims[out->n_dims - 1]);
    size_t a_batches = a->n_elems / (size_t)(mm * kk), b_batches = bt->n_elems / (size_t)(kk * nn);
    size_t batches = out->n_elems / (size_t)(mm * nn);
    if (bt->dims[bt->n_dims - 2] != kk || (a_batches != batches && a_batches != 1) ||
        (b_batches != batches && b_batches != 1)) {
        onx_say(tc, "matmul shapes do not agree");
        return BASE_OK;
    }
    int64_t *as = base_calloc(a->n_elems, sizeof *as), *bs = base_calloc(bt->n_elems, sizeof *bs);
    int32_t *act = base_calloc((size_t)(mm * kk), sizeof *act);
    int32_t *wt = base_calloc((size_t)(kk * nn), sizeof *wt);
    int32_t *o = base_calloc((size_t)(mm * nn), sizeof *o);
    unsigned aw = 0, bw = 0;
    int ok1 = 0, ok2 = 0;
    base_status st =
        as && bs && act && wt && o ? BASE_OK : BASE_ERROR(BASE_ENOMEM, "out of memory");
    /* a's zero point is per row (axis -2) when it is a vector, b's per column (axis -1). */
    if (st == BASE_OK)
        st = sub_zero_point(tc, a, azp, -2, as, &aw, &ok1);
    if (st == BASE_OK && ok1)
        st = sub_zero_point(tc, bt, bzp, -1, bs, &bw, &ok2);
    for (size_t bi = 0; st == BASE_OK && ok1 && ok2 && bi < batches; bi++) {
        const int64_t *ab = as + (a_batches == 1 ? 0 : bi) * (size_t)(mm * kk);
        const int64_t *bb = bs + (b_batches == 1 ? 0 : bi) * (size_t)(kk * nn);
        for (int64_t i = 0; i < mm; i++)
            for (int64_t k = 0; k < kk; k++)
                act[k * mm + i] = (int32_t)ab[i * kk + k];
        for (int64_t k = 0; k < kk; k++)
            for (int64_t j = 0; j < nn; j++)
                wt[j * kk + k] = (int32_t)bb[k * nn + j];
        exec_qconv qc = exact_qconv(kk, mm, 1, nn, 1, 1, 1, aw, bw, act, wt);
        st = run_exact(tc, &qc, o);
        for (int64_t i = 0; st == BASE_OK && i < mm; i++)
            for (int64_t j = 0; j < nn; j++)
                tc->got[bi * (size_t)(mm * nn) + (size_t)(i * nn + j)] = o[j * mm + i];
    }
    if (ok1 && ok2)
        *res = EXEC_CONF_PASS;
    base_free(as);
    base_free(bs);
    base_free(act);
    base_free(wt);
    base_free(o);
    return st;
}

static double scalar_f(const net_tensor *t, size_t i)
{
    if (!t)
        return 1.0;
    size_t k = t->n_elems > 1 ? i % t->n_elems : 0;
    return t->fval ? t->fval[k] : (double)t->ival[k];
}

/* QLinear* after the integer AP part: (acc + bias) * (s_x s_w / s_y), rounded half to even,
 * plus y_zp, saturated to the output type, in float32 as the ONNX reference computes it. */
static base_status requantize(tcase *tc, int conv)
{
    const net_tensor *out = tc->want, *xs = tc->in[1], *ws = tc->in[4], *ys = tc->in[6];
    const net_tensor *yzp = tc->in[7], *bias = conv ? tc->in[8] : NULL;
    int64_t lo = out->dtype == NET_DT_INT8 ? -128 : 0, hi = out->dtype == NET_DT_INT8 ? 127 : 255;
    size_t ch = conv ? (size_t)out->dims[1] : (size_t)out->dims[out->n_dims - 1];
    size_t inner = conv ? (size_t)(out->dims[2] * out->dims[3]) : 1;
    /* Per-channel operands have one value per output channel, the others exactly one. */
    const net_tensor *chk[] = {xs, ys, yzp, ws, bias};
    for (size_t k = 0; k < sizeof chk / sizeof chk[0]; k++) {
        const net_tensor *t = chk[k];
        int per_channel = k >= 3;
        if (t && !(t->n_elems == 1 || (per_channel && t->n_elems == ch)))
            return base_error_at(
                BASE_ESHAPE, tc->where, 0, 0, "node '%s': '%s' has %zu elements (1%s expected)",
                tc->nd->name, t->name, t->n_elems, per_channel ? " or one per output channel" : "");
    }
    for (size_t i = 0; i < out->n_elems; i++) {
        size_t oc = (i / inner) % ch;
        int64_t acc = tc->got[i] + (bias ? bias->ival[bias->n_elems > 1 ? oc : 0] : 0);
        float s = (float)scalar_f(xs, 0) * (float)scalar_f(ws, ws && ws->n_elems > 1 ? oc : 0) /
                  (float)scalar_f(ys, 0);
        float v = (float)acc * s;
        int64_t r = (int64_t)nearbyintf(v) + (yzp ? yzp->ival[0] : 0);
        tc->got[i] = r < lo ? lo : r > hi ? hi : r;
    }
    return BASE_OK;
}

/* The operators the AP executor knows. */
typedef enum exec_kind {
    X_NONE,
    X_EW,
    X_CLIP,
    X_MAXPOOL,
    X_CONVI,
    X_QCONV,
    X_MATI,
    X_QMAT,
    X_INT /* exec_onnx_int.c */
} exec_kind;
static const struct exec_op {
    const char *op_type;
    exec_kind kind;
    ew_op ew;
    onx_int_op iop; /* X_INT only */
} exec_ops[] = {
    {"Add", X_EW, EW_ADD, ONX_BITSHIFT},
    {"Sub", X_EW, EW_SUB, ONX_BITSHIFT},
    {"Mul", X_EW, EW_MUL, ONX_BITSHIFT},
    {"Max", X_EW, EW_MAX, ONX_BITSHIFT},
    {"Min", X_EW, EW_MIN, ONX_BITSHIFT},
    {"Clip", X_CLIP, EW_MAX, ONX_BITSHIFT},
    {"MaxPool", X_MAXPOOL, EW_MAX, ONX_BITSHIFT},
    {"ConvInteger", X_CONVI, EW_ADD, ONX_BITSHIFT},
    {"QLinearConv", X_QCONV, EW_ADD, ONX_BITSHIFT},
    {"MatMulInteger", X_MATI, EW_ADD, ONX_BITSHIFT},
    {"QLinearMatMul", X_QMAT, EW_ADD, ONX_BITSHIFT},
    {"BitShift", X_INT, EW_ADD, ONX_BITSHIFT},
    {"Mod", X_INT, EW_ADD, ONX_MOD},
    {"Div", X_INT, EW_ADD, ONX_DIV},
    {"Equal", X_INT, EW_ADD, ONX_EQUAL},
    {"And", X_INT, EW_ADD, ONX_AND},
    {"Or", X_INT, EW_ADD, ONX_OR},
    {"Xor", X_INT, EW_ADD, ONX_XOR},
    {"Not", X_INT, EW_ADD, ONX_NOT},
    {"Where", X_INT, EW_ADD, ONX_WHERE},
};

static const struct exec_op *exec_find(const char *op_type)
{
    for (size_t i = 0; i < sizeof exec_ops / sizeof exec_ops[0]; i++)
        if (strcmp(exec_ops[i].op_type, op_type) == 0)
            return &exec_ops[i];
    return NULL;
}

static base_status execute(tcase *tc, exec_conf_result *res)
{
    const struct exec_op *eo = exec_find(tc->nd->op_type);
    if (!eo) {
        *res = EXEC_CONF_OTHER;
        onx_say(tc, "operator %s is not executed on the AP", tc->nd->op_type);
        return BASE_OK;
    }
    for (size_t i = 0; i < tc->nd->n_inputs && i < MAX_IO; i++) {
        const net_tensor *t = tc->in[i];
        int is_scale = (eo->kind == X_QCONV || eo->kind == X_QMAT) && (i == 1 || i == 4 || i == 6);
        if (t && !is_scale && !net_dtype_is_int(t->dtype)) {
            *res = EXEC_CONF_SKIP;
            onx_say(tc, "%s input '%s': float-only case, out of scope", net_dtype_name(t->dtype),
                    t->name);
            return BASE_OK;
        }
    }
    if (!net_dtype_is_int(tc->want->dtype)) {
        *res = EXEC_CONF_SKIP;
        onx_say(tc, "%s output: float-only case, out of scope", net_dtype_name(tc->want->dtype));
        return BASE_OK;
    }
    base_status st;
    switch (eo->kind) {
    case X_EW:
        return run_elementwise(tc, eo->ew, 0, res);
    case X_CLIP:
        return run_elementwise(tc, EW_MAX, 1, res);
    case X_MAXPOOL:
        return run_maxpool(tc, res);
    case X_CONVI:
        return run_conv(tc, 0, res);
    case X_MATI:
        return run_matmul(tc, 0, res);
    case X_QCONV:
        st = run_conv(tc, 1, res);
        if (st == BASE_OK && *res == EXEC_CONF_PASS)
            st = requantize(tc, 1);
        return st;
    case X_QMAT:
        st = run_matmul(tc, 1, res);
        if (st == BASE_OK && *res == EXEC_CONF_PASS)
            st = requantize(tc, 0);
        return st;
    case X_INT:
        return exec_onnx_run_int(tc, eo->iop, res);
    default:
        break;
    }
    return BASE_ERROR(BASE_EINVAL, "internal: no executor");
}

/* Compares got to want; fills why on a mismatch. */
static int outputs_equal(tcase *tc, const char *set)
{
    for (size_t i = 0; i < tc->want->n_elems; i++)
        if (tc->got[i] != tc->want->ival[i]) {
            onx_say(tc, "%s: output element %zu is %lld, expected %lld", set, i,
                    (long long)tc->got[i], (long long)tc->want->ival[i]);
            return 0;
        }
    return 1;
}

/* path := printf(fmt, ...); BASE_ERANGE when it does not fit. */
static base_status path_fmt(char *path, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(path, cap, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= cap)
        return BASE_ERROR(BASE_ERANGE, "path too long");
    return BASE_OK;
}

static base_status run_data_set(const net_onnx_graph *g, const char *set_dir, tcase *tc,
                                exec_conf_result *res)
{
    char path[4096];
    net_tensor *inputs[MAX_IO] = {0};
    net_tensor *want = NULL;
    base_status st = BASE_OK;
    size_t n_in = g->n_inputs < MAX_IO ? g->n_inputs : MAX_IO;
    for (size_t i = 0; st == BASE_OK && i < n_in; i++) {
        st = path_fmt(path, sizeof path, "%s/input_%zu.pb", set_dir, i);
        if (st == BASE_OK)
            st = net_tensor_load(path, &inputs[i]);
    }
    if (st == BASE_OK) {
        st = path_fmt(path, sizeof path, "%s/output_0.pb", set_dir);
        if (st == BASE_OK)
            st = net_tensor_load(path, &want);
    }
    if (st == BASE_OK) {
        const net_onnx_node *nd = tc->nd;
        memset(tc->in, 0, sizeof tc->in);
        for (size_t k = 0; k < nd->n_inputs && k < MAX_IO; k++) {
            const char *nm = nd->inputs[k];
            if (!*nm)
                continue;
            for (size_t i = 0; i < n_in; i++)
                if (strcmp(g->inputs[i], nm) == 0)
                    tc->in[k] = inputs[i];
            if (!tc->in[k])
                tc->in[k] = net_onnx_find_init(g, nm);
            if (!tc->in[k])
                st =
                    base_error_at(BASE_ENOTFOUND, set_dir, 0, 0, "node input '%s' has no data", nm);
        }
        tc->want = want;
        tc->where = set_dir;
    }
    if (st == BASE_EUNSUPPORTED) {
        /* A data type apsim does not decode (float16, bfloat16, string, ...): no integer
         * case the AP claims; skipped with the reader's message. */
        *res = EXEC_CONF_SKIP;
        onx_say(tc, "%s", base_last_error());
        st = BASE_OK;
        goto out;
    }
    if (st == BASE_OK &&
        !(tc->got = base_calloc(want->n_elems ? want->n_elems : 1, sizeof *tc->got)))
        st = BASE_ERROR(BASE_ENOMEM, "out of memory");
    if (st == BASE_OK)
        st = execute(tc, res);
    if (st == BASE_OK && *res == EXEC_CONF_PASS && !outputs_equal(tc, set_dir))
        *res = EXEC_CONF_FAIL;
out:
    base_free(tc->got);
    tc->got = NULL;
    for (size_t i = 0; i < n_in; i++)
        net_tensor_free(inputs[i]);
    net_tensor_free(want);
    return st;
}

base_status exec_onnx_case_run(const char *case_dir, exec_conf_result *res, char *why, size_t cap)
{
    char path[4096];
    net_onnx_graph *g = NULL;
    *res = EXEC_CONF_SKIP;
    if (cap)
        why[0] = '\0';
    base_status st = path_fmt(path, sizeof path, "%s/model.onnx", case_dir);
    if (st == BASE_OK)
        st = net_onnx_graph_load(path, &g);
    if (st != BASE_OK)
        return st;
    tcase tc = {.g = g, .nd = &g->nodes[0], .why = why, .cap = cap};
    if (g->n_nodes != 1 || !exec_find(tc.nd->op_type)) {
        /* Settled before any data set is read: other operators' data (strings, ...) is not
         * decoded at all. */
        *res = EXEC_CONF_OTHER;
        if (g->n_nodes != 1)
            onx_say(&tc, "a graph of %zu nodes, not a single-node test", g->n_nodes);
        else
            onx_say(&tc, "operator %s is not executed on the AP", tc.nd->op_type);
        net_onnx_graph_free(g);
        return BASE_OK;
    }
    int n_sets = 0;
    *res = EXEC_CONF_PASS;
    for (int s = 0; st == BASE_OK && *res == EXEC_CONF_PASS; s++) {
        struct stat sb;
        if (path_fmt(path, sizeof path, "%s/test_data_set_%d", case_dir, s) != BASE_OK ||
            stat(path, &sb) != 0)
            break;
        st = run_data_set(g, path, &tc, res);
        n_sets++;
    }
    if (st == BASE_OK && *res == EXEC_CONF_PASS) {
        if (n_sets == 0) {
            *res = EXEC_CONF_SKIP;
            onx_say(&tc, "no test_data_set_*");
        } else {
            onx_say(&tc, "%d data set%s; AP %llu compares, %llu writes", n_sets,
                    n_sets > 1 ? "s" : "", (unsigned long long)tc.ap.n_compares,
                    (unsigned long long)tc.ap.n_writes);
        }
    }
    net_onnx_graph_free(g);
    return st;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

base_status exec_onnx_conformance(const char *node_dir, FILE *fp, exec_conf_counts *counts)
{
    memset(counts, 0, sizeof *counts);
    DIR *dir = opendir(node_dir);
    if (!dir)
        return base_error_at(errno == ENOENT ? BASE_ENOTFOUND : BASE_EIO, node_dir, 0, 0,
                             "cannot open the ONNX node test directory: %s", strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    base_status st = BASE_OK;
    for (struct dirent *de; (de = readdir(dir)) != NULL && st == BASE_OK;) {
        if (strncmp(de->d_name, "test_", 5) != 0)
            continue;
        if (n == cap) {
            size_t nc = cap ? 2 * cap : 256;
            char **nn = base_realloc(names, nc * sizeof *nn);
            if (!nn) {
                st = BASE_ERROR(BASE_ENOMEM, "out of memory");
                break;
            }
            names = nn;
            cap = nc;
        }
        if (!(names[n] = base_strdup(de->d_name)))
            st = BASE_ERROR(BASE_ENOMEM, "out of memory");
        else
            n++;
    }
    closedir(dir);
    if (n)
        qsort(names, n, sizeof *names, name_cmp);
    for (size_t i = 0; i < n && st == BASE_OK; i++) {
        char path[4096], why[512];
        exec_conf_result res;
        base_status cs = path_fmt(path, sizeof path, "%s/%s", node_dir, names[i]);
        if (cs == BASE_OK)
            cs = exec_onnx_case_run(path, &res, why, sizeof why);
        if (cs == BASE_ENOMEM) {
            st = cs;
            break;
        }
        if (cs != BASE_OK) {
            /* A case that cannot be read or is malformed is an error, never hidden. */
            counts->n_errors++;
            if (fp)
                fprintf(fp, "ERROR %-48s %s\n", names[i], base_last_error());
            continue;
        }
        static const char *const tag[] = {"PASS", "FAIL", "SKIP", "OTHER"};
        switch (res) {
        case EXEC_CONF_PASS:
            counts->n_passed++;
            break;
        case EXEC_CONF_FAIL:
            counts->n_failed++;
            break;
        case EXEC_CONF_SKIP:
            counts->n_skipped++;
            break;
        case EXEC_CONF_OTHER:
            counts->n_other++;
            break;
        }
        if (fp && res != EXEC_CONF_OTHER)
            fprintf(fp, "%-5s %-48s %s\n", tag[res], names[i], why);
    }
    for (size_t i = 0; i < n; i++)
        base_free(names[i]);
    base_free(names);
    return st;
}
