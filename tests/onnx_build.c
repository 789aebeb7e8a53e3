/* onnx_build.c - the tests' ONNX model writer (tests/onnx_build.h): protobuf-c structs from
 * the generated onnx.proto bindings, everything allocated in one arena freed by ob_free.
 * Operator forms: onnx.ai/onnx/operators. */
#include "tests/onnx_build.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "networks/net.h"
#include "onnx/onnx.pb-c.h"

#define OB_MAX_NODES 128
#define OB_MAX_INITS 128
#define OB_MAX_ATTRS 256
#define OB_MAX_DIMS  8

struct onnx_build {
    Onnx__ModelProto model;
    Onnx__GraphProto graph;
    Onnx__OperatorSetIdProto opset, *opsets[1];
    int opset_version;
    Onnx__NodeProto nodes[OB_MAX_NODES], *np[OB_MAX_NODES];
    Onnx__TensorProto inits[OB_MAX_INITS], *tp[OB_MAX_INITS];
    Onnx__AttributeProto attrs[OB_MAX_ATTRS], *ap[OB_MAX_ATTRS];
    size_t n_attrs;
    Onnx__TensorProto attr_tensors[OB_MAX_ATTRS];
    Onnx__ValueInfoProto in_vi, out_vi, *in_vip[1], *out_vip[1];
    Onnx__TypeProto in_t, out_t;
    Onnx__TypeProto__Tensor in_tt, out_tt;
    Onnx__TensorShapeProto in_sh;
    Onnx__TensorShapeProto__Dimension dims[OB_MAX_DIMS], *dimp[OB_MAX_DIMS];
    void **arena; /* every other allocation */
    size_t n_arena, cap_arena;
};

static void *keep(onnx_build *b, void *p)
{
    ck_assert_ptr_nonnull(p);
    if (b->n_arena == b->cap_arena) {
        b->cap_arena = b->cap_arena ? 2 * b->cap_arena : 64;
        b->arena = realloc(b->arena, b->cap_arena * sizeof *b->arena);
        ck_assert_ptr_nonnull(b->arena);
    }
    b->arena[b->n_arena++] = p;
    return p;
}

static char *str(onnx_build *b, const char *s)
{
    return keep(b, strdup(s));
}

/* "<name>_<suffix>" in the arena. */
static char *named(onnx_build *b, const char *name, const char *suffix)
{
    size_t len = strlen(name) + strlen(suffix) + 2;
    char *s = keep(b, malloc(len));
    snprintf(s, len, "%s_%s", name, suffix);
    return s;
}

onnx_build *ob_new(int opset)
{
    onnx_build *b = calloc(1, sizeof *b);
    ck_assert_ptr_nonnull(b);
    b->model = (Onnx__ModelProto)ONNX__MODEL_PROTO__INIT;
    b->graph = (Onnx__GraphProto)ONNX__GRAPH_PROTO__INIT;
    b->opset = (Onnx__OperatorSetIdProto)ONNX__OPERATOR_SET_ID_PROTO__INIT;
    b->opset.has_version = 1;
    b->opset.version = opset;
    b->opset_version = opset;
    b->opsets[0] = &b->opset;
    b->model.has_ir_version = 1;
    b->model.ir_version = 8;
    b->model.n_opset_import = 1;
    b->model.opset_import = b->opsets;
    b->model.graph = &b->graph;
    b->graph.name = "g";
    b->graph.node = b->np;
    b->graph.initializer = b->tp;
    return b;
}

void ob_free(onnx_build *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n_arena; i++)
        free(b->arena[i]);
    free(b->arena);
    free(b);
}

void ob_input(onnx_build *b, const char *name, size_t n, const char *const *dims)
{
    ck_assert_uint_le(n, OB_MAX_DIMS);
    b->in_vi = (Onnx__ValueInfoProto)ONNX__VALUE_INFO_PROTO__INIT;
    b->in_t = (Onnx__TypeProto)ONNX__TYPE_PROTO__INIT;
    b->in_tt = (Onnx__TypeProto__Tensor)ONNX__TYPE_PROTO__TENSOR__INIT;
    b->in_sh = (Onnx__TensorShapeProto)ONNX__TENSOR_SHAPE_PROTO__INIT;
    for (size_t i = 0; i < n; i++) {
        Onnx__TensorShapeProto__Dimension *d = &b->dims[i];
        *d = (Onnx__TensorShapeProto__Dimension)ONNX__TENSOR_SHAPE_PROTO__DIMENSION__INIT;
        const char *s = dims ? dims[i] : NULL;
        if (s && *s >= '0' && *s <= '9') {
            d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
            d->dim_value = atoll(s);
        } else if (s && *s) {
            d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
            d->dim_param = str(b, s);
        }
        b->dimp[i] = d;
    }
    b->in_sh.n_dim = n;
    b->in_sh.dim = b->dimp;
    b->in_tt.has_elem_type = 1;
    b->in_tt.elem_type = NET_DT_FLOAT;
    b->in_tt.shape = n || dims ? &b->in_sh : NULL;
    b->in_t.value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    b->in_t.tensor_type = &b->in_tt;
    b->in_vi.name = str(b, name);
    b->in_vi.type = &b->in_t;
    b->in_vip[0] = &b->in_vi;
    b->graph.n_input = 1;
    b->graph.input = b->in_vip;
}

void ob_output(onnx_build *b, const char *name)
{
    b->out_vi = (Onnx__ValueInfoProto)ONNX__VALUE_INFO_PROTO__INIT;
    b->out_vi.name = str(b, name);
    b->out_vip[0] = &b->out_vi;
    b->graph.n_output = 1;
    b->graph.output = b->out_vip;
}

/* Fills tensor t: name, type, dims and raw little-endian data of n elements. */
static void fill_tensor(onnx_build *b, Onnx__TensorProto *t, const char *name, int dtype,
                        size_t n_dims, const int64_t *dims, const void *vals, size_t elem_bytes)
{
    *t = (Onnx__TensorProto)ONNX__TENSOR_PROTO__INIT;
    t->name = str(b, name);
    t->has_data_type = 1;
    t->data_type = dtype;
    size_t n = 1;
    int64_t *d = keep(b, calloc(n_dims ? n_dims : 1, sizeof *d));
    for (size_t i = 0; i < n_dims; i++) {
        d[i] = dims[i];
        n *= (size_t)dims[i];
    }
    t->n_dims = n_dims;
    t->dims = d;
    uint8_t *raw = keep(b, calloc(n ? n * elem_bytes : 1, 1));
    for (size_t i = 0; i < n; i++) {
        uint64_t u = 0;
        if (elem_bytes == 8) {
            u = (uint64_t)((const int64_t *)vals)[i];
        } else {
            float f = vals ? ((const float *)vals)[i] : (float)((int)(i * 37 % 64) - 32) / 64.0f;
            uint32_t w;
            memcpy(&w, &f, sizeof w);
            u = w;
        }
        for (size_t j = 0; j < elem_bytes; j++)
            raw[i * elem_bytes + j] = (uint8_t)(u >> (8 * j));
    }
    t->has_raw_data = 1;
    t->raw_data.len = n * elem_bytes;
    t->raw_data.data = raw;
}

void ob_init_i64(onnx_build *b, const char *name, size_t n_dims, const int64_t *dims,
                 const int64_t *vals)
{
    size_t k = b->graph.n_initializer++;
    ck_assert_uint_lt(k, OB_MAX_INITS);
    fill_tensor(b, &b->inits[k], name, NET_DT_INT64, n_dims, dims, vals, 8);
    b->tp[k] = &b->inits[k];
}

void ob_init_f32(onnx_build *b, const char *name, size_t n_dims, const int64_t *dims,
                 const float *vals)
{
    size_t k = b->graph.n_initializer++;
    ck_assert_uint_lt(k, OB_MAX_INITS);
    fill_tensor(b, &b->inits[k], name, NET_DT_FLOAT, n_dims, dims, vals, 4);
    b->tp[k] = &b->inits[k];
}

void ob_node(onnx_build *b, const char *op, const char *name, const char *inputs, const char *out)
{
    size_t k = b->graph.n_node++;
    ck_assert_uint_lt(k, OB_MAX_NODES);
    Onnx__NodeProto *n = &b->nodes[k];
    *n = (Onnx__NodeProto)ONNX__NODE_PROTO__INIT;
    n->op_type = str(b, op);
    n->name = str(b, name);
    char **in = keep(b, calloc(32, sizeof *in));
    char *copy = str(b, inputs), *save = NULL;
    size_t ni = 0;
    for (char *t = strtok_r(copy, " ", &save); t && ni < 32; t = strtok_r(NULL, " ", &save))
        in[ni++] = strcmp(t, "-") ? t : "";
    n->n_input = ni;
    n->input = in;
    char **o = keep(b, calloc(1, sizeof *o));
    o[0] = str(b, out);
    n->n_output = 1;
    n->output = o;
    b->np[k] = n;
}

/* A new attribute on the last node. */
static Onnx__AttributeProto *attr(onnx_build *b, const char *name, int type)
{
    size_t k = b->n_attrs++;
    ck_assert_uint_lt(k, OB_MAX_ATTRS);
    ck_assert_uint_gt(b->graph.n_node, 0);
    Onnx__AttributeProto *a = &b->attrs[k];
    *a = (Onnx__AttributeProto)ONNX__ATTRIBUTE_PROTO__INIT;
    a->name = str(b, name);
    a->has_type = 1;
    a->type = type;
    b->ap[k] = a;
    Onnx__NodeProto *node = &b->nodes[b->graph.n_node - 1];
    /* a node's attributes are consecutive in ap[] */
    if (!node->n_attribute)
        node->attribute = &b->ap[k];
    node->n_attribute++;
    return a;
}

void ob_attr_int(onnx_build *b, const char *name, int64_t v)
{
    Onnx__AttributeProto *a = attr(b, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
    a->has_i = 1;
    a->i = v;
}

void ob_attr_ints(onnx_build *b, const char *name, size_t n, const int64_t *v)
{
    Onnx__AttributeProto *a = attr(b, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
    a->ints = keep(b, calloc(n ? n : 1, sizeof *a->ints));
    memcpy(a->ints, v, n * sizeof *v);
    a->n_ints = n;
}

void ob_attr_float(onnx_build *b, const char *name, float v)
{
    Onnx__AttributeProto *a = attr(b, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
    a->has_f = 1;
    a->f = v;
}

void ob_attr_tensor_i64(onnx_build *b, const char *name, size_t n_dims, const int64_t *dims,
                        const int64_t *vals)
{
    Onnx__AttributeProto *a = attr(b, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR);
    Onnx__TensorProto *t = &b->attr_tensors[b->n_attrs - 1];
    fill_tensor(b, t, name, NET_DT_INT64, n_dims, dims, vals, 8);
    a->t = t;
}

void ob_attr_tensor_f32(onnx_build *b, const char *name, size_t n_dims, const int64_t *dims,
                        const float *vals)
{
    Onnx__AttributeProto *a = attr(b, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR);
    Onnx__TensorProto *t = &b->attr_tensors[b->n_attrs - 1];
    fill_tensor(b, t, name, NET_DT_FLOAT, n_dims, dims, vals, 4);
    a->t = t;
}

/* ---- Layers ----------------------------------------------------------------------------- */
const char *ob_conv(onnx_build *b, const char *name, const char *x, int c_in, int c_out, int k,
                    int stride, int pad, int group)
{
    const int64_t wd[4] = {c_out, c_in / group, k, k}, bd[1] = {c_out};
    const int64_t s2[2] = {stride, stride}, p4[4] = {pad, pad, pad, pad}, k2[2] = {k, k};
    char *w = named(b, name, "w"), *bias = named(b, name, "b"), *out = named(b, name, "out");
    char in[512];
    ob_init_f32(b, w, 4, wd, NULL);
    ob_init_f32(b, bias, 1, bd, NULL);
    snprintf(in, sizeof in, "%s %s %s", x, w, bias);
    ob_node(b, "Conv", name, in, out);
    ob_attr_ints(b, "kernel_shape", 2, k2);
    ob_attr_ints(b, "strides", 2, s2);
    ob_attr_ints(b, "pads", 4, p4);
    ob_attr_int(b, "group", group);
    return out;
}

const char *ob_unary(onnx_build *b, const char *op, const char *name, const char *x)
{
    char *out = named(b, name, "out");
    ob_node(b, op, name, x, out);
    return out;
}

const char *ob_clip(onnx_build *b, const char *name, const char *x, float lo, float hi)
{
    char *mn = named(b, name, "min"), *mx = named(b, name, "max"), *out = named(b, name, "out");
    char in[512];
    ob_init_f32(b, mn, 0, NULL, &lo);
    ob_init_f32(b, mx, 0, NULL, &hi);
    snprintf(in, sizeof in, "%s %s %s", x, mn, mx);
    ob_node(b, "Clip", name, in, out);
    return out;
}

const char *ob_binary(onnx_build *b, const char *op, const char *name, const char *x, const char *y)
{
    char *out = named(b, name, "out");
    char in[512];
    snprintf(in, sizeof in, "%s %s", x, y);
    ob_node(b, op, name, in, out);
    return out;
}

const char *ob_flatten_view(onnx_build *b, const char *name, const char *x)
{
    static const int64_t zero = 0, minus1 = -1, one = 1, axes0 = 0;
    char *shape = named(b, name, "shape"), *idx = named(b, name, "idx"), *n = named(b, name, "n"),
         *nv = named(b, name, "nv"), *rest = named(b, name, "rest"),
         *target = named(b, name, "target"), *out = named(b, name, "out"),
         *axes = named(b, name, "axes");
    char in[512];
    ob_node(b, "Shape", named(b, name, "Shape"), x, shape);
    ob_init_i64(b, idx, 0, NULL, &zero);
    snprintf(in, sizeof in, "%s %s", shape, idx);
    ob_node(b, "Gather", named(b, name, "Gather"), in, n);
    ob_attr_int(b, "axis", 0);
    if (b->opset_version >= 13) {
        ob_init_i64(b, axes, 1, &one, &axes0);
        snprintf(in, sizeof in, "%s %s", n, axes);
        ob_node(b, "Unsqueeze", named(b, name, "Unsqueeze"), in, nv);
    } else {
        ob_node(b, "Unsqueeze", named(b, name, "Unsqueeze"), n, nv);
        ob_attr_ints(b, "axes", 1, &axes0);
    }
    ob_node(b, "Constant", named(b, name, "Constant"), "", rest);
    ob_attr_tensor_i64(b, "value", 1, &one, &minus1);
    snprintf(in, sizeof in, "%s %s", nv, rest);
    ob_node(b, "Concat", named(b, name, "Concat"), in, target);
    ob_attr_int(b, "axis", 0);
    snprintf(in, sizeof in, "%s %s", x, target);
    ob_node(b, "Reshape", name, in, out);
    return out;
}

const char *ob_gemm(onnx_build *b, const char *name, const char *x, int c_in, int c_out)
{
    const int64_t wd[2] = {c_out, c_in}, bd[1] = {c_out};
    char *w = named(b, name, "w"), *bias = named(b, name, "b"), *out = named(b, name, "out");
    char in[512];
    ob_init_f32(b, w, 2, wd, NULL);
    ob_init_f32(b, bias, 1, bd, NULL);
    snprintf(in, sizeof in, "%s %s %s", x, w, bias);
    ob_node(b, "Gemm", name, in, out);
    ob_attr_int(b, "transB", 1);
    return out;
}

const char *ob_hardswish_decomposed(onnx_build *b, const char *name, const char *x)
{
    const float three = 3.0f, six = 6.0f;
    char *c3 = named(b, name, "three"), *c6 = named(b, name, "six");
    ob_init_f32(b, c3, 0, NULL, &three);
    ob_init_f32(b, c6, 0, NULL, &six);
    const char *t = ob_binary(b, "Add", named(b, name, "add"), x, c3);
    t = ob_clip(b, named(b, name, "clip"), t, 0.0f, 6.0f);
    t = ob_binary(b, "Mul", named(b, name, "mul"), x, t);
    return ob_binary(b, "Div", name, t, c6);
}

const char *ob_squeeze_excite(onnx_build *b, const char *name, const char *x, int c, int c_mid)
{
    const char *t = ob_unary(b, "GlobalAveragePool", named(b, name, "pool"), x);
    t = ob_conv(b, named(b, name, "reduce"), t, c, c_mid, 1, 1, 0, 1);
    t = ob_unary(b, "Relu", named(b, name, "relu"), t);
    t = ob_conv(b, named(b, name, "expand"), t, c_mid, c, 1, 1, 0, 1);
    t = ob_unary(b, "HardSigmoid", named(b, name, "gate"), t);
    ob_attr_float(b, "alpha", 1.0f / 6.0f); /* PyTorch's Hardsigmoid as exported (beta 0.5) */
    return ob_binary(b, "Mul", name, x, t);
}

void ob_write(onnx_build *b, const char *path)
{
    size_t len = onnx__model_proto__get_packed_size(&b->model);
    uint8_t *buf = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(onnx__model_proto__pack(&b->model, buf), len);
    FILE *fp = fopen(path, "wb");
    ck_assert_ptr_nonnull(fp);
    ck_assert_uint_eq(fwrite(buf, 1, len, fp), len);
    ck_assert_int_eq(fclose(fp), 0);
    free(buf);
}

/* ---- The MobileNetV2-class model --------------------------------------------------------- */
void onnx_build_mobilenet_class_with(const char *path, const onnx_mbc_opts *o)
{
    static const char *const symbolic[4] = {"N", "3", "H", "W"};
    static const char *const fixed[4] = {"1", "3", "16", "16"};
    onnx_build *b = ob_new(13);
    ob_input(b, "x", 4, o->fixed_input ? fixed : symbolic);
    const char *t = ob_conv(b, "stem", "x", 3, 8, 3, 2, 1, 1);
    t = o->hardswish == 1   ? ob_unary(b, "HardSwish", "stem_act", t)
        : o->hardswish == 2 ? ob_hardswish_decomposed(b, "stem_act", t)
                            : ob_clip(b, "stem_act", t, 0.0f, 6.0f);
    const char *block_in = t;
    t = ob_conv(b, "expand", t, 8, 16, 1, 1, 0, 1);
    t = ob_unary(b, "Relu", "expand_act", t);
    t = ob_conv(b, "dw", t, 16, 16, 3, 1, 1, 16);
    t = ob_clip(b, "dw_act", t, 0.0f, 6.0f);
    t = ob_conv(b, "project", t, 16, 8, 1, 1, 0, 1);
    if (o->squeeze_excite)
        t = ob_squeeze_excite(b, "se", t, 8, 4);
    t = ob_binary(b, "Add", "add", t, block_in);
    t = ob_unary(b, "GlobalAveragePool", "pool", t);
    t = ob_flatten_view(b, "flatten", t);
    t = ob_gemm(b, "fc", t, 8, 10);
    ob_output(b, t);
    ob_write(b, path);
    ob_free(b);
}

void onnx_build_mobilenet_class(const char *path, int fixed_input)
{
    const onnx_mbc_opts o = {.fixed_input = fixed_input};
    onnx_build_mobilenet_class_with(path, &o);
}
