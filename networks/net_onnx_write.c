/* net_onnx_write.c - a quantized chain network written as a QOperator ONNX model (opset 13):
 * QuantizeLinear, QLinearConv, Clip, MaxPool, Flatten, MatMulInteger, Add, DequantizeLinear,
 * with the inputs, types and attributes of the ONNX operator specification
 * (onnx.ai/onnx/operators), serialized with the protobuf-c bindings generated from Debian
 * libonnx-dev's onnx.proto (docs/ONNX.md, "Export"). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "networks/net.h"
#include "onnx/onnx.pb-c.h"

#define QX_OPSET      13
#define QX_IR_VERSION 7 /* the IR of opset 13 (onnx/onnx docs/Versioning.md) */

/* Every allocation of one model, freed together. */
typedef struct qx_writer {
    void **blocks;
    size_t n_blocks, cap_blocks;
    int failed;
    Onnx__GraphProto *g;
    size_t cap_nodes, cap_inits;
} qx_writer;

static void *wr_alloc(qx_writer *w, size_t size)
{
    if (w->failed)
        return NULL;
    if (w->n_blocks == w->cap_blocks) {
        size_t cap = w->cap_blocks ? 2 * w->cap_blocks : 256;
        void **nb = base_realloc(w->blocks, cap * sizeof *nb);
        if (!nb) {
            w->failed = 1;
            return NULL;
        }
        w->blocks = nb;
        w->cap_blocks = cap;
    }
    void *p = base_calloc(1, size ? size : 1);
    if (!p) {
        w->failed = 1;
        return NULL;
    }
    w->blocks[w->n_blocks++] = p;
    return p;
}

static char *wr_str(qx_writer *w, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char *s = wr_alloc(w, strlen(buf) + 1);
    if (s)
        memcpy(s, buf, strlen(buf) + 1);
    return s;
}

/* An initializer: dims (nd of them, 0 = a scalar), raw little-endian data of len bytes. */
static void wr_init(qx_writer *w, const char *name, int dtype, const int64_t *dims, size_t nd,
                    const void *raw, size_t len)
{
    Onnx__TensorProto *t = wr_alloc(w, sizeof *t);
    int64_t *d = wr_alloc(w, nd * sizeof *d);
    uint8_t *data = wr_alloc(w, len);
    if (!t || !d || !data || w->g->n_initializer == w->cap_inits) {
        w->failed = 1;
        return;
    }
    *t = (Onnx__TensorProto)ONNX__TENSOR_PROTO__INIT;
    t->name = (char *)name;
    if (nd)
        memcpy(d, dims, nd * sizeof *d);
    t->n_dims = nd;
    t->dims = d;
    t->has_data_type = 1;
    t->data_type = dtype;
    memcpy(data, raw, len);
    t->has_raw_data = 1;
    t->raw_data.len = len;
    t->raw_data.data = data;
    w->g->initializer[w->g->n_initializer++] = t;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void wr_scalar_f(qx_writer *w, const char *name, float v)
{
    uint32_t bits;
    uint8_t raw[4];
    memcpy(&bits, &v, sizeof bits);
    put_le32(raw, bits);
    wr_init(w, name, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, NULL, 0, raw, 4);
}

/* A node with inputs (NULL-terminated list) and one output; returns it for attributes. */
static Onnx__NodeProto *wr_node(qx_writer *w, const char *op, const char *name,
                                const char *const *inputs, const char *out)
{
    size_t n = 0;
    while (inputs[n])
        n++;
    Onnx__NodeProto *nd = wr_alloc(w, sizeof *nd);
    char **in = wr_alloc(w, n * sizeof *in), **o = wr_alloc(w, sizeof *o);
    Onnx__AttributeProto **attrs = wr_alloc(w, 4 * sizeof *attrs);
    if (!nd || !in || !o || !attrs || w->g->n_node == w->cap_nodes) {
        w->failed = 1;
        return NULL;
    }
    *nd = (Onnx__NodeProto)ONNX__NODE_PROTO__INIT;
    nd->op_type = (char *)op;
    nd->name = (char *)name;
    memcpy(in, inputs, n * sizeof *in);
    nd->n_input = n;
    nd->input = in;
    o[0] = (char *)out;
    nd->n_output = 1;
    nd->output = o;
    nd->attribute = attrs;
    w->g->node[w->g->n_node++] = nd;
    return nd;
}

/* An INTS attribute (n > 0 values of vals) or an INT attribute (n == 0, value v) on nd (at
 * most 4 attributes). */
static void wr_attr(qx_writer *w, Onnx__NodeProto *nd, const char *name, const int64_t *vals,
                    size_t n, int64_t v)
{
    Onnx__AttributeProto *a = wr_alloc(w, sizeof *a);
    int64_t *ints = wr_alloc(w, (n ? n : 1) * sizeof *ints);
    if (!nd || !a || !ints || nd->n_attribute >= 4) {
        w->failed = 1;
        return;
    }
    *a = (Onnx__AttributeProto)ONNX__ATTRIBUTE_PROTO__INIT;
    a->name = (char *)name;
    a->has_type = 1;
    if (n) {
        a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
        memcpy(ints, vals, n * sizeof *ints);
        a->n_ints = n;
        a->ints = ints;
    } else {
        a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
        a->has_i = 1;
        a->i = v;
    }
    nd->attribute[nd->n_attribute++] = a;
}

/* A graph input or output: a tensor of dtype and n dims. */
static Onnx__ValueInfoProto *wr_value(qx_writer *w, const char *name, int dtype, const int64_t *d,
                                      size_t n)
{
    Onnx__ValueInfoProto *vi = wr_alloc(w, sizeof *vi);
    Onnx__TypeProto *t = wr_alloc(w, sizeof *t);
    Onnx__TypeProto__Tensor *tt = wr_alloc(w, sizeof *tt);
    Onnx__TensorShapeProto *sh = wr_alloc(w, sizeof *sh);
    Onnx__TensorShapeProto__Dimension *dims = wr_alloc(w, n * sizeof *dims);
    Onnx__TensorShapeProto__Dimension **dimp = wr_alloc(w, n * sizeof *dimp);
    if (!vi || !t || !tt || !sh || !dims || !dimp)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        dims[i] = (Onnx__TensorShapeProto__Dimension)ONNX__TENSOR_SHAPE_PROTO__DIMENSION__INIT;
        dims[i].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
        dims[i].dim_value = d[i];
        dimp[i] = &dims[i];
    }
    *sh = (Onnx__TensorShapeProto)ONNX__TENSOR_SHAPE_PROTO__INIT;
    sh->n_dim = n;
    sh->dim = dimp;
    *tt = (Onnx__TypeProto__Tensor)ONNX__TYPE_PROTO__TENSOR__INIT;
    tt->has_elem_type = 1;
    tt->elem_type = dtype;
    tt->shape = sh;
    *t = (Onnx__TypeProto)ONNX__TYPE_PROTO__INIT;
    t->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    t->tensor_type = tt;
    *vi = (Onnx__ValueInfoProto)ONNX__VALUE_INFO_PROTO__INIT;
    vi->name = (char *)name;
    vi->type = t;
    return vi;
}

/* ---- Checks ------------------------------------------------------------------------------- */
static int scale_ok(float s)
{
    return isfinite(s) && s > 0.0f;
}

static base_status check_layer(const net_qexport *q, size_t i)
{
    const net_qx_layer *l = &q->layers[i];
    int gemm = l->op == NET_QX_CONV || l->op == NET_QX_FC, last = i + 1 == q->n_layers;
    if ((unsigned)l->op > NET_QX_FC || !l->name || !*l->name)
        return BASE_ERROR(BASE_EINVAL, "export: layer %zu has no name or an unknown kind", i);
    if ((l->op == NET_QX_FC) != last)
        return BASE_ERROR(BASE_EINVAL,
                          "export: layer '%s': the ONNX writer takes one fc, as the last layer "
                          "(its int32 accumulators are the output)",
                          l->name);
    if (l->op == NET_QX_RELU && (l->relu_max < 1 || l->relu_max > 127))
        return BASE_ERROR(BASE_EINVAL, "export: layer '%s': relu max %d is outside 1..127", l->name,
                          l->relu_max);
    if (l->op == NET_QX_CONV || l->op == NET_QX_MAXPOOL) {
        if (l->kh < 1 || l->kw < 1 || l->stride < 1 || l->pad < 0)
            return BASE_ERROR(BASE_EINVAL, "export: layer '%s': bad window", l->name);
    }
    if (!gemm)
        return BASE_OK;
    if (l->c_in < 1 || l->c_out < 1 || !l->weight || !scale_ok(l->w_scale) || !scale_ok(l->y_scale))
        return BASE_ERROR(BASE_EINVAL, "export: layer '%s': missing weights, channels or scales",
                          l->name);
    size_t n = (size_t)l->c_out * (size_t)l->c_in *
               (l->op == NET_QX_CONV ? (size_t)l->kh * (size_t)l->kw : 1);
    for (size_t j = 0; j < n; j++)
        if (l->weight[j] < -128 || l->weight[j] > 127)
            return BASE_ERROR(BASE_EINVAL, "export: layer '%s': weight %zu (%d) is outside int8",
                              l->name, j, (int)l->weight[j]);
    return BASE_OK;
}

/* ---- Layers -------------------------------------------------------------------------------- */
/* Weights as int8 raw data; fc weights transposed to MatMulInteger's K x N. */
static void wr_weight(qx_writer *w, const net_qx_layer *l, const char *name)
{
    int conv = l->op == NET_QX_CONV;
    size_t k = (size_t)l->c_in * (conv ? (size_t)l->kh * (size_t)l->kw : 1), n = (size_t)l->c_out;
    int8_t *raw = wr_alloc(w, n * k);
    if (!raw)
        return;
    for (size_t o = 0; o < n; o++)
        for (size_t j = 0; j < k; j++)
            raw[conv ? o * k + j : j * n + o] = (int8_t)l->weight[o * k + j];
    int64_t cd[4] = {l->c_out, l->c_in, l->kh, l->kw}, fd[2] = {(int64_t)k, l->c_out};
    wr_init(w, name, ONNX__TENSOR_PROTO__DATA_TYPE__INT8, conv ? cd : fd, conv ? 4 : 2, raw, n * k);
}

static void wr_bias(qx_writer *w, const net_qx_layer *l, const char *name)
{
    uint8_t *raw = wr_alloc(w, 4 * (size_t)l->c_out);
    if (!raw)
        return;
    for (int o = 0; o < l->c_out; o++)
        put_le32(raw + 4 * o, (uint32_t)l->bias[o]);
    int64_t d[1] = {l->c_out};
    wr_init(w, name, ONNX__TENSOR_PROTO__DATA_TYPE__INT32, d, 1, raw, 4 * (size_t)l->c_out);
}

static void wr_window(qx_writer *w, Onnx__NodeProto *nd, const net_qx_layer *l)
{
    const int64_t k[2] = {l->kh, l->kw}, s[2] = {l->stride, l->stride},
                  p[4] = {l->pad, l->pad, l->pad, l->pad};
    wr_attr(w, nd, "kernel_shape", k, 2, 0);
    wr_attr(w, nd, "strides", s, 2, 0);
    wr_attr(w, nd, "pads", p, 4, 0);
}

/* One layer reading tensor *x at scale *xs; leaves its output and scale there. */
static void wr_layer(qx_writer *w, const net_qx_layer *l, const char **x, const char **xs)
{
    const char *out = wr_str(w, "%s_out", l->name);
    const char *wn = wr_str(w, "%s_w", l->name), *bn = wr_str(w, "%s_b", l->name);
    const char *wsn = wr_str(w, "%s_w_scale", l->name), *ysn = wr_str(w, "%s_y_scale", l->name);
    Onnx__NodeProto *nd = NULL;
    switch (l->op) {
    case NET_QX_CONV: {
        wr_weight(w, l, wn);
        wr_scalar_f(w, wsn, l->w_scale);
        wr_scalar_f(w, ysn, l->y_scale);
        if (l->bias)
            wr_bias(w, l, bn);
        const char *in[] = {*x,  *xs,       "zero_i8",           wn,  wsn, "zero_i8",
                            ysn, "zero_i8", l->bias ? bn : NULL, NULL};
        nd = wr_node(w, "QLinearConv", l->name, in, out);
        wr_window(w, nd, l);
        *xs = ysn;
        break;
    }
    case NET_QX_RELU: {
        const char *mx = wr_str(w, "%s_max", l->name);
        const int8_t top = (int8_t)l->relu_max;
        wr_init(w, mx, ONNX__TENSOR_PROTO__DATA_TYPE__INT8, NULL, 0, &top, 1);
        const char *in[] = {*x, "zero_i8", mx, NULL};
        wr_node(w, "Clip", l->name, in, out);
        break;
    }
    case NET_QX_MAXPOOL: {
        const char *in[] = {*x, NULL};
        wr_window(w, wr_node(w, "MaxPool", l->name, in, out), l);
        break;
    }
    case NET_QX_FLATTEN: {
        const char *in[] = {*x, NULL};
        wr_attr(w, wr_node(w, "Flatten", l->name, in, out), "axis", NULL, 0, 1);
        break;
    }
    case NET_QX_FC: {
        const char *acc = l->bias ? wr_str(w, "%s_acc", l->name) : out;
        wr_weight(w, l, wn);
        wr_scalar_f(w, ysn, l->y_scale);
        const char *in[] = {*x, wn, "zero_i8", "zero_i8", NULL};
        wr_node(w, "MatMulInteger", l->name, in, acc);
        if (l->bias) {
            wr_bias(w, l, bn);
            const char *add[] = {acc, bn, NULL};
            wr_node(w, "Add", wr_str(w, "%s_bias", l->name), add, out);
        }
        const char *dq[] = {out, ysn, "zero_i32", NULL};
        wr_node(w, "DequantizeLinear", "dequantize_output", dq, "output");
        *xs = ysn;
        break;
    }
    }
    *x = out;
}

/* ---- The model ----------------------------------------------------------------------------- */
static base_status build(qx_writer *w, const net_qexport *q, Onnx__ModelProto *m)
{
    Onnx__GraphProto *g = wr_alloc(w, sizeof *g);
    Onnx__OperatorSetIdProto *ops = wr_alloc(w, sizeof *ops), **opsp = wr_alloc(w, sizeof *opsp);
    w->cap_nodes = 2 * q->n_layers + 4;
    w->cap_inits = 5 * q->n_layers + 4;
    Onnx__NodeProto **nodes = wr_alloc(w, w->cap_nodes * sizeof *nodes);
    Onnx__TensorProto **inits = wr_alloc(w, w->cap_inits * sizeof *inits);
    Onnx__ValueInfoProto **in = wr_alloc(w, sizeof *in), **outp = wr_alloc(w, 2 * sizeof *outp);
    if (w->failed)
        return BASE_ERROR(BASE_ENOMEM, "out of memory writing ONNX");
    *g = (Onnx__GraphProto)ONNX__GRAPH_PROTO__INIT;
    g->name = (char *)q->name;
    g->node = nodes;
    g->initializer = inits;
    w->g = g;
    const int64_t in_dims[4] = {1, q->c_in, q->h_in, q->w_in};
    const int64_t out_dims[2] = {1, q->layers[q->n_layers - 1].c_out};
    const net_qx_layer *last = &q->layers[q->n_layers - 1];
    in[0] = wr_value(w, "input", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, in_dims, 4);
    outp[0] = wr_value(w, "output", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, out_dims, 2);
    /* The int32 accumulators too: integer outputs compare exactly (tests/ort/ort_check.js). */
    outp[1] = wr_value(w, wr_str(w, "%s_out", last->name), ONNX__TENSOR_PROTO__DATA_TYPE__INT32,
                       out_dims, 2);
    g->n_input = 1;
    g->n_output = 2;
    g->input = in;
    g->output = outp;
    uint8_t zero[4] = {0, 0, 0, 0};
    wr_init(w, "zero_i8", ONNX__TENSOR_PROTO__DATA_TYPE__INT8, NULL, 0, zero, 1);
    wr_init(w, "zero_i32", ONNX__TENSOR_PROTO__DATA_TYPE__INT32, NULL, 0, zero, 4);
    wr_scalar_f(w, "input_scale", q->in_scale);
    const char *qin[] = {"input", "input_scale", "zero_i8", NULL};
    const char *x = "input_q", *xs = "input_scale";
    wr_node(w, "QuantizeLinear", "quantize_input", qin, x);
    for (size_t i = 0; i < q->n_layers; i++)
        wr_layer(w, &q->layers[i], &x, &xs);
    *ops = (Onnx__OperatorSetIdProto)ONNX__OPERATOR_SET_ID_PROTO__INIT;
    ops->domain = "";
    ops->has_version = 1;
    ops->version = QX_OPSET;
    opsp[0] = ops;
    *m = (Onnx__ModelProto)ONNX__MODEL_PROTO__INIT;
    m->has_ir_version = 1;
    m->ir_version = QX_IR_VERSION;
    m->producer_name = "apsim";
    m->n_opset_import = 1;
    m->opset_import = opsp;
    m->graph = g;
    return w->failed ? BASE_ERROR(BASE_ENOMEM, "out of memory writing ONNX") : BASE_OK;
}

typedef struct qx_bytes {
    const uint8_t *data;
    size_t len;
} qx_bytes;

static base_status write_bytes(FILE *fp, const void *ctx)
{
    const qx_bytes *b = ctx;
    return fwrite(b->data, 1, b->len, fp) == b->len ? BASE_OK : BASE_ERROR(BASE_EIO, "write error");
}

base_status net_onnx_export(const net_qexport *q, const char *path)
{
    if (!q || q->n_layers == 0 || !q->layers || q->c_in < 1 || q->h_in < 1 || q->w_in < 1 ||
        !scale_ok(q->in_scale))
        return BASE_ERROR(BASE_EINVAL, "export: no layers, input shape or input scale");
    for (size_t i = 0; i < q->n_layers; i++) {
        base_status st = check_layer(q, i);
        if (st != BASE_OK)
            return st;
    }
    qx_writer w;
    memset(&w, 0, sizeof w);
    Onnx__ModelProto m;
    base_status st = build(&w, q, &m);
    uint8_t *buf = NULL;
    size_t len = 0;
    if (st == BASE_OK) {
        len = onnx__model_proto__get_packed_size(&m);
        buf = base_malloc(len ? len : 1);
        st = buf ? BASE_OK : BASE_ERROR(BASE_ENOMEM, "out of memory writing ONNX");
    }
    if (st == BASE_OK && onnx__model_proto__pack(&m, buf) != len)
        st = BASE_ERROR(BASE_EIO, "%s: protobuf packing failed", path);
    if (st == BASE_OK) {
        qx_bytes b = {buf, len};
        st = base_write_atomic(path, write_bytes, &b);
    }
    base_free(buf);
    for (size_t i = 0; i < w.n_blocks; i++)
        base_free(w.blocks[i]);
    base_free(w.blocks);
    return st;
}
