/* net_onnx_import.c - lowers an ONNX graph to apsim's network layers (docs/ONNX.md) through the
 * network builder, in one pass: the input shape comes from the model's fixed dimensions and a
 * given shape (symbolic ones filled); a node whose inputs are all constant is folded
 * (net_onnx_fold.c); each other supported node is lowered by the row of its layer kind
 * (net_kind.c) and shape-checked by the builder as a YAML layer would be; every value's shape
 * is known (net_onnx_value_shape); weights' ONNX shapes are checked against the inferred ones,
 * and QDQ/QOperator integer types give per-layer bits, kept with the network (native_bits).
 * Operator semantics: onnx.ai/onnx/operators. */
#include <string.h>

#include "networks/net_impl.h"

struct net_onnx_importer {
    const net_onnx_graph *g;
    net_onnx_value *vals;
    size_t n_vals;
    net_builder *b;
    net_onnx_patterns *pat; /* decomposed hard activations (net_onnx_pattern.c) */
    int64_t batch;          /* N of the input shape */
    int in_rank;            /* 4 (N x C x H x W) or 2 (N x F) */
    int in_c, in_h, in_w;   /* the one-image input */
    net_tensor **folded;    /* constants folded from nodes (owned) */
    size_t n_folded;
};

const net_onnx_graph *net_onnx_graph_of(const net_onnx_importer *im)
{
    return im->g;
}

const net_onnx_value *net_onnx_lookup(const net_onnx_importer *im, const char *tensor)
{
    for (size_t i = im->n_vals; i-- > 0;)
        if (strcmp(im->vals[i].tensor, tensor) == 0)
            return &im->vals[i];
    return NULL;
}

const net_onnx_value *net_onnx_input(const net_onnx_importer *im, const net_onnx_node *nd, size_t i)
{
    return i < nd->n_inputs && *nd->inputs[i] ? net_onnx_lookup(im, nd->inputs[i]) : NULL;
}

static void put_value(net_onnx_importer *im, const char *tensor, int layer, const net_tensor *init,
                      unsigned bits)
{
    net_onnx_value *v = &im->vals[im->n_vals++];
    v->tensor = tensor;
    v->layer = layer;
    v->init = init;
    v->bits = bits;
}

void net_onnx_pass(net_onnx_importer *im, const char *tensor, const net_onnx_value *v)
{
    put_value(im, tensor, v->layer, v->init, v->bits);
}

int net_onnx_fold_bias(net_onnx_importer *im, int layer)
{
    return net_builder_fold_bias(im->b, layer);
}

void net_onnx_value_chw(const net_onnx_importer *im, const net_onnx_value *v, int *c, int *h,
                        int *w)
{
    const net_layer *l = v->layer >= 0 ? net_builder_layer(im->b, (size_t)v->layer) : NULL;
    if (l) {
        *c = l->c_out;
        *h = l->h_out;
        *w = l->w_out;
        return;
    }
    *c = im->in_c;
    *h = im->in_h;
    *w = im->in_w;
}

unsigned net_onnx_int_bits(int dtype)
{
    return net_dtype_is_int(dtype) ? net_dtype_bits(dtype) : 0;
}

int64_t net_onnx_attr_int(const net_onnx_node *nd, const char *name, int64_t dflt)
{
    const net_onnx_attr *a = net_onnx_attr_find(nd, name);
    return a && a->has_i ? a->i : dflt;
}

void net_onnx_value_shape(const net_onnx_importer *im, const net_onnx_value *v, int *n_dims,
                          int64_t dims[NET_TENSOR_DIMS_MAX])
{
    if (v->init) {
        *n_dims = v->init->n_dims;
        memcpy(dims, v->init->dims, (size_t)v->init->n_dims * sizeof *dims);
        return;
    }
    int c, h, w, flat = im->in_rank == 2;
    if (v->layer >= 0) {
        const net_layer *l = net_builder_layer(im->b, (size_t)v->layer);
        c = l->c_out;
        h = l->h_out;
        w = l->w_out;
        flat = l->kind == NET_FLATTEN || l->kind == NET_FC;
    } else {
        c = im->in_c;
        h = im->in_h;
        w = im->in_w;
    }
    dims[0] = im->batch;
    dims[1] = c;
    dims[2] = h;
    dims[3] = w;
    *n_dims = flat ? 2 : 4;
}

base_status net_onnx_attr_uniform(const net_onnx_importer *im, const net_onnx_node *nd,
                                  const char *name, int64_t dflt, int64_t *v)
{
    const net_onnx_attr *a = net_onnx_attr_find(nd, name);
    *v = dflt;
    if (!a || a->n_ints == 0)
        return BASE_OK;
    /* 2-D operators: one value per spatial axis, pads begin and end of each. */
    const size_t want = strcmp(name, "pads") == 0 ? 4 : 2;
    if (a->n_ints != want)
        return base_error_at(BASE_ESHAPE, im->g->path, 0, 0,
                             "node '%s' (%s): %s has %zu values, expected %zu (%s)", nd->name,
                             nd->op_type, name, a->n_ints, want,
                             want == 4 ? "begin and end of height and width" : "height and width");
    *v = a->ints[0];
    for (size_t i = 1; i < a->n_ints; i++)
        if (a->ints[i] != *v)
            return base_error_at(BASE_EUNSUPPORTED, im->g->path, 0, 0,
                                 "node '%s' (%s): unequal %s are not supported (apsim layers have "
                                 "one value for both axes)",
                                 nd->name, nd->op_type, name);
    if (*v < 0 || *v > 1024)
        return base_error_at(BASE_ERANGE, im->g->path, 0, 0, "node '%s': %s %lld out of range",
                             nd->name, name, (long long)*v);
    return BASE_OK;
}

base_status net_onnx_data_input(const net_onnx_importer *im, const net_onnx_node *nd, size_t i,
                                const net_onnx_value **out)
{
    const net_onnx_value *v = i < nd->n_inputs ? net_onnx_lookup(im, nd->inputs[i]) : NULL;
    if (!v || v->layer == -2)
        return base_error_at(BASE_ESHAPE, im->g->path, 0, 0,
                             "node '%s' (%s): input %zu '%s' is not produced by an "
                             "earlier node or the graph input",
                             nd->name, nd->op_type, i, i < nd->n_inputs ? nd->inputs[i] : "");
    *out = v;
    return BASE_OK;
}

base_status net_onnx_weight_input(const net_onnx_importer *im, const net_onnx_node *nd, size_t i,
                                  int rank, const net_onnx_value **out)
{
    const net_onnx_value *v = i < nd->n_inputs ? net_onnx_lookup(im, nd->inputs[i]) : NULL;
    if (!v || !v->init)
        return base_error_at(BASE_EUNSUPPORTED, im->g->path, 0, 0,
                             "node '%s' (%s): input %zu must be a constant weight initializer",
                             nd->name, nd->op_type, i);
    if (v->init->n_dims != rank)
        return base_error_at(BASE_EUNSUPPORTED, im->g->path, 0, 0,
                             "node '%s' (%s): weight '%s' has %d dimensions, "
                             "apsim takes %d",
                             nd->name, nd->op_type, v->init->name, v->init->n_dims, rank);
    *out = v;
    return BASE_OK;
}

unsigned net_onnx_zp_bits(const net_onnx_importer *im, const net_onnx_node *nd, size_t i,
                          unsigned dflt)
{
    const net_onnx_value *v = net_onnx_input(im, nd, i);
    return v && v->init ? net_onnx_int_bits(v->init->dtype) : dflt;
}

/* ---- Nodes that make no layer ---------------------------------------------------------- */
static int is_pass_through(const char *op)
{
    static const char *const ops[] = {"QuantizeLinear", "DequantizeLinear",   "Identity",
                                      "Dropout",        "BatchNormalization", "Cast"};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strcmp(op, ops[i]) == 0)
            return 1;
    return 0;
}

/* Quantize/dequantize set the stored width; a BatchNormalization after a conv/fc folds into it
 * (scale into the weights, shift into a per-channel bias, no MACs); elsewhere it passes
 * through unmodelled, as Identity, Dropout and Cast do. */
static base_status pass_through(net_onnx_importer *im, const net_onnx_node *nd)
{
    const char *op = nd->op_type;
    const net_onnx_value *v = nd->n_inputs ? net_onnx_lookup(im, nd->inputs[0]) : NULL;
    if (!v)
        return base_error_at(BASE_ESHAPE, im->g->path, 0, 0,
                             "node '%s' (%s): input is not produced earlier", nd->name, op);
    unsigned bits = v->bits;
    if (!strcmp(op, "BatchNormalization"))
        net_builder_fold_bias(im->b, v->layer);
    if (!strcmp(op, "QuantizeLinear"))
        bits = net_onnx_zp_bits(im, nd, 2, 8); /* uint8 when the zero point is omitted */
    else if (!strcmp(op, "DequantizeLinear") && v->init)
        bits = net_onnx_int_bits(v->init->dtype);
    put_value(im, nd->outputs[0], v->layer, v->init, bits);
    return BASE_OK;
}

/* ---- Nodes that make a layer ------------------------------------------------------------- */
/* s with control characters as '_' (what a layer name may hold) into a new string of room
 * for a suffix. */
static char *clean_name(const char *s, size_t room)
{
    size_t len = strlen(s);
    char *out = base_malloc(len + room);
    if (!out)
        return NULL;
    for (size_t i = 0; i <= len; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = (char)((c && (c < 0x20 || c == 0x7f)) ? '_' : c);
    }
    return out;
}

/* The node's name, or name_1, name_2, ... when a layer has it (or it is "" or "input"). */
static base_status unique_name(const net_onnx_importer *im, const net_onnx_node *nd, char **out)
{
    char *name = clean_name(nd->name, 16);
    if (!name)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    size_t len = strlen(name);
    for (unsigned suffix = 1;
         !*name || !strcmp(name, "input") || net_builder_find(im->b, name) >= 0; suffix++)
        snprintf(name + len, 16, "_%u", suffix);
    *out = name;
    return BASE_OK;
}

/* The ONNX shape of the layer's weight against the inferred one. */
static base_status check_weights(const net_onnx_importer *im, const net_onnx_node *nd,
                                 const net_onnx_lowered *lw, const net_layer *l)
{
    const net_tensor *wt = lw->weight;
    int64_t want = l->c_in / l->groups;
    if (wt && lw->weight_k != want)
        return base_error_at(BASE_ESHAPE, im->g->path, 0, 0,
                             "node '%s' (%s): weight '%s' expects %lld input "
                             "channels, the inferred input has %lld",
                             nd->name, nd->op_type, wt->name, (long long)lw->weight_k,
                             (long long)want);
    return BASE_OK;
}

/* Adds the lowered layer of node nd to the network. */
static base_status emit(net_onnx_importer *im, const net_onnx_node *nd, net_onnx_lowered *lw)
{
    char *name = NULL;
    base_status st = unique_name(im, nd, &name);
    if (st != BASE_OK)
        return st;
    lw->spec.name = name;
    st = net_builder_add(im->b, &lw->spec);
    base_free(name);
    if (st != BASE_OK)
        return st;
    size_t k = net_builder_count(im->b) - 1;
    if ((st = check_weights(im, nd, lw, net_builder_layer(im->b, k))) != BASE_OK)
        return st;
    net_builder_set_bits(im->b, k, lw->w_bits, lw->a_bits);
    put_value(im, nd->outputs[0], (int)k, NULL, lw->out_bits);
    return BASE_OK;
}

base_status net_onnx_emit(net_onnx_importer *im, const net_onnx_node *nd, net_onnx_lowered *lw,
                          int *layer)
{
    base_status st = emit(im, nd, lw);
    if (st == BASE_OK && layer)
        *layer = (int)net_builder_count(im->b) - 1;
    return st;
}

/* ---- Constant folding (net_onnx_fold.c) --------------------------------------------------- */
/* Folds nd when every input is constant (an initializer or folded value; for Shape, any value
 * whose shape is known): *done = 1 and its output is bound to the new constant. */
static base_status try_fold(net_onnx_importer *im, const net_onnx_node *nd, int *done)
{
    const net_tensor *ins[NET_MAX_FOLD_INPUTS] = {0};
    net_tensor desc = {0}; /* Shape's input: its dims, no data */
    *done = 0;
    if (nd->n_inputs > NET_MAX_FOLD_INPUTS)
        return base_error_at(BASE_ERANGE, im->g->path, 0, 0,
                             "node '%s' (%s): %zu inputs (apsim folds at most %d)", nd->name,
                             nd->op_type, nd->n_inputs, NET_MAX_FOLD_INPUTS);
    for (size_t i = 0; i < nd->n_inputs; i++) {
        const net_onnx_value *v = net_onnx_input(im, nd, i);
        if (!*nd->inputs[i])
            continue; /* an omitted optional input */
        if (!v && net_onnx_pattern_pending(im->pat, nd->inputs[i]))
            return BASE_OK; /* a step of a decomposed hard activation (net_onnx_pattern.c) */
        if (!v)
            return base_error_at(BASE_ESHAPE, im->g->path, 0, 0,
                                 "node '%s' (%s): input %zu '%s' is not produced by an earlier "
                                 "node, an initializer or the graph input",
                                 nd->name, nd->op_type, i, nd->inputs[i]);
        if (v->init) {
            ins[i] = v->init;
        } else if (i == 0 && !strcmp(nd->op_type, "Shape")) {
            net_onnx_value_shape(im, v, &desc.n_dims, desc.dims);
            ins[i] = &desc;
        } else {
            return BASE_OK; /* an activation: lowered to a layer, if its kind has a row */
        }
    }
    net_tensor *t = NULL;
    base_status st = net_onnx_fold_eval(im->g->path, nd, ins, &t);
    if (st != BASE_OK)
        return st;
    im->folded[im->n_folded++] = t;
    put_value(im, nd->outputs[0], -2, t, 0);
    *done = 1;
    return BASE_OK;
}

static base_status lower_node(net_onnx_importer *im, const net_onnx_node *nd)
{
    const char *op = nd->op_type, *path = im->g->path;
    if (nd->n_outputs < 1)
        return base_error_at(BASE_EPARSE, path, 0, 0, "node '%s' has no output", nd->name);
    const net_onnx_attr *autopad = net_onnx_attr_find(nd, "auto_pad");
    if (autopad && autopad->s && strcmp(autopad->s, "NOTSET") != 0 &&
        strcmp(autopad->s, "VALID") != 0)
        return base_error_at(BASE_EUNSUPPORTED, path, 0, 0,
                             "node '%s' (%s): auto_pad %s is not supported (give "
                             "explicit pads)",
                             nd->name, op, autopad->s);
    int folded = 0;
    base_status st = net_onnx_fold_op(op) ? try_fold(im, nd, &folded) : BASE_OK;
    if (st != BASE_OK || folded)
        return st;
    int in_pattern = 0;
    st = net_onnx_pattern_node(im, im->pat, nd, &in_pattern);
    if (st != BASE_OK || in_pattern)
        return st;
    if (is_pass_through(op))
        return pass_through(im, nd);
    net_kind kind = net_kind_of_onnx_op(op);
    const net_kind_row *row = net_kind_row_of(kind);
    if (!row && net_onnx_fold_op(op))
        return base_error_at(BASE_EUNSUPPORTED, path, 0, 0,
                             "node '%s' (%s): an input is no constant (apsim folds %s only on "
                             "constants and has no layer for it)",
                             nd->name, op, op);
    if (!row)
        return base_error_at(BASE_EUNSUPPORTED, path, 0, 0,
                             "node '%s': unsupported ONNX operator '%s'", nd->name, op);
    net_onnx_lowered lw = {.emit = 1};
    lw.spec.kind = kind;
    lw.spec.n_inputs = row->n_inputs;
    lw.spec.kh = lw.spec.kw = lw.spec.stride = lw.spec.groups = 1;
    st = row->onnx_lower(im, nd, &lw);
    if (st != BASE_OK || !lw.emit)
        return st;
    return emit(im, nd, &lw);
}

/* The graph input's declared dims as "[N, 3, H, W]"-like text ('?' for a symbolic one). */
static void declared_text(const net_onnx_graph *g, char *buf, size_t cap)
{
    size_t used = (size_t)snprintf(buf, cap, "[");
    for (int i = 0; i < g->input_n_dims[0] && used < cap; i++) {
        int64_t d = g->input_dims[0][i];
        used +=
            d >= 1 ? (size_t)snprintf(buf + used, cap - used, "%s%lld", i ? ", " : "", (long long)d)
                   : (size_t)snprintf(buf + used, cap - used, "%s?", i ? ", " : "");
    }
    if (used < cap)
        snprintf(buf + used, cap - used, "]");
}

/* The given shape against the model's declared one: every fixed dimension must agree, the
 * given one fills the symbolic ones (a rank-2 N x F input takes N x F x 1 x 1). */
static base_status merge_given(const net_onnx_graph *g, const net_input_shape *s, int64_t *d)
{
    static const char *const names[4] = {"N", "C", "H", "W"};
    int rank = g->input_n_dims[0];
    int64_t given[4] = {g->input_dims[0][0] >= 1 && rank >= 1 ? g->input_dims[0][0] : 1};
    char text[96];
    memcpy(given + (4 - s->n_dims), s->dims, (size_t)s->n_dims * sizeof *s->dims);
    net_input_shape_format(s, text, sizeof text);
    if (rank == 2 && (given[2] != 1 || given[3] != 1))
        return base_error_at(BASE_ESHAPE, g->path, 0, 0,
                             "graph input '%s' is N x F: the input shape %s must be N x F x 1 x 1",
                             g->inputs[0], text);
    for (int i = 0; i < (rank == 2 ? 2 : 4); i++) {
        int64_t model = rank < 0 ? -1 : g->input_dims[0][i];
        if (model >= 1 && (s->n_dims == 4 || i > 0) && model != given[i])
            return base_error_at(BASE_ESHAPE, g->path, 0, 0,
                                 "graph input '%s': dimension %d (%s) is %lld in the model, the "
                                 "input shape %s gives %lld",
                                 g->inputs[0], i, names[i], (long long)model, text,
                                 (long long)given[i]);
    }
    memcpy(d, given, sizeof given);
    return BASE_OK;
}

/* The one-image input C x H x W of the graph's first input (N x C x H x W or N x F) and its
 * batch N, from the model's fixed dimensions and the given shape (NULL: none). */
static base_status input_shape(net_onnx_importer *im, const net_input_shape *given)
{
    const net_onnx_graph *g = im->g;
    if (g->n_inputs < 1 || (g->input_n_dims[0] < 0 && !given))
        return base_error_at(BASE_ESHAPE, g->path, 0, 0,
                             "the graph input's shape is not declared: give it with "
                             "--input-shape (e.g. 1x3x224x224)");
    int rank = g->input_n_dims[0];
    if (rank != 4 && rank != 2 && rank != -1)
        return base_error_at(BASE_EUNSUPPORTED, g->path, 0, 0,
                             "graph input '%s' has %d dimensions (apsim takes "
                             "N x C x H x W or N x F)",
                             g->inputs[0], rank);
    int64_t d[4] = {1, 1, 1, 1};
    base_status st;
    if (given) {
        if ((st = merge_given(g, given, d)) != BASE_OK)
            return st;
    } else {
        for (int i = 0; i < rank; i++)
            d[i] = g->input_dims[0][i];
        if (d[0] < 1)
            d[0] = 1; /* a symbolic batch alone: one image */
    }
    if (d[1] < 1 || d[2] < 1 || d[3] < 1) {
        char text[128];
        declared_text(g, text, sizeof text);
        return base_error_at(BASE_ESHAPE, g->path, 0, 0,
                             "graph input '%s' has symbolic dimensions %s: give its shape with "
                             "--input-shape (e.g. 1x3x224x224) or input_shape: in an experiment",
                             g->inputs[0], text);
    }
    if (d[1] > NET_MAX_CHANNELS || d[2] > NET_MAX_SPATIAL || d[3] > NET_MAX_SPATIAL)
        return base_error_at(BASE_ESHAPE, g->path, 0, 0,
                             "graph input '%s' has no usable fixed shape (%lld x %lld x %lld is "
                             "too large)",
                             g->inputs[0], (long long)d[1], (long long)d[2], (long long)d[3]);
    im->in_rank = rank == 2 ? 2 : 4;
    im->batch = d[0];
    im->in_c = (int)d[1];
    im->in_h = (int)d[2];
    im->in_w = (int)d[3];
    return BASE_OK;
}

int net_onnx_layer_rank(const net_onnx_importer *im, int layer)
{
    while (layer >= 0) {
        const net_layer *l = net_builder_layer(im->b, (size_t)layer);
        if (l->kind == NET_FLATTEN || l->kind == NET_FC)
            return 2;
        if (net_kind_gemm_form(l->kind) == NET_GEMM_CONV || l->kind == NET_MAXPOOL ||
            l->kind == NET_AVGPOOL || l->kind == NET_RESIZE)
            return 4;
        layer = l->inputs[0]; /* element-wise kinds keep their first operand's rank */
    }
    return im->g->n_inputs > 0 && im->g->input_n_dims[0] == 2 ? 2 : 4;
}

/* Starts the network: named after the model file, values for initializers and the input. */
static base_status import_start(net_onnx_importer *im, const net_onnx_graph *g,
                                const net_input_shape *given)
{
    base_status st = input_shape(im, given);
    if (st != BASE_OK)
        return st;
    const char *base = strrchr(g->path, '/');
    char *name = clean_name(base ? base + 1 : g->path, 1);
    if (!name)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    st = net_builder_start(name, g->path, im->in_c, im->in_h, im->in_w, &im->b);
    base_free(name);
    if (st != BASE_OK)
        return st;
    for (size_t i = 0; i < g->n_inits; i++)
        put_value(im, g->inits[i].name, -2, &g->inits[i], 0);
    put_value(im, g->inputs[0], -1, NULL, net_onnx_int_bits(g->input_dtypes[0]));
    return BASE_OK;
}

static base_status import_graph(const net_onnx_graph *g, const net_input_shape *given,
                                net_network **out)
{
    net_onnx_importer im = {.g = g};
    im.vals = base_calloc(g->n_inits + g->n_inputs + g->n_nodes + 1, sizeof *im.vals);
    im.folded = base_calloc(g->n_nodes + 1, sizeof *im.folded);
    base_status st = im.vals && im.folded ? import_start(&im, g, given)
                                          : BASE_ERROR(BASE_ENOMEM, "out of memory");
    if (st == BASE_OK)
        st = net_onnx_patterns_new(g, &im.pat);
    for (size_t i = 0; i < g->n_nodes && st == BASE_OK; i++)
        st = lower_node(&im, &g->nodes[i]);
    if (st == BASE_OK)
        st = net_onnx_pattern_finish(&im, im.pat);
    net_onnx_patterns_free(im.pat);
    if (st == BASE_OK && net_builder_count(im.b) == 0)
        st = base_error_at(BASE_ESHAPE, g->path, 0, 0, "the model has no layer apsim models");
    if (st == BASE_OK)
        st = net_builder_finish(im.b, out);
    else
        net_builder_free(im.b);
    for (size_t i = 0; i < im.n_folded; i++)
        net_tensor_free(im.folded[i]);
    base_free(im.folded);
    base_free(im.vals);
    return st;
}

base_status net_onnx_load_shape(const char *path, const net_input_shape *shape, net_network **out)
{
    net_onnx_graph *g = NULL;
    *out = NULL;
    base_status st = net_onnx_graph_load(path, &g);
    if (st == BASE_OK)
        st = import_graph(g, shape && shape->n_dims ? shape : NULL, out);
    net_onnx_graph_free(g);
    return st;
}

base_status net_onnx_load(const char *path, net_network **out)
{
    return net_onnx_load_shape(path, NULL, out);
}

base_status net_onnx_bitcfg(const net_network *net, net_bitcfg **out)
{
    const net_bitcfg *nb = net->native_bits;
    *out = NULL;
    if (!nb && !net->path)
        return BASE_ERROR(BASE_EINVAL, "bits 'onnx': the network was not loaded from a file");
    if (!nb)
        return BASE_ERROR(BASE_EINVAL, "bits 'onnx' needs an ONNX model, not '%s'", net->path);
    for (size_t i = 0; i < net->n_layers; i++) {
        unsigned wb = nb->bits[i].w_bits, ab = nb->bits[i].a_bits;
        if (net_kind_has_weights(net->layers[i].kind) && (wb < 1 || wb > 16 || ab < 1 || ab > 16))
            return BASE_ERROR(BASE_EINVAL,
                              "bits 'onnx': layer '%s' has no integer weights and input "
                              "(w %u, a %u bits): a float model; give --bits",
                              net->layers[i].name, wb, ab);
    }
    return net_bitcfg_copy(nb, out);
}
