/* net_onnx_import.c - lowers an ONNX graph to apsim's network layers (docs/ONNX.md) through the
 * network builder, in one pass: each supported node is lowered by the row of its layer kind
 * (net_kind.c) and shape-checked by the builder as a YAML layer would be; weights' ONNX shapes
 * are checked against the inferred ones, and QDQ/QOperator integer types give per-layer bits,
 * kept with the network (native_bits). Operator semantics: onnx.ai/onnx/operators. */
#include <string.h>

#include "networks/net_impl.h"

struct net_onnx_importer {
    const net_onnx_graph *g;
    net_onnx_value *vals;
    size_t n_vals;
    net_builder *b;
    net_onnx_patterns *pat; /* decomposed hard activations (net_onnx_pattern.c) */
    int c_in, h_in, w_in;   /* the network input of one image */
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

void net_onnx_value_shape(const net_onnx_importer *im, const net_onnx_value *v, int *c, int *h,
                          int *w)
{
    const net_layer *l = v->layer >= 0 ? net_builder_layer(im->b, (size_t)v->layer) : NULL;
    if (l) {
        *c = l->c_out;
        *h = l->h_out;
        *w = l->w_out;
        return;
    }
    *c = im->c_in;
    *h = im->h_in;
    *w = im->w_in;
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

base_status net_onnx_attr_uniform(const net_onnx_importer *im, const net_onnx_node *nd,
                                  const char *name, int64_t dflt, int64_t *v)
{
    const net_onnx_attr *a = net_onnx_attr_find(nd, name);
    *v = dflt;
    if (!a || a->n_ints == 0)
        return BASE_OK;
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

/* The ONNX shapes of the layer's weight and Reshape target against the inferred ones. */
static base_status check_weights(const net_onnx_importer *im, const net_onnx_node *nd,
                                 const net_onnx_lowered *lw, const net_layer *l)
{
    const net_tensor *rs = lw->reshape, *wt = lw->weight;
    if (rs && rs->ival[1] > 0 && rs->ival[1] != (int64_t)l->c_out)
        return base_error_at(BASE_EUNSUPPORTED, im->g->path, 0, 0,
                             "node '%s' (Reshape): target [%lld, %lld] is no flatten of "
                             "the %d x %d x %d input",
                             nd->name, (long long)rs->ival[0], (long long)rs->ival[1], l->c_in,
                             l->h_in, l->w_in);
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
    int in_pattern = 0;
    base_status pst = net_onnx_pattern_node(im, im->pat, nd, &in_pattern);
    if (pst != BASE_OK || in_pattern)
        return pst;
    if (is_pass_through(op))
        return pass_through(im, nd);
    net_kind kind = net_kind_of_onnx_op(op);
    const net_kind_row *row = net_kind_row_of(kind);
    if (!row)
        return base_error_at(BASE_EUNSUPPORTED, path, 0, 0,
                             "node '%s': unsupported ONNX operator '%s'", nd->name, op);
    net_onnx_lowered lw = {.emit = 1};
    lw.spec.kind = kind;
    lw.spec.n_inputs = row->n_inputs;
    lw.spec.kh = lw.spec.kw = lw.spec.stride = lw.spec.groups = 1;
    base_status st = row->onnx_lower(im, nd, &lw);
    if (st != BASE_OK || !lw.emit)
        return st;
    return emit(im, nd, &lw);
}

/* The one-image input C x H x W of the graph's first input (N x C x H x W or N x F). */
static base_status input_shape(const net_onnx_graph *g, int *c, int *h, int *w)
{
    if (g->n_inputs < 1 || g->input_n_dims[0] < 0)
        return base_error_at(BASE_ESHAPE, g->path, 0, 0, "the graph input's shape is not declared");
    const int64_t *d = g->input_dims[0];
    int64_t cc, hh = 1, ww = 1;
    if (g->input_n_dims[0] == 4) {
        cc = d[1];
        hh = d[2];
        ww = d[3];
    } else if (g->input_n_dims[0] == 2) {
        cc = d[1];
    } else {
        return base_error_at(BASE_EUNSUPPORTED, g->path, 0, 0,
                             "graph input '%s' has %d dimensions (apsim takes "
                             "N x C x H x W or N x F)",
                             g->inputs[0], g->input_n_dims[0]);
    }
    if (cc < 1 || hh < 1 || ww < 1 || cc > NET_MAX_CHANNELS || hh > NET_MAX_SPATIAL ||
        ww > NET_MAX_SPATIAL)
        return base_error_at(BASE_ESHAPE, g->path, 0, 0,
                             "graph input '%s' has no usable fixed shape", g->inputs[0]);
    *c = (int)cc;
    *h = (int)hh;
    *w = (int)ww;
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
static base_status import_start(net_onnx_importer *im, const net_onnx_graph *g)
{
    int c = 0, h = 0, w = 0;
    base_status st = input_shape(g, &c, &h, &w);
    if (st != BASE_OK)
        return st;
    const char *base = strrchr(g->path, '/');
    char *name = clean_name(base ? base + 1 : g->path, 1);
    if (!name)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    im->c_in = c;
    im->h_in = h;
    im->w_in = w;
    st = net_builder_start(name, g->path, c, h, w, &im->b);
    base_free(name);
    if (st != BASE_OK)
        return st;
    for (size_t i = 0; i < g->n_inits; i++)
        put_value(im, g->inits[i].name, -2, &g->inits[i], 0);
    put_value(im, g->inputs[0], -1, NULL, net_onnx_int_bits(g->input_dtypes[0]));
    return BASE_OK;
}

static base_status import_graph(const net_onnx_graph *g, net_network **out)
{
    net_onnx_importer im = {.g = g};
    im.vals = base_calloc(g->n_inits + g->n_inputs + g->n_nodes + 1, sizeof *im.vals);
    if (!im.vals)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    base_status st = import_start(&im, g);
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
    base_free(im.vals);
    return st;
}

base_status net_onnx_load(const char *path, net_network **out)
{
    net_onnx_graph *g = NULL;
    *out = NULL;
    base_status st = net_onnx_graph_load(path, &g);
    if (st == BASE_OK)
        st = import_graph(g, out);
    net_onnx_graph_free(g);
    return st;
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
