/* net_load.c - reads a network YAML file (format: docs/NETWORKS.md) into the network builder:
 * each layer's kind row (net_kind.c) names the keys it takes and reads its parameters; the
 * builder infers shapes, MACs and parameters. Also the GEMM view of a layer and the lookup of
 * shipped networks by name. */
#include <string.h>

#include "networks/net_impl.h"

static const char *const keys_root[] = {"name", "input", "layers", NULL};
static const char *const keys_input[] = {"channels", "height", "width", NULL};

void net_free(net_network *net)
{
    if (!net)
        return;
    for (size_t i = 0; i < net->n_layers; i++)
        base_free(net->layers[i].name);
    base_free(net->layers);
    base_free(net->name);
    base_free(net->path);
    net_bitcfg_free(net->native_bits);
    base_free(net);
}

int net_find_layer(const net_network *net, const char *name)
{
    for (size_t i = 0; i < net->n_layers; i++)
        if (net->layers[i].name && strcmp(net->layers[i].name, name) == 0)
            return (int)i;
    return -1;
}

int net_model_is(const net_network *net, const char *model)
{
    size_t len = net->model_len ? net->model_len : strlen(net->name);
    return strlen(model) == len && strncmp(model, net->name, len) == 0;
}

/* Resolves a producer name among the layers built so far; "input" is the network input (-1). */
static base_status resolve_input(const net_builder *b, const cfg_node *n, int *out)
{
    const char *s;
    base_status st = cfg_to_str(n, &s);
    if (st != BASE_OK)
        return st;
    *out = strcmp(s, "input") == 0 ? -1 : net_builder_find(b, s);
    if (*out == -1 && strcmp(s, "input") != 0)
        return cfg_error(n, BASE_ENOTFOUND, "input '%s' names no earlier layer", s);
    return BASE_OK;
}

static base_status parse_kind(const cfg_node *n, net_kind *out)
{
    const char *s;
    char known[128];
    base_status st = cfg_to_str(n, &s);
    if (st != BASE_OK)
        return st;
    if ((*out = net_kind_by_name(s, known, sizeof known)) != NET_KIND_COUNT)
        return BASE_OK;
    return cfg_error(n, BASE_EINVAL, "unknown layer type '%s' (%s)", s, known);
}

/* The operands of layer i: `inputs: [a, b, ...]` for a kind with two or more (n_inputs 0:
 * 2..NET_MAX_INPUTS), else `input:` (default: the
 * previous layer, or the network input for the first). */
static base_status read_inputs(const net_builder *b, size_t i, const cfg_node *m, int n_inputs,
                               net_layer_spec *spec)
{
    const cfg_node *n;
    base_status st;
    spec->n_inputs = n_inputs;
    if (n_inputs == 1) {
        spec->inputs[0] = (int)i - 1;
        if ((n = cfg_map_get(m, "input")) != NULL)
            return resolve_input(b, n, &spec->inputs[0]);
        return BASE_OK;
    }
    if ((st = cfg_map_require(m, "inputs", net_kind_name(spec->kind), &n)) != BASE_OK ||
        (st = cfg_expect(n, CFG_SEQ, "inputs")) != BASE_OK)
        return st;
    size_t len = cfg_node_len(n);
    if (n_inputs && len != (size_t)n_inputs)
        return cfg_error(n, BASE_ESHAPE, "layer '%s': %s takes exactly %d inputs, got %zu",
                         spec->name, net_kind_name(spec->kind), n_inputs, len);
    if (!n_inputs && (len < 2 || len > NET_MAX_INPUTS))
        return cfg_error(n, BASE_ESHAPE, "layer '%s': %s takes 2 to %d inputs, got %zu", spec->name,
                         net_kind_name(spec->kind), NET_MAX_INPUTS, len);
    spec->n_inputs = (int)len;
    for (size_t j = 0; j < len; j++)
        if ((st = resolve_input(b, cfg_seq_at(n, j), &spec->inputs[j])) != BASE_OK)
            return st;
    spec->inputs_line = cfg_node_line(n);
    spec->inputs_col = cfg_node_col(n);
    return BASE_OK;
}

static base_status load_layer(net_builder *b, size_t i, const cfg_node *m)
{
    net_layer_spec spec = {0};
    const net_kind_row *row;
    const cfg_node *n;
    base_status st;
    if ((st = cfg_expect(m, CFG_MAP, "layer")) != BASE_OK ||
        (st = cfg_map_require(m, "type", "layer", &n)) != BASE_OK ||
        (st = parse_kind(n, &spec.kind)) != BASE_OK || !(row = net_kind_row_of(spec.kind)) ||
        (st = cfg_map_check(m, net_kind_name(spec.kind), row->yaml_keys)) != BASE_OK ||
        (st = cfg_map_require(m, "name", "layer", &n)) != BASE_OK ||
        (st = cfg_to_str(n, &spec.name)) != BASE_OK)
        return st;
    if (spec.name[0] == '\0' || strcmp(spec.name, "input") == 0)
        return cfg_error(n, BASE_EINVAL, "'%s' cannot be a layer name", spec.name);
    int prev = net_builder_find(b, spec.name);
    if (prev >= 0)
        return cfg_error(n, BASE_EKEY, "duplicate layer name '%s' (first at line %ld)", spec.name,
                         net_builder_layer(b, (size_t)prev)->line);
    spec.line = cfg_node_line(m);
    spec.col = cfg_node_col(m);
    if ((st = read_inputs(b, i, m, row->n_inputs, &spec)) != BASE_OK ||
        (row->yaml_read && (st = row->yaml_read(m, &spec)) != BASE_OK))
        return st;
    return net_builder_add(b, &spec);
}

/* One input dimension of `input:` within 1..hi. */
static base_status read_dim(const cfg_node *in, const char *key, long hi, int *out)
{
    const cfg_node *dim;
    long v;
    base_status st;
    if ((st = cfg_map_require(in, key, "input", &dim)) != BASE_OK ||
        (st = cfg_to_long(dim, 1, hi, &v)) != BASE_OK)
        return st;
    *out = (int)v;
    return BASE_OK;
}

/* The given input shape in place of the file's `input:` (node in): channels must agree (the
 * first layers' weights depend on them), height and width are the given ones. */
static base_status override_input(const cfg_node *in, const char *name, const net_input_shape *s,
                                  int *c, int *h, int *w)
{
    const int64_t *d = s->dims + (s->n_dims - 3);
    char text[96];
    net_input_shape_format(s, text, sizeof text);
    if (d[0] != *c)
        return cfg_error(in, BASE_ESHAPE,
                         "input shape %s gives %lld channels, network '%s' takes %d (only N, H "
                         "and W may change)",
                         text, (long long)d[0], name, *c);
    if (d[1] > NET_MAX_SPATIAL || d[2] > NET_MAX_SPATIAL)
        return cfg_error(in, BASE_ERANGE, "input shape %s: height and width must be at most %ld",
                         text, NET_MAX_SPATIAL);
    *h = (int)d[1];
    *w = (int)d[2];
    return BASE_OK;
}

static base_status load_doc(const cfg_doc *doc, const char *path, const net_input_shape *shape,
                            net_network **out)
{
    const cfg_node *root = cfg_doc_root(doc), *n, *layers;
    const char *name;
    int c, h, w;
    base_status st;
    if ((st = cfg_map_check(root, "network", keys_root)) != BASE_OK ||
        (st = cfg_map_require(root, "name", "network", &n)) != BASE_OK ||
        (st = cfg_to_str(n, &name)) != BASE_OK ||
        (st = cfg_map_require(root, "input", "network", &n)) != BASE_OK ||
        (st = cfg_map_check(n, "input", keys_input)) != BASE_OK ||
        (st = read_dim(n, "channels", NET_MAX_CHANNELS, &c)) != BASE_OK ||
        (st = read_dim(n, "height", NET_MAX_SPATIAL, &h)) != BASE_OK ||
        (st = read_dim(n, "width", NET_MAX_SPATIAL, &w)) != BASE_OK ||
        (st = cfg_map_require(root, "layers", "network", &layers)) != BASE_OK ||
        (st = cfg_expect(layers, CFG_SEQ, "layers")) != BASE_OK)
        return st;
    if (cfg_node_len(layers) == 0)
        return cfg_error(layers, BASE_ESHAPE, "network '%s' has no layers", name);
    if (shape && shape->n_dims &&
        (st = override_input(cfg_map_get(root, "input"), name, shape, &c, &h, &w)) != BASE_OK)
        return st;
    net_builder *b;
    if ((st = net_builder_start(name, path, c, h, w, &b)) != BASE_OK)
        return st;
    for (size_t i = 0; i < cfg_node_len(layers) && st == BASE_OK; i++)
        st = load_layer(b, i, cfg_seq_at(layers, i));
    if (st != BASE_OK) {
        net_builder_free(b);
        return st;
    }
    return net_builder_finish(b, out);
}

static base_status finish(const char *name, base_status st, cfg_doc *doc,
                          const net_input_shape *shape, net_network **out)
{
    *out = NULL;
    if (st == BASE_OK)
        st = load_doc(doc, name, shape, out);
    cfg_doc_free(doc);
    return st;
}

/* "<name>@<C>x<H>x<W>": a network loaded at a given input shape is another network. */
static base_status rename_for_shape(net_network *net, const net_input_shape *shape)
{
    char text[96], *name;
    net_input_shape_format(shape, text, sizeof text);
    const char *chw = strchr(text, 'x') + 1;
    size_t len = strlen(net->name) + strlen(chw) + 2;
    if (!(name = base_malloc(len)))
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    snprintf(name, len, "%s@%s", net->name, chw);
    net->model_len = strlen(net->name);
    base_free(net->name);
    net->name = name;
    return BASE_OK;
}

base_status net_load_with(const char *path, const net_load_opts *opts, net_network **out)
{
    const net_input_shape *shape = opts && opts->input_shape.n_dims ? &opts->input_shape : NULL;
    size_t plen = strlen(path);
    base_status st;
    if (plen > 5 && strcmp(path + plen - 5, ".onnx") == 0) {
        st = net_onnx_load_shape(path, shape, out);
    } else {
        cfg_doc *doc = NULL;
        st = cfg_doc_load(path, &doc);
        st = finish(path, st, doc, shape, out);
    }
    if (st == BASE_OK && shape && (st = rename_for_shape(*out, shape)) != BASE_OK) {
        net_free(*out);
        *out = NULL;
    }
    return st;
}

base_status net_load(const char *path, net_network **out)
{
    return net_load_with(path, NULL, out);
}

base_status net_load_string(const char *name, const char *text, size_t len, net_network **out)
{
    cfg_doc *doc = NULL;
    base_status st = cfg_doc_load_string(name, text, len, &doc);
    return finish(name, st, doc, NULL, out);
}

uint64_t net_layer_out_elems(const net_layer *l)
{
    return (uint64_t)l->c_out * (uint64_t)l->h_out * (uint64_t)l->w_out;
}

void net_layer_gemm(const net_layer *l, unsigned batch, uint64_t *m, uint64_t *n, uint64_t *k)
{
    if (l->kind == NET_DECONV) { /* scatter form: each input pixel times the whole kernel */
        *m = (uint64_t)l->h_in * (uint64_t)l->w_in * batch;
        *n = (uint64_t)l->c_out * (uint64_t)l->kh * (uint64_t)l->kw;
        *k = (uint64_t)(l->c_in / l->groups);
        return;
    }
    if (l->kind == NET_MATMUL) { /* a's rows (C x H of them) times b, batched over C */
        *m = (uint64_t)l->c_in * (uint64_t)l->h_in * batch;
        *n = (uint64_t)l->w_out;
        *k = (uint64_t)l->w_in;
        return;
    }
    if (!net_kind_has_weights(l->kind)) {
        *m = *n = *k = 0;
        return;
    }
    *m = (uint64_t)l->h_out * (uint64_t)l->w_out * batch;
    *n = (uint64_t)l->c_out;
    *k = (uint64_t)(l->c_in / l->groups) * (uint64_t)l->kh * (uint64_t)l->kw;
}

/* ---- Finding shipped networks ---------------------------------------------------------- */
base_status net_find_builtin(const char *name, char *path_out, size_t cap)
{
    base_ref ref;
    base_status st = base_resolve("networks", name, path_out, cap, &ref);
    if (st == BASE_OK)
        return st;
    if (ref == BASE_REF_MISSING)
        return base_error_at(BASE_ENOTFOUND, name, 0, 0, "no such network file");
    if (ref == BASE_REF_NOTFILE) /* base_resolve says what it is */
        return st;
    if (ref == BASE_REF_FILE)
        return BASE_ERROR(BASE_ERANGE, "path for '%s' is too long", name);
    if (st == BASE_ERANGE)
        return st;
    if (st == BASE_EINVAL)
        return BASE_ERROR(BASE_EINVAL,
                          "invalid network name '%s' (use letters, digits, '.', '_' and '-', or "
                          "a path to a .yaml file)",
                          name);
    char where[8192];
    return BASE_ERROR(BASE_ENOTFOUND,
                      "unknown network '%s': not a file, and no networks/%s.yaml in %s", name, name,
                      base_data_where(where, sizeof where));
}
