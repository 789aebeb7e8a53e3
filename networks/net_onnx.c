/* net_onnx.c - ONNX models as apsim networks: protobuf decoding (protobuf-c bindings generated
 * at build time from Debian libonnx-dev's onnx.proto, operator semantics from the ONNX
 * operator specification, onnx.ai/onnx/operators), tensors and graphs; net_onnx_import.c
 * lowers a graph into the network builder (docs/ONNX.md). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "networks/net.h"
#include "onnx/onnx.pb-c.h"

/* Largest model or tensor file read, and largest tensor decoded (elements). */
#define ONNX_FILE_MAX  (1ull << 31)
#define ONNX_ELEMS_MAX (1ull << 28)

/* ---- Data types: the one table. X(value, name, is_int, bits, bytes) ------------------- */
#define DTYPE_LIST(X)                                                                              \
    X(NET_DT_FLOAT, "float", 0, 32, 4)                                                             \
    X(NET_DT_UINT8, "uint8", 1, 8, 1)                                                              \
    X(NET_DT_INT8, "int8", 1, 8, 1)                                                                \
    X(NET_DT_UINT16, "uint16", 1, 16, 2)                                                           \
    X(NET_DT_INT16, "int16", 1, 16, 2)                                                             \
    X(NET_DT_INT32, "int32", 1, 32, 4)                                                             \
    X(NET_DT_INT64, "int64", 1, 64, 8)                                                             \
    X(NET_DT_BOOL, "bool", 1, 1, 1)                                                                \
    X(NET_DT_DOUBLE, "double", 0, 64, 8)                                                           \
    X(NET_DT_UINT32, "uint32", 1, 32, 4)                                                           \
    X(NET_DT_UINT64, "uint64", 1, 64, 8)

static const struct dtype_info {
    int value;
    const char *name;
    int is_int;
    unsigned bits, bytes;
} dtypes[] = {
#define DTYPE_ROW(v, n, i, b, s) {v, n, i, b, s},
    DTYPE_LIST(DTYPE_ROW)
#undef DTYPE_ROW
};

static const struct dtype_info *dtype_find(int dtype)
{
    for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
        if (dtypes[i].value == dtype)
            return &dtypes[i];
    return NULL;
}

const char *net_dtype_name(int dtype)
{
    const struct dtype_info *d = dtype_find(dtype);
    return d ? d->name : "?";
}

int net_dtype_is_int(int dtype)
{
    const struct dtype_info *d = dtype_find(dtype);
    return d && d->is_int;
}

unsigned net_dtype_bits(int dtype)
{
    const struct dtype_info *d = dtype_find(dtype);
    return d ? d->bits : 0;
}

static int is_signed_int(int dtype)
{
    return dtype == NET_DT_INT8 || dtype == NET_DT_INT16 || dtype == NET_DT_INT32 ||
           dtype == NET_DT_INT64;
}

/* ---- Files ----------------------------------------------------------------------------- */
static base_status read_file(const char *path, uint8_t **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    FILE *fp = NULL;
    base_status open_st = base_open_input(path, &fp);
    if (open_st != BASE_OK)
        return open_st;
    size_t cap = 65536, n = 0;
    uint8_t *b = base_malloc(cap);
    base_status st = b ? BASE_OK : BASE_ERROR(BASE_ENOMEM, "out of memory");
    while (st == BASE_OK) {
        if (n == cap) {
            if (cap >= ONNX_FILE_MAX) {
                st = base_error_at(BASE_ERANGE, path, 0, 0, "file larger than 2 GiB");
                break;
            }
            uint8_t *nb = base_realloc(b, cap * 2);
            if (!nb) {
                st = BASE_ERROR(BASE_ENOMEM, "out of memory");
                break;
            }
            b = nb;
            cap *= 2;
        }
        size_t got = fread(b + n, 1, cap - n, fp);
        n += got;
        if (got == 0) {
            if (ferror(fp))
                st = base_error_at(BASE_EIO, path, 0, 0, "read error");
            break;
        }
    }
    fclose(fp);
    if (st != BASE_OK) {
        base_free(b);
        return st;
    }
    *buf = b;
    *len = n;
    return BASE_OK;
}

/* ---- Tensors --------------------------------------------------------------------------- */
static void tensor_clear(net_tensor *t)
{
    base_free(t->name);
    base_free(t->ival);
    base_free(t->fval);
    memset(t, 0, sizeof *t);
}

void net_tensor_free(net_tensor *t)
{
    if (!t)
        return;
    tensor_clear(t);
    base_free(t);
}

static int64_t read_le(const uint8_t *p, unsigned bytes, int sign)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; i++)
        v |= (uint64_t)p[i] << (8 * i);
    if (sign && bytes < 8 && (v >> (8 * bytes - 1)) & 1)
        v |= ~0ull << (8 * bytes);
    return (int64_t)v;
}

/* Raw little-endian data of n elements of type d into t. */
static base_status decode_raw(const Onnx__TensorProto *tp, const struct dtype_info *d, uint64_t n,
                              const char *where, net_tensor *t)
{
    if (tp->raw_data.len != n * d->bytes)
        return base_error_at(BASE_EPARSE, where, 0, 0,
                             "tensor '%s': %zu bytes of data for %" PRIu64 " %s elements", t->name,
                             tp->raw_data.len, n, d->name);
    int sign = is_signed_int(d->value);
    const uint8_t *p = tp->raw_data.data;
    for (size_t i = 0; i < n; i++, p += d->bytes) {
        int64_t v = read_le(p, d->bytes, sign);
        if (d->value == NET_DT_FLOAT) {
            uint32_t u = (uint32_t)v;
            float f;
            memcpy(&f, &u, sizeof f);
            t->fval[i] = (double)f;
        } else if (d->value == NET_DT_DOUBLE) {
            uint64_t u = (uint64_t)v;
            memcpy(&t->fval[i], &u, sizeof u);
        } else {
            t->ival[i] = v;
        }
    }
    return BASE_OK;
}

/* Number of values tp holds in the typed field of type d. */
static size_t typed_count(const Onnx__TensorProto *tp, const struct dtype_info *d)
{
    switch (d->value) {
    case NET_DT_FLOAT:
        return tp->n_float_data;
    case NET_DT_DOUBLE:
        return tp->n_double_data;
    case NET_DT_INT64:
        return tp->n_int64_data;
    case NET_DT_UINT32:
    case NET_DT_UINT64:
        return tp->n_uint64_data;
    default:
        return tp->n_int32_data;
    }
}

/* Typed data (float_data, int32_data, ...) of n elements of type d into t. */
static base_status decode_typed(const Onnx__TensorProto *tp, const struct dtype_info *d, uint64_t n,
                                const char *where, net_tensor *t)
{
    size_t have = typed_count(tp, d);
    if (have != n)
        return base_error_at(BASE_EPARSE, where, 0, 0,
                             "tensor '%s': %zu values for %" PRIu64 " elements", t->name, have, n);
    int sign = is_signed_int(d->value);
    for (size_t i = 0; i < n; i++)
        switch (d->value) {
        case NET_DT_FLOAT:
            t->fval[i] = (double)tp->float_data[i];
            break;
        case NET_DT_DOUBLE:
            t->fval[i] = tp->double_data[i];
            break;
        case NET_DT_INT64:
            t->ival[i] = tp->int64_data[i];
            break;
        case NET_DT_UINT32:
        case NET_DT_UINT64:
            t->ival[i] = (int64_t)tp->uint64_data[i];
            break;
        default:
            /* int32_data carries the narrower types; unsigned ones keep their own range. */
            t->ival[i] = tp->int32_data[i];
            if (!sign && d->bits < 32)
                t->ival[i] &= (int64_t)((1ull << d->bits) - 1);
            break;
        }
    return BASE_OK;
}

/* Decodes tp into t (t zeroed by the caller); where names the file in messages. */
static base_status tensor_decode(const Onnx__TensorProto *tp, const char *where, net_tensor *t)
{
    const char *nm = tp->name ? tp->name : "";
    if (!(t->name = base_strdup(nm)))
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    const struct dtype_info *d = dtype_find(tp->data_type);
    if (!d)
        return base_error_at(BASE_EUNSUPPORTED, where, 0, 0,
                             "tensor '%s': data type %d is not supported", nm, (int)tp->data_type);
    if (tp->n_external_data || tp->segment)
        return base_error_at(BASE_EUNSUPPORTED, where, 0, 0,
                             "tensor '%s': external or segmented data", nm);
    if (tp->n_dims > NET_TENSOR_DIMS_MAX)
        return base_error_at(BASE_ERANGE, where, 0, 0,
                             "tensor '%s' has %zu dimensions (at most %d)", nm, tp->n_dims,
                             NET_TENSOR_DIMS_MAX);
    t->dtype = (net_dtype)d->value;
    t->n_dims = (int)tp->n_dims;
    uint64_t n = 1;
    for (size_t i = 0; i < tp->n_dims; i++) {
        if (tp->dims[i] < 0 || (uint64_t)tp->dims[i] > ONNX_ELEMS_MAX)
            return base_error_at(BASE_ERANGE, where, 0, 0, "tensor '%s': dimension %zu is %" PRId64,
                                 nm, i, tp->dims[i]);
        t->dims[i] = tp->dims[i];
        n *= (uint64_t)tp->dims[i];
        if (n > ONNX_ELEMS_MAX)
            return base_error_at(BASE_ERANGE, where, 0, 0, "tensor '%s' is too large", nm);
    }
    t->n_elems = (size_t)n;
    size_t alloc = n ? (size_t)n : 1;
    if (d->is_int)
        t->ival = base_calloc(alloc, sizeof *t->ival);
    else
        t->fval = base_calloc(alloc, sizeof *t->fval);
    if (!t->ival && !t->fval)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    return tp->has_raw_data ? decode_raw(tp, d, n, where, t) : decode_typed(tp, d, n, where, t);
}

base_status net_tensor_load(const char *path, net_tensor **out)
{
    *out = NULL;
    uint8_t *buf;
    size_t len;
    base_status st = read_file(path, &buf, &len);
    if (st != BASE_OK)
        return st;
    Onnx__TensorProto *tp = onnx__tensor_proto__unpack(NULL, len, buf);
    base_free(buf);
    if (!tp)
        return base_error_at(BASE_EPARSE, path, 0, 0,
                             "not a valid ONNX TensorProto (malformed or truncated)");
    net_tensor *t = base_calloc(1, sizeof *t);
    st = t ? tensor_decode(tp, path, t) : BASE_ERROR(BASE_ENOMEM, "out of memory");
    onnx__tensor_proto__free_unpacked(tp, NULL);
    if (st != BASE_OK) {
        net_tensor_free(t);
        return st;
    }
    *out = t;
    return BASE_OK;
}

/* ---- Graphs ---------------------------------------------------------------------------- */
void net_onnx_graph_free(net_onnx_graph *g)
{
    if (!g)
        return;
    base_free(g->path);
    for (size_t i = 0; i < g->n_nodes; i++) {
        net_onnx_node *nd = &g->nodes[i];
        base_free(nd->name);
        base_free(nd->op_type);
        for (size_t j = 0; j < nd->n_inputs; j++)
            base_free(nd->inputs[j]);
        for (size_t j = 0; j < nd->n_outputs; j++)
            base_free(nd->outputs[j]);
        base_free(nd->inputs);
        base_free(nd->outputs);
        for (size_t j = 0; j < nd->n_attrs; j++) {
            base_free(nd->attrs[j].name);
            base_free(nd->attrs[j].ints);
            base_free(nd->attrs[j].s);
            base_free(nd->attrs[j].floats);
            net_tensor_free(nd->attrs[j].t);
        }
        base_free(nd->attrs);
    }
    base_free(g->nodes);
    for (size_t i = 0; i < g->n_inits; i++)
        tensor_clear(&g->inits[i]);
    base_free(g->inits);
    for (size_t i = 0; i < g->n_inputs; i++)
        base_free(g->inputs[i]);
    base_free(g->inputs);
    base_free(g->input_dtypes);
    base_free(g->input_n_dims);
    base_free(g->input_dims);
    for (size_t i = 0; i < g->n_outputs; i++)
        base_free(g->outputs[i]);
    base_free(g->outputs);
    base_free(g);
}

static char *dup_or_empty(const char *s)
{
    return base_strdup(s ? s : "");
}

static base_status dup_names(char **src, size_t n, char ***dst)
{
    *dst = base_calloc(n ? n : 1, sizeof **dst);
    if (!*dst)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        if (!((*dst)[i] = dup_or_empty(src[i])))
            return BASE_ERROR(BASE_ENOMEM, "out of memory");
    return BASE_OK;
}

static base_status node_copy(const Onnx__NodeProto *np, size_t idx, const char *path,
                             net_onnx_node *nd)
{
    const char *nm = np->name && *np->name                             ? np->name
                     : np->n_output && np->output[0] && *np->output[0] ? np->output[0]
                                                                       : NULL;
    char tmp[32];
    if (!nm) {
        snprintf(tmp, sizeof tmp, "node%zu", idx);
        nm = tmp;
    }
    if (!(nd->name = base_strdup(nm)) || !(nd->op_type = dup_or_empty(np->op_type)))
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    if (!*nd->op_type)
        return base_error_at(BASE_EPARSE, path, 0, 0, "node '%s' has no op_type", nd->name);
    /* dup_names leaves a calloc'ed array, so the counts are set as soon as it exists: the
     * free then sees NULL entries (freed as no-ops) and never a missing array. */
    base_status st = dup_names(np->input, np->n_input, &nd->inputs);
    if (nd->inputs)
        nd->n_inputs = np->n_input;
    if (st == BASE_OK)
        st = dup_names(np->output, np->n_output, &nd->outputs);
    if (nd->outputs)
        nd->n_outputs = np->n_output;
    if (st != BASE_OK)
        return st;
    nd->attrs = base_calloc(np->n_attribute ? np->n_attribute : 1, sizeof *nd->attrs);
    if (!nd->attrs)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    nd->n_attrs = np->n_attribute;
    for (size_t j = 0; j < np->n_attribute; j++) {
        const Onnx__AttributeProto *ap = np->attribute[j];
        net_onnx_attr *a = &nd->attrs[j];
        if (!(a->name = dup_or_empty(ap->name)))
            return BASE_ERROR(BASE_ENOMEM, "out of memory");
        a->has_i = ap->has_i;
        a->i = ap->i;
        a->has_f = ap->has_f;
        a->f = (double)ap->f;
        if (ap->has_s) {
            if (!(a->s = base_malloc(ap->s.len + 1)))
                return BASE_ERROR(BASE_ENOMEM, "out of memory");
            if (ap->s.len)
                memcpy(a->s, ap->s.data, ap->s.len);
            a->s[ap->s.len] = '\0';
        }
        if (ap->n_floats) {
            if (!(a->floats = base_calloc(ap->n_floats, sizeof *a->floats)))
                return BASE_ERROR(BASE_ENOMEM, "out of memory");
            for (size_t k = 0; k < ap->n_floats; k++)
                a->floats[k] = (double)ap->floats[k];
            a->n_floats = ap->n_floats;
        }
        if (ap->t) {
            base_status st2 = BASE_OK;
            if (!(a->t = base_calloc(1, sizeof *a->t)) ||
                (st2 = tensor_decode(ap->t, path, a->t)) != BASE_OK)
                return a->t ? st2 : BASE_ERROR(BASE_ENOMEM, "out of memory");
        }
        if (ap->n_ints) {
            if (!(a->ints = base_calloc(ap->n_ints, sizeof *a->ints)))
                return BASE_ERROR(BASE_ENOMEM, "out of memory");
            memcpy(a->ints, ap->ints, ap->n_ints * sizeof *a->ints);
            a->n_ints = ap->n_ints;
        }
    }
    return BASE_OK;
}

static base_status graph_copy(const Onnx__GraphProto *gp, const char *path, net_onnx_graph *g)
{
    g->nodes = base_calloc(gp->n_node ? gp->n_node : 1, sizeof *g->nodes);
    g->inits = base_calloc(gp->n_initializer ? gp->n_initializer : 1, sizeof *g->inits);
    size_t ni = gp->n_input ? gp->n_input : 1;
    g->inputs = base_calloc(ni, sizeof *g->inputs);
    g->input_dtypes = base_calloc(ni, sizeof *g->input_dtypes);
    g->input_n_dims = base_calloc(ni, sizeof *g->input_n_dims);
    g->input_dims = base_calloc(ni, sizeof *g->input_dims);
    if (!g->nodes || !g->inits || !g->inputs || !g->input_dtypes || !g->input_n_dims ||
        !g->input_dims)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    base_status st = BASE_OK;
    for (size_t i = 0; i < gp->n_node && st == BASE_OK; i++, g->n_nodes++)
        st = node_copy(gp->node[i], i, path, &g->nodes[i]);
    for (size_t i = 0; i < gp->n_initializer && st == BASE_OK; i++, g->n_inits++)
        st = tensor_decode(gp->initializer[i], path, &g->inits[i]);
    for (size_t i = 0; i < gp->n_input && st == BASE_OK; i++) {
        const Onnx__ValueInfoProto *vi = gp->input[i];
        if (!vi->name || net_onnx_find_init(g, vi->name))
            continue;
        size_t k = g->n_inputs;
        if (!(g->inputs[k] = base_strdup(vi->name)))
            return BASE_ERROR(BASE_ENOMEM, "out of memory");
        g->n_inputs++;
        g->input_n_dims[k] = -1;
        const Onnx__TypeProto *tp = vi->type;
        if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type)
            continue;
        g->input_dtypes[k] = tp->tensor_type->elem_type;
        const Onnx__TensorShapeProto *sh = tp->tensor_type->shape;
        if (!sh || sh->n_dim > NET_TENSOR_DIMS_MAX)
            continue;
        g->input_n_dims[k] = (int)sh->n_dim;
        for (size_t d = 0; d < sh->n_dim; d++) {
            const Onnx__TensorShapeProto__Dimension *dm = sh->dim[d];
            g->input_dims[k][d] =
                dm->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE &&
                        dm->dim_value >= 0
                    ? dm->dim_value
                    : -1;
        }
    }
    if (st == BASE_OK) {
        g->outputs = base_calloc(gp->n_output ? gp->n_output : 1, sizeof *g->outputs);
        if (!g->outputs)
            return BASE_ERROR(BASE_ENOMEM, "out of memory");
        for (size_t i = 0; i < gp->n_output; i++, g->n_outputs++)
            if (!(g->outputs[i] = dup_or_empty(gp->output[i]->name)))
                return BASE_ERROR(BASE_ENOMEM, "out of memory");
    }
    return st;
}

/* ---- Single assignment ------------------------------------------------------------------
 * ONNX graphs are in SSA form: every tensor is written once, by one node, and never both by a
 * node and as a graph input or initializer. Checked by sorting the names (n log n); among
 * equal names the earlier writer (inputs and initializers first, then nodes in graph order)
 * sorts first, so the message is the same on every run. */
typedef struct writer {
    const char *tensor;
    size_t order;
    const char *node, *op; /* node NULL: op says "graph input" or "initializer" */
} writer;

static int writer_cmp(const void *a, const void *b)
{
    const writer *x = a, *y = b;
    int c = strcmp(x->tensor, y->tensor);
    return c ? c : (x->order > y->order) - (x->order < y->order);
}

static base_status check_single_writer(const net_onnx_graph *g)
{
    size_t n = g->n_inputs + g->n_inits, k = 0;
    for (size_t i = 0; i < g->n_nodes; i++)
        n += g->nodes[i].n_outputs;
    writer *w = base_malloc((n ? n : 1) * sizeof *w);
    if (!w)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    for (size_t i = 0; i < g->n_inputs; i++, k++)
        w[k] = (writer){g->inputs[i], k, NULL, "graph input"};
    for (size_t i = 0; i < g->n_inits; i++, k++)
        w[k] = (writer){g->inits[i].name, k, NULL, "initializer"};
    for (size_t i = 0; i < g->n_nodes; i++)
        for (size_t j = 0; j < g->nodes[i].n_outputs; j++)
            if (g->nodes[i].outputs[j][0]) { /* "" marks an omitted optional output */
                w[k] = (writer){g->nodes[i].outputs[j], k, g->nodes[i].name, g->nodes[i].op_type};
                k++;
            }
    qsort(w, k, sizeof *w, writer_cmp);
    base_status st = BASE_OK;
    for (size_t i = 1; i < k && st == BASE_OK; i++) {
        const writer *first = &w[i - 1], *again = &w[i];
        if (strcmp(first->tensor, again->tensor) != 0)
            continue;
        char who[2][512];
        for (int e = 0; e < 2; e++) {
            const writer *x = e ? first : again;
            snprintf(who[e], sizeof who[e], x->node ? "node '%s' (%s)" : "the %s%s",
                     x->node ? x->node : "", x->op);
        }
        st = base_error_at(BASE_EPARSE, g->path, 0, 0,
                           "%s: tensor '%s' is already written by %s: an ONNX tensor has one "
                           "producer",
                           who[0], again->tensor, who[1]);
    }
    base_free(w);
    return st;
}

base_status net_onnx_graph_load(const char *path, net_onnx_graph **out)
{
    *out = NULL;
    uint8_t *buf;
    size_t len;
    base_status st = read_file(path, &buf, &len);
    if (st != BASE_OK)
        return st;
    Onnx__ModelProto *mp = onnx__model_proto__unpack(NULL, len, buf);
    base_free(buf);
    if (!mp)
        return base_error_at(BASE_EPARSE, path, 0, 0,
                             "not a valid ONNX model (malformed or truncated protobuf)");
    net_onnx_graph *g = NULL;
    if (!mp->graph || mp->graph->n_node == 0)
        st = base_error_at(BASE_EPARSE, path, 0, 0, "ONNX model has no graph or no nodes");
    else if (!(g = base_calloc(1, sizeof *g)) || !(g->path = base_strdup(path)))
        st = BASE_ERROR(BASE_ENOMEM, "out of memory");
    else
        st = graph_copy(mp->graph, path, g);
    onnx__model_proto__free_unpacked(mp, NULL);
    if (st == BASE_OK)
        st = check_single_writer(g);
    if (st != BASE_OK) {
        net_onnx_graph_free(g);
        return st;
    }
    *out = g;
    return BASE_OK;
}

const net_tensor *net_onnx_find_init(const net_onnx_graph *g, const char *name)
{
    if (!name || !*name)
        return NULL;
    for (size_t i = 0; i < g->n_inits; i++)
        if (strcmp(g->inits[i].name, name) == 0)
            return &g->inits[i];
    return NULL;
}

const net_onnx_attr *net_onnx_attr_find(const net_onnx_node *node, const char *name)
{
    for (size_t i = 0; i < node->n_attrs; i++)
        if (strcmp(node->attrs[i].name, name) == 0)
            return &node->attrs[i];
    return NULL;
}
