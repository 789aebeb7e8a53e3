/* net_builder.c - the network builder both sources use (net.h): layers are appended in
 * topological order, checked and shaped by their kind's row (net_kind.c); MACs and parameters
 * follow the im2col GEMM view, with batch-norm folded into a per-channel bias as HAWQ-V3 does. */
#include <string.h>

#include "networks/net_impl.h"

struct net_builder {
    net_network *net;      /* the network so far (n_layers finished layers) */
    size_t cap;            /* room in net->layers and given */
    net_layer_bits *given; /* bits the source gave each layer (w_bits, a_bits) */
    int has_bits;          /* any net_builder_set_bits call */
    /* Layer names -> indices, open addressing (-1: empty slot; a power of two, at most half
     * full), so that a network loads in time linear in its layers. */
    int *index;
    size_t index_cap;
};

static base_status oom(void)
{
    return BASE_ERROR(BASE_ENOMEM, "out of memory loading network");
}

void net_builder_free(net_builder *b)
{
    if (!b)
        return;
    net_free(b->net);
    base_free(b->given);
    base_free(b->index);
    base_free(b);
}

base_status net_builder_start(const char *name, const char *path, int c_in, int h_in, int w_in,
                              net_builder **out)
{
    *out = NULL;
    if (!name || c_in < 1 || h_in < 1 || w_in < 1)
        return base_error_at(BASE_EINVAL, path, 0, 0, "network input %dx%dx%d is empty", c_in, h_in,
                             w_in);
    net_builder *b = base_calloc(1, sizeof *b);
    if (!b || !(b->net = base_calloc(1, sizeof *b->net))) {
        base_free(b);
        return oom();
    }
    net_network *net = b->net;
    net->name = base_strdup(name);
    net->path = path ? base_strdup(path) : NULL;
    if (!net->name || (path && !net->path)) {
        net_builder_free(b);
        return oom();
    }
    net->c_in = c_in;
    net->h_in = h_in;
    net->w_in = w_in;
    *out = b;
    return BASE_OK;
}

size_t net_builder_count(const net_builder *b)
{
    return b->net->n_layers;
}

const net_layer *net_builder_layer(const net_builder *b, size_t i)
{
    return i < b->net->n_layers ? &b->net->layers[i] : NULL;
}

/* FNV-1a: the slot a name starts probing from. */
static size_t name_hash(const char *name, size_t cap)
{
    uint64_t h = UINT64_C(14695981039346656037);
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * UINT64_C(1099511628211);
    return (size_t)h & (cap - 1);
}

int net_builder_find(const net_builder *b, const char *name)
{
    if (!b->index)
        return -1;
    for (size_t i = name_hash(name, b->index_cap);; i = (i + 1) & (b->index_cap - 1)) {
        int k = b->index[i];
        if (k < 0 || strcmp(b->net->layers[k].name, name) == 0)
            return k;
    }
}

/* Puts layer k (its name already set) into the index, doubling the index when half full. */
static base_status index_add(net_builder *b, int k)
{
    if (2 * ((size_t)k + 1) > b->index_cap) {
        size_t cap = b->index_cap ? 2 * b->index_cap : 64;
        int *index = base_malloc(cap * sizeof *index);
        if (!index)
            return oom();
        for (size_t i = 0; i < cap; i++)
            index[i] = -1;
        base_free(b->index);
        b->index = index;
        b->index_cap = cap;
        for (int j = 0; j < k; j++) /* rehash the earlier layers */
            (void)index_add(b, j);  /* fits: cannot fail */
    }
    size_t i = name_hash(b->net->layers[k].name, b->index_cap);
    while (b->index[i] >= 0)
        i = (i + 1) & (b->index_cap - 1);
    b->index[i] = k;
    return BASE_OK;
}

static base_status grow(net_builder *b)
{
    if (b->net->n_layers < b->cap)
        return BASE_OK;
    size_t cap = b->cap ? 2 * b->cap : 16;
    net_layer *layers = base_realloc(b->net->layers, cap * sizeof *layers);
    if (!layers)
        return oom();
    b->net->layers = layers;
    net_layer_bits *given = base_realloc(b->given, cap * sizeof *given);
    if (!given)
        return oom();
    b->given = given;
    b->cap = cap;
    return BASE_OK;
}

/* The shape producer p (or the network input, p < 0) hands on. */
void net_operand_shape(const net_network *net, int p, int *c, int *h, int *w)
{
    const net_layer *l = p < 0 ? NULL : &net->layers[p];
    *c = l ? l->c_out : net->c_in;
    *h = l ? l->h_out : net->h_in;
    *w = l ? l->w_out : net->w_in;
}

/* Name and inputs of spec, checked against the layers so far. */
static base_status check_spec(const net_builder *b, const net_layer_spec *s,
                              const net_kind_row *row, const net_at *at)
{
    const net_network *net = b->net;
    if (!row)
        return base_error_at(BASE_EINVAL, at->file, at->line, at->col, "layer '%s': no kind %d",
                             s->name ? s->name : "", (int)s->kind);
    if (!s->name || !*s->name || strcmp(s->name, "input") == 0)
        return base_error_at(BASE_EINVAL, at->file, at->line, at->col,
                             "'%s' cannot be a layer name", s->name ? s->name : "");
    if (net_builder_find(b, s->name) >= 0)
        return base_error_at(BASE_EKEY, at->file, at->line, at->col, "duplicate layer name '%s'",
                             s->name);
    if (row->n_inputs ? s->n_inputs != row->n_inputs
                      : s->n_inputs < 2 || s->n_inputs > NET_MAX_INPUTS)
        return base_error_at(BASE_EINVAL, at->file, at->line, at->col,
                             "layer '%s': %s takes %s%d inputs, got %d", s->name,
                             net_kind_name(s->kind), row->n_inputs ? "" : "2 to ",
                             row->n_inputs ? row->n_inputs : NET_MAX_INPUTS, s->n_inputs);
    for (int j = 0; j < s->n_inputs; j++)
        if (s->inputs[j] < -1 || s->inputs[j] >= (int)net->n_layers)
            return base_error_at(BASE_EINVAL, at->file, at->line, at->col,
                                 "layer '%s': input %d names no earlier layer", s->name, j);
    return BASE_OK;
}

/* Reads the operands' shapes into l: all must agree (an add's residual sum). */
static base_status operand_shapes(const net_network *net, const net_layer_spec *s, net_layer *l,
                                  const net_at *at, int free_operands)
{
    net_operand_shape(net, l->inputs[0], &l->c_in, &l->h_in, &l->w_in);
    for (int j = 1; j < l->n_inputs && !free_operands; j++) {
        int c2, h2, w2;
        net_operand_shape(net, l->inputs[j], &c2, &h2, &w2);
        if (c2 != l->c_in || h2 != l->h_in || w2 != l->w_in)
            return base_error_at(BASE_ESHAPE, at->file, s->inputs_line ? s->inputs_line : at->line,
                                 s->inputs_line ? s->inputs_col : at->col,
                                 "layer '%s': %s operands differ: %dx%dx%d and %dx%dx%d", l->name,
                                 net_kind_name(l->kind), l->c_in, l->h_in, l->w_in, c2, h2, w2);
    }
    return BASE_OK;
}

/* The window must leave an output and stay within NET_MAX_WINDOW; weights, parameters and
 * MACs of a conv/fc, refused (BASE_ERANGE naming the layer) when a count passes NET_MAX_TOTAL. */
static base_status finish_layer(net_layer *l, const net_at *at)
{
    if (l->h_out < 1 || l->w_out < 1)
        return base_error_at(BASE_ESHAPE, at->file, at->line, at->col,
                             "layer '%s': window %dx%d (stride %d, pad %d) does not fit input "
                             "%dx%d",
                             l->name, l->kh, l->kw, l->stride, l->pad, l->h_in, l->w_in);
    if ((uint64_t)l->kh * (uint64_t)l->kw > (uint64_t)NET_MAX_WINDOW)
        return base_error_at(BASE_ERANGE, at->file, at->line, at->col,
                             "layer '%s': window %dx%d (%llu elements) is larger than %ld", l->name,
                             l->kh, l->kw, (unsigned long long)l->kh * (unsigned long long)l->kw,
                             NET_MAX_WINDOW);
    if (net_kind_has_weights(l->kind)) {
        uint64_t per_out = (uint64_t)(l->c_in / l->groups) * (uint64_t)l->kh * (uint64_t)l->kw,
                 macs = 0;
        int fits = net_mul_u64(per_out, (uint64_t)l->c_out, &l->n_weights);
        l->n_params = l->n_weights + (l->has_bias ? (uint64_t)l->c_out : 0);
        if (!l->macs) { /* a deconv's shape rule counts its own */
            fits = fits && net_mul_u64(per_out, net_layer_out_elems(l), &macs);
            l->macs = macs;
        }
        if (!fits || l->n_params > NET_MAX_TOTAL || l->macs > NET_MAX_TOTAL)
            return base_error_at(
                BASE_ERANGE, at->file, at->line, at->col,
                "layer '%s': its MACs or parameters reach 2^56, more than a network "
                "may have",
                l->name);
    }
    return BASE_OK;
}

base_status net_builder_add(net_builder *b, const net_layer_spec *s)
{
    net_network *net = b->net;
    const net_kind_row *row = net_kind_row_of(s->kind);
    net_at at = {net->path, s->line, s->col};
    base_status st = check_spec(b, s, row, &at);
    if (st != BASE_OK || (st = grow(b)) != BASE_OK)
        return st;
    net_layer l = {0};
    l.name = (char *)(uintptr_t)s->name; /* borrowed for messages until it is copied */
    l.kind = s->kind;
    l.line = s->line;
    l.n_inputs = s->n_inputs;
    for (int j = 0; j < NET_MAX_INPUTS; j++)
        l.inputs[j] = j < s->n_inputs ? s->inputs[j] : -1;
    l.kh = l.kw = l.stride = l.groups = l.scale = 1;
    if ((st = operand_shapes(net, s, &l, &at, row->free_operands)) != BASE_OK ||
        (st = row->shape(net, &l, s, &at)) != BASE_OK || (st = finish_layer(&l, &at)) != BASE_OK)
        return st;
    if (!(l.name = base_strdup(s->name)))
        return oom();
    b->given[net->n_layers] = (net_layer_bits){0};
    net->layers[net->n_layers++] = l;
    return index_add(b, (int)net->n_layers - 1);
}

void net_builder_set_bits(net_builder *b, size_t i, unsigned w_bits, unsigned a_bits)
{
    if (i >= b->net->n_layers)
        return;
    b->given[i].w_bits = w_bits;
    b->given[i].a_bits = a_bits;
    b->has_bits = 1;
}

int net_builder_fold_bias(net_builder *b, int i)
{
    if (i < 0 || (size_t)i >= b->net->n_layers || !net_kind_has_weights(b->net->layers[i].kind))
        return 0;
    net_layer *l = &b->net->layers[i];
    if (!l->has_bias) {
        l->has_bias = 1;
        l->n_params += (uint64_t)l->c_out;
    }
    return 1;
}

base_status net_builder_finish(net_builder *b, net_network **out)
{
    net_network *net = b->net;
    base_status st = BASE_OK;
    *out = NULL;
    if (net->n_layers == 0)
        st = base_error_at(BASE_ESHAPE, net->path, 0, 0, "network '%s' has no layers", net->name);
    for (size_t i = 0; i < net->n_layers; i++) {
        const net_layer *l = &net->layers[i];
        for (int j = 0; j < l->n_inputs; j++)
            if (l->inputs[j] >= 0)
                net->layers[l->inputs[j]].n_consumers++;
        net->total_macs += l->macs; /* each < 2^56: the sum cannot wrap before the check */
        net->total_params += l->n_params;
        if (st == BASE_OK && (net->total_macs > NET_MAX_TOTAL || net->total_params > NET_MAX_TOTAL))
            st = base_error_at(
                BASE_ERANGE, net->path, l->line, 0,
                "layer '%s': the network's MACs or parameters reach 2^56 here, more than a "
                "network may have",
                l->name);
    }
    if (st == BASE_OK && b->has_bits)
        st = net_bitcfg_from_given(net, b->given, &net->native_bits);
    if (st == BASE_OK) {
        *out = net;
        b->net = NULL;
    }
    net_builder_free(b);
    return st;
}
