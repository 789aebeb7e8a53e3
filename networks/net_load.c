/* net_load.c - reads a network YAML file and infers every tensor shape, MAC and parameter
 * count layer by layer (format: docs/NETWORKS.md). Shape rules are PyTorch's (floor
 * division for conv and pools); batch-norm is folded into the conv as a per-channel bias,
 * as HAWQ-V3 does, so a conv's parameters are its weights plus c_out biases. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cfg/cfg.h"
#include "networks/net.h"

#ifndef APSIM_PREFIX
#define APSIM_PREFIX "/usr/local"
#endif

#define MAX_CHANNELS (1L << 20)
#define MAX_SPATIAL  (1L << 16)
#define MAX_KERNEL   1024L

static const struct {
    const char *name;
    int has_weights;
} kind_table[] = {
#define NET_KIND_ROW(e, s, w) {s, w},
    NET_KIND_LIST(NET_KIND_ROW)
#undef NET_KIND_ROW
};

const char *net_kind_name(net_kind kind)
{
    return (unsigned)kind < NET_KIND_COUNT ? kind_table[kind].name : "?";
}

int net_kind_has_weights(net_kind kind)
{
    return (unsigned)kind < NET_KIND_COUNT ? kind_table[kind].has_weights : 0;
}

/* Keys each layer kind accepts (anything else is an unknown-key error). */
static const char *const keys_conv[] = {"name",   "type", "input",  "out",  "kernel",
                                        "stride", "pad",  "groups", "bias", NULL};
static const char *const keys_fc[] = {"name", "type", "input", "out", "bias", NULL};
static const char *const keys_pool[] = {"name",   "type", "input",  "kernel",
                                        "stride", "pad",  "global", NULL};
static const char *const keys_plain[] = {"name", "type", "input", NULL};
static const char *const keys_add[] = {"name", "type", "inputs", NULL};
static const char *const keys_root[] = {"name", "input", "layers", NULL};
static const char *const keys_input[] = {"channels", "height", "width", NULL};

static const char *const *kind_keys(net_kind k)
{
    switch (k) {
    case NET_CONV:
        return keys_conv;
    case NET_FC:
        return keys_fc;
    case NET_MAXPOOL:
    case NET_AVGPOOL:
        return keys_pool;
    case NET_ADD:
        return keys_add;
    default:
        return keys_plain;
    }
}

void net_free(net_network *net)
{
    if (!net)
        return;
    for (size_t i = 0; i < net->n_layers; i++)
        base_free(net->layers[i].name);
    base_free(net->layers);
    base_free(net->name);
    base_free(net->path);
    base_free(net);
}

int net_find_layer(const net_network *net, const char *name)
{
    for (size_t i = 0; i < net->n_layers; i++)
        if (net->layers[i].name && strcmp(net->layers[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* Resolves a producer name among the layers before index `before`; "input" is the network
 * input (-1). */
static base_status resolve_input(const net_network *net, size_t before, const cfg_node *n, int *out)
{
    const char *s;
    base_status st = cfg_to_str(n, &s);
    if (st != BASE_OK)
        return st;
    if (strcmp(s, "input") == 0) {
        *out = -1;
        return BASE_OK;
    }
    for (size_t i = 0; i < before; i++)
        if (strcmp(net->layers[i].name, s) == 0) {
            *out = (int)i;
            return BASE_OK;
        }
    return cfg_error(n, BASE_ENOTFOUND, "input '%s' names no earlier layer", s);
}

/* Reads `kernel:` as one integer or a [kh, kw] pair. */
static base_status read_kernel(const cfg_node *n, int *kh, int *kw)
{
    long a, b;
    base_status st;
    if (cfg_node_kind(n) == CFG_SEQ) {
        if (cfg_node_len(n) != 2)
            return cfg_error(n, BASE_ETYPE, "kernel must be one integer or [height, width]");
        if ((st = cfg_to_long(cfg_seq_at(n, 0), 1, MAX_KERNEL, &a)) != BASE_OK ||
            (st = cfg_to_long(cfg_seq_at(n, 1), 1, MAX_KERNEL, &b)) != BASE_OK)
            return st;
    } else {
        if ((st = cfg_to_long(n, 1, MAX_KERNEL, &a)) != BASE_OK)
            return st;
        b = a;
    }
    *kh = (int)a;
    *kw = (int)b;
    return BASE_OK;
}

/* Output size of a sliding window along one axis; 0 when the window does not fit. */
static int window_out(int in, int k, int stride, int pad)
{
    long span = (long)in + 2L * pad - k;
    return span < 0 ? 0 : (int)(span / stride + 1);
}

/* Reads the parameters of one layer (everything but name and inputs) and infers its output
 * shape from its input shape, already stored in l. */
static base_status infer_layer(const cfg_node *m, net_layer *l)
{
    base_status st;
    long v;
    l->kh = l->kw = l->stride = 1;
    l->pad = 0;
    l->groups = 1;
    switch (l->kind) {
    case NET_CONV: {
        const cfg_node *k;
        if ((st = cfg_map_require(m, "kernel", "conv", &k)) != BASE_OK ||
            (st = read_kernel(k, &l->kh, &l->kw)) != BASE_OK)
            return st;
        if ((st = cfg_map_require(m, "out", "conv", &k)) != BASE_OK ||
            (st = cfg_to_long(k, 1, MAX_CHANNELS, &v)) != BASE_OK)
            return st;
        l->c_out = (int)v;
        v = 1;
        if ((st = cfg_get_long(m, "stride", 1, MAX_KERNEL, &v)) != BASE_OK)
            return st;
        l->stride = (int)v;
        v = 0;
        if ((st = cfg_get_long(m, "pad", 0, MAX_KERNEL, &v)) != BASE_OK)
            return st;
        l->pad = (int)v;
        v = 1;
        if ((st = cfg_get_long(m, "groups", 1, MAX_CHANNELS, &v)) != BASE_OK)
            return st;
        l->groups = (int)v;
        l->has_bias = 1;
        if ((st = cfg_get_bool(m, "bias", &l->has_bias)) != BASE_OK)
            return st;
        if (l->c_in % l->groups != 0 || l->c_out % l->groups != 0)
            return cfg_error(m, BASE_ESHAPE,
                             "layer '%s': groups %d must divide input channels %d and output "
                             "channels %d",
                             l->name, l->groups, l->c_in, l->c_out);
        l->h_out = window_out(l->h_in, l->kh, l->stride, l->pad);
        l->w_out = window_out(l->w_in, l->kw, l->stride, l->pad);
        break;
    }
    case NET_FC: {
        const cfg_node *k;
        if ((st = cfg_map_require(m, "out", "fc", &k)) != BASE_OK ||
            (st = cfg_to_long(k, 1, MAX_CHANNELS, &v)) != BASE_OK)
            return st;
        l->c_out = (int)v;
        l->has_bias = 1;
        if ((st = cfg_get_bool(m, "bias", &l->has_bias)) != BASE_OK)
            return st;
        if (l->h_in != 1 || l->w_in != 1)
            return cfg_error(m, BASE_ESHAPE,
                             "layer '%s': fc needs a flattened input, got %dx%dx%d (add a "
                             "flatten layer)",
                             l->name, l->c_in, l->h_in, l->w_in);
        l->h_out = l->w_out = 1;
        break;
    }
    case NET_MAXPOOL:
    case NET_AVGPOOL: {
        int global = 0;
        if ((st = cfg_get_bool(m, "global", &global)) != BASE_OK)
            return st;
        const cfg_node *k = cfg_map_get(m, "kernel");
        if (global) {
            if (k || cfg_map_get(m, "stride") || cfg_map_get(m, "pad"))
                return cfg_error(m, BASE_EINVAL,
                                 "layer '%s': a global pool takes no kernel, stride or pad",
                                 l->name);
            l->kh = l->h_in;
            l->kw = l->w_in;
        } else {
            if ((st = cfg_map_require(m, "kernel", net_kind_name(l->kind), &k)) != BASE_OK ||
                (st = read_kernel(k, &l->kh, &l->kw)) != BASE_OK)
                return st;
            if (l->kh != l->kw && !cfg_map_get(m, "stride"))
                return cfg_error(k, BASE_EINVAL,
                                 "layer '%s': a non-square pool window %dx%d needs an explicit "
                                 "stride (the default stride is the square kernel)",
                                 l->name, l->kh, l->kw);
            v = l->kh;
            if ((st = cfg_get_long(m, "stride", 1, MAX_KERNEL, &v)) != BASE_OK)
                return st;
            l->stride = (int)v;
            v = 0;
            if ((st = cfg_get_long(m, "pad", 0, MAX_KERNEL, &v)) != BASE_OK)
                return st;
            l->pad = (int)v;
            if (2 * l->pad > l->kh || 2 * l->pad > l->kw)
                return cfg_error(m, BASE_ESHAPE,
                                 "layer '%s': pool padding %d exceeds half the window %dx%d",
                                 l->name, l->pad, l->kh, l->kw);
        }
        l->c_out = l->c_in;
        l->h_out = window_out(l->h_in, l->kh, l->stride, l->pad);
        l->w_out = window_out(l->w_in, l->kw, l->stride, l->pad);
        break;
    }
    case NET_FLATTEN: {
        long n = (long)l->c_in * l->h_in * l->w_in;
        if (n > INT_MAX)
            return cfg_error(m, BASE_ESHAPE, "layer '%s': flattened size %ld is too large", l->name,
                             n);
        l->c_out = (int)n;
        l->h_out = l->w_out = 1;
        break;
    }
    default: /* RELU, ADD: shape unchanged (ADD operands are checked by the caller) */
        l->c_out = l->c_in;
        l->h_out = l->h_in;
        l->w_out = l->w_in;
        break;
    }
    if (l->h_out < 1 || l->w_out < 1)
        return cfg_error(m, BASE_ESHAPE,
                         "layer '%s': window %dx%d (stride %d, pad %d) does not fit input "
                         "%dx%d",
                         l->name, l->kh, l->kw, l->stride, l->pad, l->h_in, l->w_in);
    if (l->kind == NET_CONV || l->kind == NET_FC) {
        uint64_t per_out = (uint64_t)(l->c_in / l->groups) * (uint64_t)l->kh * (uint64_t)l->kw;
        l->n_weights = per_out * (uint64_t)l->c_out;
        l->n_params = l->n_weights + (l->has_bias ? (uint64_t)l->c_out : 0);
        l->macs = per_out * net_layer_out_elems(l);
    }
    return BASE_OK;
}

static base_status parse_kind(const cfg_node *n, net_kind *out)
{
    const char *s;
    base_status st = cfg_to_str(n, &s);
    if (st != BASE_OK)
        return st;
    for (int k = NET_CONV; k < NET_KIND_COUNT; k++)
        if (strcmp(s, kind_table[k].name) == 0) {
            *out = (net_kind)k;
            return BASE_OK;
        }
    char known[128] = "";
    for (int k = NET_CONV; k < NET_KIND_COUNT; k++) {
        size_t used = strlen(known);
        snprintf(known + used, sizeof known - used, "%s%s", k > NET_CONV ? ", " : "",
                 kind_table[k].name);
    }
    return cfg_error(n, BASE_EINVAL, "unknown layer type '%s' (%s)", s, known);
}

/* Copies the shape of producer p (or the network input) into layer l's input. */
static void input_shape(const net_network *net, int p, int *c, int *h, int *w)
{
    if (p < 0) {
        *c = net->c_in;
        *h = net->h_in;
        *w = net->w_in;
    } else {
        *c = net->layers[p].c_out;
        *h = net->layers[p].h_out;
        *w = net->layers[p].w_out;
    }
}

static base_status load_layer(net_network *net, size_t i, const cfg_node *m)
{
    net_layer *l = &net->layers[i];
    const cfg_node *n;
    const char *s;
    base_status st;
    if ((st = cfg_expect(m, CFG_MAP, "layer")) != BASE_OK ||
        (st = cfg_map_require(m, "type", "layer", &n)) != BASE_OK ||
        (st = parse_kind(n, &l->kind)) != BASE_OK ||
        (st = cfg_map_check(m, net_kind_name(l->kind), kind_keys(l->kind))) != BASE_OK ||
        (st = cfg_map_require(m, "name", "layer", &n)) != BASE_OK ||
        (st = cfg_to_str(n, &s)) != BASE_OK)
        return st;
    if (s[0] == '\0' || strcmp(s, "input") == 0)
        return cfg_error(n, BASE_EINVAL, "'%s' cannot be a layer name", s);
    int prev = net_find_layer(net, s);
    if (prev >= 0)
        return cfg_error(n, BASE_EKEY, "duplicate layer name '%s' (first at line %ld)", s,
                         net->layers[prev].line);
    l->name = base_strdup(s);
    if (!l->name)
        return BASE_ERROR(BASE_ENOMEM, "out of memory loading network");
    l->line = cfg_node_line(m);

    if (l->kind == NET_ADD) {
        if ((st = cfg_map_require(m, "inputs", "add", &n)) != BASE_OK ||
            (st = cfg_expect(n, CFG_SEQ, "inputs")) != BASE_OK)
            return st;
        if (cfg_node_len(n) != 2)
            return cfg_error(n, BASE_ESHAPE, "layer '%s': add takes exactly 2 inputs, got %zu",
                             l->name, cfg_node_len(n));
        l->n_inputs = 2;
        for (size_t j = 0; j < 2; j++)
            if ((st = resolve_input(net, i, cfg_seq_at(n, j), &l->inputs[j])) != BASE_OK)
                return st;
        int c2, h2, w2;
        input_shape(net, l->inputs[0], &l->c_in, &l->h_in, &l->w_in);
        input_shape(net, l->inputs[1], &c2, &h2, &w2);
        if (c2 != l->c_in || h2 != l->h_in || w2 != l->w_in)
            return cfg_error(n, BASE_ESHAPE,
                             "layer '%s': add operands differ: %dx%dx%d and %dx%dx%d", l->name,
                             l->c_in, l->h_in, l->w_in, c2, h2, w2);
    } else {
        l->n_inputs = 1;
        l->inputs[1] = -1;
        l->inputs[0] = (int)i - 1; /* default: the previous layer (or the network input) */
        if ((n = cfg_map_get(m, "input")) != NULL &&
            (st = resolve_input(net, i, n, &l->inputs[0])) != BASE_OK)
            return st;
        input_shape(net, l->inputs[0], &l->c_in, &l->h_in, &l->w_in);
    }
    return infer_layer(m, l);
}

static base_status load_doc(const cfg_doc *doc, net_network *net)
{
    const cfg_node *root = cfg_doc_root(doc), *n, *layers;
    const char *s;
    long v;
    base_status st;
    if ((st = cfg_map_check(root, "network", keys_root)) != BASE_OK ||
        (st = cfg_map_require(root, "name", "network", &n)) != BASE_OK ||
        (st = cfg_to_str(n, &s)) != BASE_OK)
        return st;
    if (!(net->name = base_strdup(s)))
        return BASE_ERROR(BASE_ENOMEM, "out of memory loading network");
    if ((st = cfg_map_require(root, "input", "network", &n)) != BASE_OK ||
        (st = cfg_map_check(n, "input", keys_input)) != BASE_OK)
        return st;
    const cfg_node *dim;
    if ((st = cfg_map_require(n, "channels", "input", &dim)) != BASE_OK ||
        (st = cfg_to_long(dim, 1, MAX_CHANNELS, &v)) != BASE_OK)
        return st;
    net->c_in = (int)v;
    if ((st = cfg_map_require(n, "height", "input", &dim)) != BASE_OK ||
        (st = cfg_to_long(dim, 1, MAX_SPATIAL, &v)) != BASE_OK)
        return st;
    net->h_in = (int)v;
    if ((st = cfg_map_require(n, "width", "input", &dim)) != BASE_OK ||
        (st = cfg_to_long(dim, 1, MAX_SPATIAL, &v)) != BASE_OK)
        return st;
    net->w_in = (int)v;
    if ((st = cfg_map_require(root, "layers", "network", &layers)) != BASE_OK ||
        (st = cfg_expect(layers, CFG_SEQ, "layers")) != BASE_OK)
        return st;
    if (cfg_node_len(layers) == 0)
        return cfg_error(layers, BASE_ESHAPE, "network '%s' has no layers", net->name);
    net->layers = base_calloc(cfg_node_len(layers), sizeof *net->layers);
    if (!net->layers)
        return BASE_ERROR(BASE_ENOMEM, "out of memory loading network");
    net->n_layers = cfg_node_len(layers);
    for (size_t i = 0; i < net->n_layers; i++) {
        if ((st = load_layer(net, i, cfg_seq_at(layers, i))) != BASE_OK)
            return st;
        const net_layer *l = &net->layers[i];
        for (int j = 0; j < l->n_inputs; j++)
            if (l->inputs[j] >= 0)
                net->layers[l->inputs[j]].n_consumers++;
        net->total_macs += l->macs;
        net->total_params += l->n_params;
    }
    return BASE_OK;
}

static base_status finish(const char *name, base_status st, cfg_doc *doc, net_network **out)
{
    net_network *net = NULL;
    if (st == BASE_OK) {
        net = base_calloc(1, sizeof *net);
        if (!net || !(net->path = base_strdup(name)))
            st = BASE_ERROR(BASE_ENOMEM, "out of memory loading network");
        else
            st = load_doc(doc, net);
    }
    cfg_doc_free(doc);
    if (st != BASE_OK) {
        net_free(net);
        net = NULL;
    }
    *out = net;
    return st;
}

base_status net_load(const char *path, net_network **out)
{
    size_t plen = strlen(path);
    if (plen > 5 && strcmp(path + plen - 5, ".onnx") == 0)
        return net_onnx_load(path, out);
    cfg_doc *doc = NULL;
    base_status st = cfg_doc_load(path, &doc);
    return finish(path, st, doc, out);
}

base_status net_load_string(const char *name, const char *text, size_t len, net_network **out)
{
    cfg_doc *doc = NULL;
    base_status st = cfg_doc_load_string(name, text, len, &doc);
    return finish(name, st, doc, out);
}

uint64_t net_layer_out_elems(const net_layer *l)
{
    return (uint64_t)l->c_out * (uint64_t)l->h_out * (uint64_t)l->w_out;
}

void net_layer_gemm(const net_layer *l, unsigned batch, uint64_t *m, uint64_t *n, uint64_t *k)
{
    if (l->kind != NET_CONV && l->kind != NET_FC) {
        *m = *n = *k = 0;
        return;
    }
    *m = (uint64_t)l->h_out * (uint64_t)l->w_out * batch;
    *n = (uint64_t)l->c_out;
    *k = (uint64_t)(l->c_in / l->groups) * (uint64_t)l->kh * (uint64_t)l->kw;
}

/* ---- Finding shipped networks ---------------------------------------------------------- */
static int is_file(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

base_status net_find_builtin(const char *name, char *path_out, size_t cap)
{
    if (is_file(name)) {
        int n = snprintf(path_out, cap, "%s", name);
        if (n < 0 || (size_t)n >= cap)
            return BASE_ERROR(BASE_ERANGE, "path for '%s' is too long", name);
        return BASE_OK;
    }
    size_t len = strlen(name);
    if (strchr(name, '/') || (len > 5 && strcmp(name + len - 5, ".yaml") == 0))
        return base_error_at(BASE_ENOTFOUND, name, 0, 0, "no such network file");
    char rel[256];
    int n = snprintf(rel, sizeof rel, "networks/%s.yaml", name);
    if (n < 0 || (size_t)n >= sizeof rel)
        return BASE_ERROR(BASE_ERANGE, "network name '%s' is too long", name);
    base_status st = base_find_data(rel, path_out, cap);
    if (st == BASE_ENOTFOUND)
        return BASE_ERROR(BASE_ENOTFOUND,
                          "unknown network '%s': not a file, and no networks/%s.yaml in ., "
                          "$APSIM_DATA or %s/share/apsim",
                          name, name, APSIM_PREFIX);
    return st;
}
