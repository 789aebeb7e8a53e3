/* net_onnx_fold.c - constant folding of the shape subgraphs ONNX exporters emit (docs/ONNX.md,
 * "Constant folding"): a node whose inputs are all constant (initializers, Constant nodes,
 * folded outputs, or Shape of an activation whose shape the importer knows) is evaluated here
 * and its output becomes a constant. Semantics, attribute defaults and opset forms (Slice,
 * Unsqueeze and Squeeze axes as attributes before opset 13, as inputs from 13) follow the ONNX
 * operator specification, onnx.ai/onnx/operators; arithmetic broadcasts as numpy does
 * (onnx.ai/onnx/repo-docs/Broadcasting.html). Integer Div truncates toward zero, as C and
 * onnxruntime do. Every folded tensor is bounded by NET_FOLD_ELEMS_MAX elements. */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "networks/net_impl.h"

/* The node being folded, for messages. */
typedef struct fold_ctx {
    const char *path;
    const net_onnx_node *nd;
} fold_ctx;

static base_status fail(const fold_ctx *c, base_status st, const char *fmt, ...)
{
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return base_error_at(st, c->path, 0, 0, "node '%s' (%s): %s", c->nd->name, c->nd->op_type, msg);
}

void net_onnx_dims_text(const int64_t *dims, int n_dims, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    used += (size_t)snprintf(buf, cap, "[");
    for (int i = 0; i < n_dims && used < cap; i++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%" PRId64, i ? ", " : "", dims[i]);
    if (used < cap)
        snprintf(buf + used, cap - used, "]");
}

static int is_float(int dtype)
{
    return dtype == NET_DT_FLOAT || dtype == NET_DT_DOUBLE;
}

/* A new zeroed tensor of the given type and shape, named after the node's first output. */
static base_status new_tensor(const fold_ctx *c, int dtype, int n_dims, const int64_t *dims,
                              net_tensor **out)
{
    uint64_t n = 1;
    *out = NULL;
    if (n_dims > NET_TENSOR_DIMS_MAX)
        return fail(c, BASE_ERANGE, "the result has %d dimensions (at most %d)", n_dims,
                    NET_TENSOR_DIMS_MAX);
    for (int i = 0; i < n_dims; i++) {
        if (dims[i] < 0 || (uint64_t)dims[i] > (uint64_t)NET_FOLD_ELEMS_MAX)
            return fail(c, BASE_ERANGE, "result dimension %d is %" PRId64, i, dims[i]);
        n *= (uint64_t)dims[i];
        if (n > (uint64_t)NET_FOLD_ELEMS_MAX)
            return fail(c, BASE_ERANGE, "the result would have more than %ld elements",
                        NET_FOLD_ELEMS_MAX);
    }
    net_tensor *t = base_calloc(1, sizeof *t);
    if (!t)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    t->name = base_strdup(c->nd->n_outputs ? c->nd->outputs[0] : "");
    t->dtype = (net_dtype)dtype;
    t->n_dims = n_dims;
    if (n_dims)
        memcpy(t->dims, dims, (size_t)n_dims * sizeof *dims);
    t->n_elems = (size_t)n;
    if (is_float(dtype))
        t->fval = base_calloc(n ? n : 1, sizeof *t->fval);
    else
        t->ival = base_calloc(n ? n : 1, sizeof *t->ival);
    if (!t->name || (!t->fval && !t->ival)) {
        net_tensor_free(t);
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    }
    *out = t;
    return BASE_OK;
}

/* Element i of t as a double / an integer. */
static double get_f(const net_tensor *t, size_t i)
{
    return t->fval ? t->fval[i] : (double)t->ival[i];
}

/* Input i, which must be present. */
static base_status need(const fold_ctx *c, const net_tensor *const *ins, size_t i,
                        const net_tensor **out)
{
    if (i >= c->nd->n_inputs || !ins[i])
        return fail(c, BASE_EINVAL, "input %zu is missing", i);
    if (!ins[i]->ival && !ins[i]->fval)
        return fail(c, BASE_EUNSUPPORTED, "input %zu '%s' has no constant value", i,
                    c->nd->inputs[i]);
    *out = ins[i];
    return BASE_OK;
}

/* Input i as a list of integers (an int tensor of rank <= 1). */
static base_status int_list(const fold_ctx *c, const net_tensor *t, const char *what)
{
    if (!t->ival || t->n_dims > 1)
        return fail(c, BASE_EUNSUPPORTED, "%s must be a 1-D integer tensor", what);
    return BASE_OK;
}

/* axis normalized against rank (-rank..rank-1). */
static base_status norm_axis(const fold_ctx *c, int64_t axis, int rank, int *out)
{
    if (axis < -rank || axis >= rank)
        return fail(c, BASE_ERANGE, "axis %" PRId64 " is outside %d..%d", axis, -rank, rank - 1);
    *out = (int)(axis < 0 ? axis + rank : axis);
    return BASE_OK;
}

/* Integer axes: attribute name (opsets before 13) or input 1; n = -1 when neither gives any. */
static base_status axes_of(const fold_ctx *c, const net_tensor *const *ins, int64_t *axes, int *n)
{
    const net_onnx_attr *a = net_onnx_attr_find(c->nd, "axes");
    *n = -1;
    if (a && a->n_ints) {
        if (a->n_ints > NET_TENSOR_DIMS_MAX)
            return fail(c, BASE_ERANGE, "%zu axes", a->n_ints);
        memcpy(axes, a->ints, a->n_ints * sizeof *axes);
        *n = (int)a->n_ints;
    } else if (c->nd->n_inputs > 1 && ins[1]) {
        base_status st = int_list(c, ins[1], "axes");
        if (st != BASE_OK)
            return st;
        if (ins[1]->n_elems > NET_TENSOR_DIMS_MAX)
            return fail(c, BASE_ERANGE, "%zu axes", ins[1]->n_elems);
        memcpy(axes, ins[1]->ival, ins[1]->n_elems * sizeof *axes);
        *n = (int)ins[1]->n_elems;
    }
    return BASE_OK;
}

/* ---- Constant, Shape, ConstantOfShape, Range -------------------------------------------- */
static base_status fold_constant(const fold_ctx *c, const net_tensor *const *ins, net_tensor **out)
{
    (void)ins;
    const net_onnx_node *nd = c->nd;
    const net_onnx_attr *a = nd->n_attrs == 1 ? &nd->attrs[0] : NULL;
    if (!a)
        return fail(c, BASE_EINVAL, "needs exactly one value attribute, has %zu", nd->n_attrs);
    int64_t one = 1;
    base_status st;
    if (!strcmp(a->name, "value") && a->t) {
        const net_tensor *v = a->t;
        if ((st = new_tensor(c, v->dtype, v->n_dims, v->dims, out)) != BASE_OK)
            return st;
        for (size_t i = 0; i < v->n_elems; i++)
            if (v->fval)
                (*out)->fval[i] = v->fval[i];
            else
                (*out)->ival[i] = v->ival[i];
        return BASE_OK;
    }
    if (!strcmp(a->name, "value_int") && a->has_i) {
        if ((st = new_tensor(c, NET_DT_INT64, 0, &one, out)) == BASE_OK)
            (*out)->ival[0] = a->i;
        return st;
    }
    if (!strcmp(a->name, "value_float") && a->has_f) {
        if ((st = new_tensor(c, NET_DT_FLOAT, 0, &one, out)) == BASE_OK)
            (*out)->fval[0] = a->f;
        return st;
    }
    if (!strcmp(a->name, "value_ints")) {
        int64_t n = (int64_t)a->n_ints;
        if ((st = new_tensor(c, NET_DT_INT64, 1, &n, out)) == BASE_OK && n)
            memcpy((*out)->ival, a->ints, a->n_ints * sizeof *a->ints);
        return st;
    }
    if (!strcmp(a->name, "value_floats")) {
        int64_t n = (int64_t)a->n_floats;
        if ((st = new_tensor(c, NET_DT_FLOAT, 1, &n, out)) == BASE_OK && n)
            memcpy((*out)->fval, a->floats, a->n_floats * sizeof *a->floats);
        return st;
    }
    return fail(c, BASE_EUNSUPPORTED, "attribute '%s' is not a value apsim folds", a->name);
}

static base_status fold_shape(const fold_ctx *c, const net_tensor *const *ins, net_tensor **out)
{
    if (!ins[0])
        return fail(c, BASE_EINVAL, "input 0 is missing");
    int64_t rank = ins[0]->n_dims;
    int64_t start = net_onnx_attr_int(c->nd, "start", 0),
            end = net_onnx_attr_int(c->nd, "end", rank);
    start = start < 0 ? start + rank : start;
    end = end < 0 ? end + rank : end;
    start = start < 0 ? 0 : start > rank ? rank : start;
    end = end < 0 ? 0 : end > rank ? rank : end;
    int64_t n = end > start ? end - start : 0;
    base_status st = new_tensor(c, NET_DT_INT64, 1, &n, out);
    for (int64_t i = 0; st == BASE_OK && i < n; i++)
        (*out)->ival[i] = ins[0]->dims[start + i];
    return st;
}

static base_status fold_constant_of_shape(const fold_ctx *c, const net_tensor *const *ins,
                                          net_tensor **out)
{
    const net_tensor *shape;
    base_status st = need(c, ins, 0, &shape);
    if (st == BASE_OK)
        st = int_list(c, shape, "the shape");
    if (st != BASE_OK)
        return st;
    if (shape->n_elems > NET_TENSOR_DIMS_MAX)
        return fail(c, BASE_ERANGE, "the shape has %zu dimensions (at most %d)", shape->n_elems,
                    NET_TENSOR_DIMS_MAX);
    const net_onnx_attr *a = net_onnx_attr_find(c->nd, "value");
    const net_tensor *v = a ? a->t : NULL;
    if (a && (!v || v->n_elems != 1))
        return fail(c, BASE_EINVAL, "value must be a one-element tensor");
    if ((st = new_tensor(c, v ? (int)v->dtype : NET_DT_FLOAT, (int)shape->n_elems, shape->ival,
                         out)) != BASE_OK)
        return st;
    for (size_t i = 0; v && i < (*out)->n_elems; i++)
        if ((*out)->fval)
            (*out)->fval[i] = get_f(v, 0);
        else
            (*out)->ival[i] = v->ival[0];
    return BASE_OK;
}

/* Number of Range elements, max(ceil((limit - start) / delta), 0): exactly for integers
 * (64-bit spans), in double for floats; BASE_ERANGE for delta 0 or too many. */
static base_status range_count(const fold_ctx *c, const net_tensor *const *t, int64_t *n)
{
    double count;
    if (t[0]->ival) {
        int64_t s = t[0]->ival[0], l = t[1]->ival[0], d = t[2]->ival[0];
        if (d == 0)
            return fail(c, BASE_ERANGE, "delta is 0");
        uint64_t span = d > 0 ? (l > s ? (uint64_t)l - (uint64_t)s : 0)
                              : (s > l ? (uint64_t)s - (uint64_t)l : 0);
        uint64_t step = d > 0 ? (uint64_t)d : (uint64_t)(-(d + 1)) + 1; /* |d|, d = INT64_MIN too */
        count = (double)(span / step + (span % step != 0));
    } else {
        if (t[2]->fval[0] == 0)
            return fail(c, BASE_ERANGE, "delta is 0");
        count = ceil((t[1]->fval[0] - t[0]->fval[0]) / t[2]->fval[0]);
    }
    if (!(count <= (double)NET_FOLD_ELEMS_MAX))
        return fail(c, BASE_ERANGE, "the result would have more than %ld elements",
                    NET_FOLD_ELEMS_MAX);
    *n = count > 0 ? (int64_t)count : 0;
    return BASE_OK;
}

static base_status fold_range(const fold_ctx *c, const net_tensor *const *ins, net_tensor **out)
{
    const net_tensor *t[3];
    base_status st;
    int64_t n;
    for (size_t i = 0; i < 3; i++) {
        if ((st = need(c, ins, i, &t[i])) != BASE_OK)
            return st;
        if (t[i]->n_elems != 1 || t[i]->dtype != t[0]->dtype)
            return fail(c, BASE_EINVAL, "start, limit and delta must be scalars of one type");
    }
    if ((st = range_count(c, t, &n)) != BASE_OK ||
        (st = new_tensor(c, t[0]->dtype, 1, &n, out)) != BASE_OK)
        return st;
    /* Integer elements lie between start and limit, so modulo-2^64 arithmetic is exact. */
    for (int64_t i = 0; i < n; i++)
        if ((*out)->fval)
            (*out)->fval[i] = t[0]->fval[0] + (double)i * t[2]->fval[0];
        else
            (*out)->ival[i] =
                (int64_t)((uint64_t)t[0]->ival[0] + (uint64_t)i * (uint64_t)t[2]->ival[0]);
    return BASE_OK;
}

/* ---- Gather, Slice, Concat -------------------------------------------------------------- */
/* Element offsets of a shape: outer (product before axis), extent of axis, inner (after). */
static void split_at(const net_tensor *t, int axis, size_t *outer, size_t *inner)
{
    *outer = *inner = 1;
    for (int i = 0; i < axis; i++)
        *outer *= (size_t)t->dims[i];
    for (int i = axis + 1; i < t->n_dims; i++)
        *inner *= (size_t)t->dims[i];
}

/* dst[i] = src[j] for either storage. */
static void copy_elem(net_tensor *dst, size_t i, const net_tensor *src, size_t j)
{
    if (dst->fval)
        dst->fval[i] = get_f(src, j);
    else
        dst->ival[i] = src->ival[j];
}

static base_status fold_gather(const fold_ctx *c, const net_tensor *const *ins, net_tensor **out)
{
    const net_tensor *data, *idx;
    int axis = 0;
    base_status st;
    if ((st = need(c, ins, 0, &data)) != BASE_OK || (st = need(c, ins, 1, &idx)) != BASE_OK)
        return st;
    if (!idx->ival)
        return fail(c, BASE_EUNSUPPORTED, "indices must be integers");
    if (data->n_dims < 1)
        return fail(c, BASE_ESHAPE, "data must have at least one dimension");
    if ((st = norm_axis(c, net_onnx_attr_int(c->nd, "axis", 0), data->n_dims, &axis)) != BASE_OK)
        return st;
    int64_t dims[NET_TENSOR_DIMS_MAX + NET_TENSOR_DIMS_MAX];
    int nd = 0;
    for (int i = 0; i < axis; i++)
        dims[nd++] = data->dims[i];
    for (int i = 0; i < idx->n_dims; i++)
        dims[nd++] = idx->dims[i];
    for (int i = axis + 1; i < data->n_dims; i++)
        dims[nd++] = data->dims[i];
    int64_t extent = data->dims[axis];
    for (size_t k = 0; k < idx->n_elems; k++)
        if (idx->ival[k] < -extent || idx->ival[k] >= extent)
            return fail(c, BASE_ERANGE, "index %" PRId64 " is outside %" PRId64 "..%" PRId64,
                        idx->ival[k], -extent, extent - 1);
    if ((st = new_tensor(c, data->dtype, nd, dims, out)) != BASE_OK)
        return st;
    size_t outer, inner, o = 0;
    split_at(data, axis, &outer, &inner);
    for (size_t a = 0; a < outer; a++)
        for (size_t k = 0; k < idx->n_elems; k++) {
            int64_t j = idx->ival[k] < 0 ? idx->ival[k] + extent : idx->ival[k];
            for (size_t b = 0; b < inner; b++)
                copy_elem(*out, o++, data, (a * (size_t)extent + (size_t)j) * inner + b);
        }
    return BASE_OK;
}

/* Slice parameters per axis: start, step and count along each dimension of data. */
typedef struct slice_plan {
    int64_t start[NET_TENSOR_DIMS_MAX], step[NET_TENSOR_DIMS_MAX], count[NET_TENSOR_DIMS_MAX];
} slice_plan;

/* One axis of a Slice: start/end clamped as the specification says for the sign of step. */
static void slice_axis(int64_t dim, int64_t s, int64_t e, int64_t step, slice_plan *p, int ax)
{
    s = s < 0 ? s + dim : s;
    e = e < 0 ? e + dim : e;
    if (step > 0) {
        s = s < 0 ? 0 : s > dim ? dim : s;
        e = e < 0 ? 0 : e > dim ? dim : e;
        p->count[ax] = e > s ? (e - s + step - 1) / step : 0;
    } else {
        s = s < 0 ? 0 : s > dim - 1 ? dim - 1 : s;
        e = e < -1 ? -1 : e > dim - 1 ? dim - 1 : e;
        p->count[ax] = s > e ? (s - e - step - 1) / -step : 0;
    }
    p->start[ax] = s;
    p->step[ax] = step;
}

/* starts, ends, axes, steps: inputs 1..4 (opset 10+) or attributes (opset 1..9). */
static base_status slice_args(const fold_ctx *c, const net_tensor *const *ins, const int64_t **v,
                              size_t *n)
{
    static const char *const names[4] = {"starts", "ends", "axes", "steps"};
    for (size_t k = 0; k < 4; k++) {
        v[k] = NULL;
        n[k] = 0;
        const net_tensor *t = c->nd->n_inputs > k + 1 ? ins[k + 1] : NULL;
        const net_onnx_attr *a = c->nd->n_inputs == 1 ? net_onnx_attr_find(c->nd, names[k]) : NULL;
        if (t) {
            base_status st = int_list(c, t, names[k]);
            if (st != BASE_OK)
                return st;
            v[k] = t->ival;
            n[k] = t->n_elems;
        } else if (a) {
            v[k] = a->ints;
            n[k] = a->n_ints;
        }
    }
    if (!v[0] || !v[1] || n[0] != n[1] || (v[2] && n[2] != n[0]) || (v[3] && n[3] != n[0]))
        return fail(c, BASE_EINVAL, "starts, ends (and axes, steps) must be given, of one length");
    return BASE_OK;
}

static base_status fold_slice(const fold_ctx *c, const net_tensor *const *ins, net_tensor **out)
{
    const net_tensor *data;
    const int64_t *v[4];
    size_t n[4];
    base_status st;
    if ((st = need(c, ins, 0, &data)) != BASE_OK || (st = slice_args(c, ins, v, n)) != BASE_OK)
        return st;
    slice_plan p;
    int seen[NET_TENSOR_DIMS_MAX] = {0};
    for (int i = 0; i < data->n_dims; i++)
        slice_axis(data->dims[i], 0, data->dims[i], 1, &p, i);
    for (size_t k = 0; k < n[0]; k++) {
        int ax = 0;
        int64_t step = v[3] ? v[3][k] : 1;
        if ((st = norm_axis(c, v[2] ? v[2][k] : (int64_t)k, data->n_dims, &ax)) != BASE_OK)
            return st;
        if (step == 0)
            return fail(c, BASE_ERANGE, "step 0 on axis %d", ax);
        if (seen[ax]++)
            return fail(c, BASE_EINVAL, "axis %d is sliced twice", ax);
        slice_axis(data->dims[ax], v[0][k], v[1][k], step, &p, ax);
    }
    if ((st = new_tensor(c, data->dtype, data->n_dims, p.count, out)) != BASE_OK)
        return st;
    int64_t at[NET_TENSOR_DIMS_MAX] = {0};
    for (size_t o = 0; o < (*out)->n_elems; o++) {
        size_t src = 0;
        for (int i = 0; i < data->n_dims; i++)
            src = src * (size_t)data->dims[i] + (size_t)(p.start[i] + at[i] * p.step[i]);
        copy_elem(*out, o, data, src);
        for (int i = data->n_dims - 1; i >= 0 && ++at[i] == p.count[i]; i--)
            at[i] = 0;
    }
    return BASE_OK;
}

static base_status fold_concat(const fold_ctx *c, const net_tensor *const *ins, net_tensor **out)
{
    const net_tensor *first, *t;
    int axis = 0;
    base_status st;
    const net_onnx_attr *a = net_onnx_attr_find(c->nd, "axis");
    if (!a || !a->has_i)
        return fail(c, BASE_EINVAL, "needs the axis attribute");
    if ((st = need(c, ins, 0, &first)) != BASE_OK ||
        (st = norm_axis(c, a->i, first->n_dims, &axis)) != BASE_OK)
        return st;
    int64_t dims[NET_TENSOR_DIMS_MAX];
    memcpy(dims, first->dims, sizeof dims);
    dims[axis] = 0;
    for (size_t k = 0; k < c->nd->n_inputs; k++) {
        if ((st = need(c, ins, k, &t)) != BASE_OK)
            return st;
        int same = t->n_dims == first->n_dims && t->dtype == first->dtype;
        for (int i = 0; same && i < t->n_dims; i++)
            same = i == axis || t->dims[i] == first->dims[i];
        if (!same) {
            char sa[96], sb[96];
            net_onnx_dims_text(first->dims, first->n_dims, sa, sizeof sa);
            net_onnx_dims_text(t->dims, t->n_dims, sb, sizeof sb);
            return fail(c, BASE_ESHAPE,
                        "input %zu %s %s does not concatenate with %s %s on axis %d", k,
                        net_dtype_name(t->dtype), sb, net_dtype_name(first->dtype), sa, axis);
        }
        dims[axis] += t->dims[axis];
    }
    if ((st = new_tensor(c, first->dtype, first->n_dims, dims, out)) != BASE_OK)
        return st;
    size_t outer, inner, o = 0;
    split_at(first, axis, &outer, &inner);
    for (size_t a0 = 0; a0 < outer; a0++)
        for (size_t k = 0; k < c->nd->n_inputs; k++) {
            size_t span = (size_t)ins[k]->dims[axis] * inner;
            for (size_t j = 0; j < span; j++)
                copy_elem(*out, o++, ins[k], a0 * span + j);
        }
    return BASE_OK;
}

/* ---- Cast, Unsqueeze, Squeeze, Reshape -------------------------------------------------- */
/* A copy of t with other dims (same element count). */
static base_status reshaped(const fold_ctx *c, const net_tensor *t, int n_dims, const int64_t *dims,
                            net_tensor **out)
{
    base_status st = new_tensor(c, t->dtype, n_dims, dims, out);
    for (size_t i = 0; st == BASE_OK && i < t->n_elems; i++)
        copy_elem(*out, i, t, i);
    return st;
}

/* An integer cast to a width: wraps as two's complement (unsigned types keep their range). */
static int64_t wrap_int(int64_t v, int dtype)
{
    unsigned bits = net_dtype_bits(dtype);
    if (dtype == NET_DT_BOOL)
        return v != 0;
    if (bits >= 64)
        return v;
    uint64_t u = (uint64_t)v & ((1ull << bits) - 1);
    int is_signed = dtype == NET_DT_INT8 || dtype == NET_DT_INT16 || dtype == NET_DT_INT32;
    if (is_signed && (u >> (bits - 1)))
        u |= ~0ull << bits;
    return (int64_t)u;
}

static base_status fold_cast(const fold_ctx *c, const net_tensor *const *ins, net_tensor **out)
{
    const net_tensor *x;
    base_status st = need(c, ins, 0, &x);
    if (st != BASE_OK)
        return st;
    int to = (int)net_onnx_attr_int(c->nd, "to", 0);
    if (!strcmp(net_dtype_name(to), "?"))
        return fail(c, BASE_EUNSUPPORTED, "cast to data type %d", to);
    if ((st = new_tensor(c, to, x->n_dims, x->dims, out)) != BASE_OK)
        return st;
    for (size_t i = 0; i < x->n_elems; i++) {
        if ((*out)->fval) {
            double f = get_f(x, i);
            (*out)->fval[i] = to == NET_DT_FLOAT ? (double)(float)f : f;
        } else if (x->fval) {
            double f = x->fval[i];
            if (!(f > -9.2e18 && f < 9.2e18)) {
                net_tensor_free(*out);
                *out = NULL;
                return fail(c, BASE_ERANGE, "value %g does not fit %s", f, net_dtype_name(to));
            }
            (*out)->ival[i] = wrap_int(to == NET_DT_BOOL ? (f != 0) : (int64_t)f, to);
        } else {
            (*out)->ival[i] = wrap_int(x->ival[i], to);
        }
    }
    return BASE_OK;
}

static base_status fold_unsqueeze(const fold_ctx *c, const net_tensor *const *ins, net_tensor **out)
{
    const net_tensor *x;
    int64_t axes[NET_TENSOR_DIMS_MAX];
    int n;
    base_status st;
    if ((st = need(c, ins, 0, &x)) != BASE_OK || (st = axes_of(c, ins, axes, &n)) != BASE_OK)
        return st;
    if (n < 1)
        return fail(c, BASE_EINVAL, "needs axes");
    int rank = x->n_dims + n, is_new[NET_TENSOR_DIMS_MAX] = {0};
    if (rank > NET_TENSOR_DIMS_MAX)
        return fail(c, BASE_ERANGE, "the result has %d dimensions (at most %d)", rank,
                    NET_TENSOR_DIMS_MAX);
    for (int k = 0; k < n; k++) {
        int ax = 0;
        if ((st = norm_axis(c, axes[k], rank, &ax)) != BASE_OK)
            return st;
        if (is_new[ax]++)
            return fail(c, BASE_EINVAL, "axis %d is given twice", ax);
    }
    int64_t dims[NET_TENSOR_DIMS_MAX];
    for (int i = 0, j = 0; i < rank; i++)
        dims[i] = is_new[i] ? 1 : x->dims[j++];
    return reshaped(c, x, rank, dims, out);
}

static base_status fold_squeeze(const fold_ctx *c, const net_tensor *const *ins, net_tensor **out)
{
    const net_tensor *x;
    int64_t axes[NET_TENSOR_DIMS_MAX];
    int n, drop[NET_TENSOR_DIMS_MAX] = {0};
    base_status st;
    if ((st = need(c, ins, 0, &x)) != BASE_OK || (st = axes_of(c, ins, axes, &n)) != BASE_OK)
        return st;
    for (int i = 0; n < 0 && i < x->n_dims; i++)
        drop[i] = x->dims[i] == 1;
    for (int k = 0; k < n; k++) {
        int ax = 0;
        if ((st = norm_axis(c, axes[k], x->n_dims, &ax)) != BASE_OK)
            return st;
        if (x->dims[ax] != 1)
            return fail(c, BASE_ESHAPE, "axis %d has extent %" PRId64 ", not 1", ax, x->dims[ax]);
        drop[ax] = 1;
    }
    int64_t dims[NET_TENSOR_DIMS_MAX];
    int rank = 0;
    for (int i = 0; i < x->n_dims; i++)
        if (!drop[i])
            dims[rank++] = x->dims[i];
    return reshaped(c, x, rank, dims, out);
}

static base_status fold_reshape(const fold_ctx *c, const net_tensor *const *ins, net_tensor **out)
{
    const net_tensor *x, *shape;
    base_status st;
    if ((st = need(c, ins, 0, &x)) != BASE_OK || (st = need(c, ins, 1, &shape)) != BASE_OK ||
        (st = int_list(c, shape, "the shape")) != BASE_OK)
        return st;
    if (shape->n_elems > NET_TENSOR_DIMS_MAX)
        return fail(c, BASE_ERANGE, "the shape has %zu dimensions", shape->n_elems);
    int allowzero = net_onnx_attr_int(c->nd, "allowzero", 0) != 0, infer = -1;
    int64_t dims[NET_TENSOR_DIMS_MAX], known = 1;
    for (size_t i = 0; i < shape->n_elems; i++) {
        int64_t d = shape->ival[i];
        if (d == 0 && !allowzero) {
            if ((int)i >= x->n_dims)
                return fail(c, BASE_ESHAPE, "shape entry %zu is 0 but the input has %d dimensions",
                            i, x->n_dims);
            d = x->dims[i];
        }
        if (d == -1 && infer < 0) {
            infer = (int)i;
            continue;
        }
        if (d < 0)
            return fail(c, BASE_ESHAPE, "shape entry %zu is %" PRId64, i, shape->ival[i]);
        dims[i] = d;
        known = d && known > INT64_MAX / d ? INT64_MAX : known * d;
    }
    if (infer >= 0)
        dims[infer] = known ? (int64_t)x->n_elems / known : 0;
    if (infer >= 0 ? known == 0 || (int64_t)x->n_elems % known != 0
                   : known != (int64_t)x->n_elems) {
        char sa[96], sb[96];
        net_onnx_dims_text(x->dims, x->n_dims, sa, sizeof sa);
        net_onnx_dims_text(shape->ival, (int)shape->n_elems, sb, sizeof sb);
        return fail(c, BASE_ESHAPE, "cannot reshape %s to %s", sa, sb);
    }
    return reshaped(c, x, (int)shape->n_elems, dims, out);
}

/* ---- Arithmetic ------------------------------------------------------------------------- */
/* The numpy broadcast of a and b's shapes into dims (rank *n). */
static base_status broadcast(const fold_ctx *c, const net_tensor *a, const net_tensor *b,
                             int64_t *dims, int *n)
{
    *n = a->n_dims > b->n_dims ? a->n_dims : b->n_dims;
    for (int i = 0; i < *n; i++) {
        int ia = i - (*n - a->n_dims), ib = i - (*n - b->n_dims);
        int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
        if (da != db && da != 1 && db != 1) {
            char sa[96], sb[96];
            net_onnx_dims_text(a->dims, a->n_dims, sa, sizeof sa);
            net_onnx_dims_text(b->dims, b->n_dims, sb, sizeof sb);
            return fail(c, BASE_ESHAPE, "shapes %s and %s do not broadcast", sa, sb);
        }
        dims[i] = da == 1 ? db : da;
    }
    return BASE_OK;
}

/* Offset in t of the output index at (rank n, t aligned to the right; broadcast dims repeat). */
static size_t bcast_offset(const net_tensor *t, const int64_t *at, int n)
{
    size_t off = 0;
    for (int i = 0; i < t->n_dims; i++) {
        int64_t d = t->dims[i];
        off = off * (size_t)d + (size_t)(d == 1 ? 0 : at[i + n - t->n_dims]);
    }
    return off;
}

/* One integer operation: 0 on success, 1 on overflow or division by zero. */
static int int_op(char op, int64_t x, int64_t y, int64_t *r)
{
    switch (op) {
    case '+':
        return __builtin_add_overflow(x, y, r);
    case '-':
        return __builtin_sub_overflow(x, y, r);
    case '*':
        return __builtin_mul_overflow(x, y, r);
    default:
        if (y == 0 || (x == INT64_MIN && y == -1))
            return 1;
        *r = x / y;
        return 0;
    }
}

/* Add, Sub, Mul, Div (the node's operator) with numpy broadcasting. */
static base_status fold_arith(const fold_ctx *c, const net_tensor *const *ins, net_tensor **out)
{
    const char *name = c->nd->op_type;
    const char op = name[0] == 'A' ? '+' : name[0] == 'S' ? '-' : name[0] == 'M' ? '*' : '/';
    const net_tensor *a, *b;
    int64_t dims[NET_TENSOR_DIMS_MAX], at[NET_TENSOR_DIMS_MAX] = {0};
    int n;
    base_status st;
    if ((st = need(c, ins, 0, &a)) != BASE_OK || (st = need(c, ins, 1, &b)) != BASE_OK ||
        (st = broadcast(c, a, b, dims, &n)) != BASE_OK)
        return st;
    if (a->dtype != b->dtype)
        return fail(c, BASE_EINVAL, "operands are %s and %s (ONNX needs one type)",
                    net_dtype_name(a->dtype), net_dtype_name(b->dtype));
    if ((st = new_tensor(c, a->dtype, n, dims, out)) != BASE_OK)
        return st;
    for (size_t o = 0; o < (*out)->n_elems; o++) {
        size_t ia = bcast_offset(a, at, n), ib = bcast_offset(b, at, n);
        if ((*out)->fval) {
            double x = a->fval[ia], y = b->fval[ib];
            (*out)->fval[o] = op == '+' ? x + y : op == '-' ? x - y : op == '*' ? x * y : x / y;
        } else if (int_op(op, a->ival[ia], b->ival[ib], &(*out)->ival[o])) {
            net_tensor_free(*out);
            *out = NULL;
            return fail(c, BASE_ERANGE, "%" PRId64 " %c %" PRId64 " overflows or divides by zero",
                        a->ival[ia], op, b->ival[ib]);
        }
        for (int i = n - 1; i >= 0 && ++at[i] == dims[i]; i--)
            at[i] = 0;
    }
    return BASE_OK;
}

static base_status fold_unary(const fold_ctx *c, const net_tensor *const *ins, net_tensor **out)
{
    const char *op = c->nd->op_type;
    const net_tensor *x;
    base_status st = need(c, ins, 0, &x);
    if (st != BASE_OK)
        return st;
    if (!x->fval)
        return fail(c, BASE_EUNSUPPORTED, "takes a float input, not %s", net_dtype_name(x->dtype));
    if ((st = new_tensor(c, x->dtype, x->n_dims, x->dims, out)) != BASE_OK)
        return st;
    for (size_t i = 0; i < x->n_elems; i++)
        (*out)->fval[i] = op[0] == 'F'   ? floor(x->fval[i])
                          : op[0] == 'C' ? ceil(x->fval[i])
                                         : sqrt(x->fval[i]);
    return BASE_OK;
}

/* ---- Dispatch ----------------------------------------------------------------------------- */
/* The operators apsim folds, each with its evaluation. */
static const struct {
    const char *op;
    base_status (*eval)(const fold_ctx *c, const net_tensor *const *ins, net_tensor **out);
} fold_rows[] = {
    {"Constant", fold_constant},
    {"Shape", fold_shape},
    {"ConstantOfShape", fold_constant_of_shape},
    {"Range", fold_range},
    {"Gather", fold_gather},
    {"Slice", fold_slice},
    {"Concat", fold_concat},
    {"Cast", fold_cast},
    {"Unsqueeze", fold_unsqueeze},
    {"Squeeze", fold_squeeze},
    {"Reshape", fold_reshape},
    {"Add", fold_arith},
    {"Sub", fold_arith},
    {"Mul", fold_arith},
    {"Div", fold_arith},
    {"Floor", fold_unary},
    {"Ceil", fold_unary},
    {"Sqrt", fold_unary},
};

/* Index of op's row, or -1. */
static int fold_row(const char *op)
{
    for (size_t i = 0; i < sizeof fold_rows / sizeof fold_rows[0]; i++)
        if (strcmp(fold_rows[i].op, op) == 0)
            return (int)i;
    return -1;
}

int net_onnx_fold_op(const char *op)
{
    return fold_row(op) >= 0;
}

base_status net_onnx_fold_eval(const char *path, const net_onnx_node *nd,
                               const net_tensor *const *ins, net_tensor **out)
{
    const fold_ctx c = {path, nd};
    int r = fold_row(nd->op_type);
    *out = NULL;
    if (r < 0)
        return fail(&c, BASE_EUNSUPPORTED, "not an operator apsim folds");
    return fold_rows[r].eval(&c, ins, out);
}
