/* net_bits.c - per-layer bit configurations: HAWQ-V3 schemes (bit_config.py module names,
 * github.com/Zhen-Dong/HAWQ, mapped onto pytorchcv layer names), the native per-layer file
 * and uniform shorthands. Stored widths follow HAWQ-V3's integer-only pipeline: each conv
 * requantizes its input to its own a_bits, residual sums are kept at quant_act_int32 bits. */
#include <stdlib.h>
#include <string.h>

#include "cfg/cfg.h"
#include "networks/net_impl.h"

#define MAX_BITS 16

/* Which width a HAWQ module sets on its target layer. */
typedef enum field { F_W, F_A, F_O, F_INPUT } field;

/* HAWQ-V3 module names and the layers they set (bit_config.py of github.com/Zhen-Dong/HAWQ). Unit
 * rules apply under a "stageS.unitU." prefix; targets marked optional may be absent from a unit
 * (only first units of a stage have identity_conv). */
static const struct hawq_rule {
    const char *key;
    field f;
    const char *target;
    int optional;
} hawq_top[] =
    {
        {"quant_input", F_INPUT, NULL, 0},
        {"quant_init_block_convbn", F_W, "init_block.conv", 0}, /* ResNet18 */
        {"quant_init_convbn", F_W, "init_block.conv", 0},       /* ResNet50 */
        {"quant_act_int32", F_O, "init_block.pool", 0},
        {"quant_act_output", F_A, "output", 0},
        {"quant_output", F_W, "output", 0},
},
  hawq_unit[] = {
      {"quant_act", F_A, "conv1", 0},     {"quant_act", F_A, "identity_conv", 1},
      {"quant_convbn1", F_W, "conv1", 0}, {"quant_act1", F_A, "conv2", 0},
      {"quant_convbn2", F_W, "conv2", 0}, {"quant_act2", F_A, "conv3", 0}, /* ResNet50 bottleneck */
      {"quant_convbn3", F_W, "conv3", 0}, {"quant_identity_convbn", F_W, "identity_conv", 0},
      {"quant_act_int32", F_O, "add", 0},
};
#define N_RULES(t) (sizeof(t) / sizeof((t)[0]))

static const char *const keys_hawq[] = {"model",           "scheme",        "label",
                                        "top1_accuracy",   "model_size_mb", "bops_g",
                                        "speedup_vs_fp32", "bits",          NULL};
static const char *const keys_native[] = {"name",          "network", "label",  "default",
                                          "residual",      "input",   "layers", "top1_accuracy",
                                          "model_size_mb", "bops_g",  NULL};
static const char *const keys_wa[] = {"w", "a", NULL};
static const char *const keys_wao[] = {"w", "a", "o", NULL};

void net_bitcfg_free(net_bitcfg *cfg)
{
    if (!cfg)
        return;
    base_free(cfg->name);
    base_free(cfg->scheme);
    base_free(cfg->label);
    base_free(cfg->bits);
    base_free(cfg);
}

static base_status oom(void)
{
    return BASE_ERROR(BASE_ENOMEM, "out of memory in bit configuration");
}

static base_status cfg_new(const char *name, const char *scheme, const net_network *net,
                           net_bitcfg **out)
{
    net_bitcfg *c = base_calloc(1, sizeof *c);
    *out = c;
    if (!c)
        return oom();
    c->n_layers = net->n_layers;
    c->name = base_strdup(name);
    c->scheme = base_strdup(scheme);
    c->bits = base_calloc(net->n_layers ? net->n_layers : 1, sizeof *c->bits);
    if (!c->name || !c->scheme || !c->bits)
        return oom();
    return BASE_OK;
}

/* Kinds that read their input at their own a_bits: conv/fc, the table kinds (sigmoid,
 * softmax), whose table has 2^a_bits entries, and the hard activations, whose product and
 * clamp would otherwise run at a residual sum's 16 bits (quantized MobileNetV3s requantize
 * their input as they do a conv's). */
static int reads_own_width(net_kind kind)
{
    return net_kind_has_weights(kind) || kind == NET_SIGMOID || kind == NET_SOFTMAX ||
           kind == NET_HARDSWISH || kind == NET_HARDSIGMOID;
}

/* What a consumer needs of its producer's stored tensor: a conv/fc or a table kind requantizes
 * to its own a_bits; a matmul, a bilinear resize or a concat (products without weights of their
 * own: an accumulator, or a concat's scale multiplication, that must fit the AP) reads at most the
 * widest conv/fc a_bits of the configuration; any other layer reads the tensor at the width
 * it stores it. */
static unsigned need_of(const net_network *net, const net_bitcfg *c, size_t j)
{
    const net_layer *l = &net->layers[j];
    if (reads_own_width(l->kind))
        return c->bits[j].a_bits;
    unsigned a = 0;
    if (l->kind == NET_MATMUL || l->kind == NET_CONCAT ||
        (l->kind == NET_RESIZE && l->mode == NET_RESIZE_BILINEAR))
        for (size_t i = 0; i < net->n_layers; i++)
            if (net_kind_has_weights(net->layers[i].kind) && c->bits[i].a_bits > a)
                a = c->bits[i].a_bits;
    return a && a < c->bits[j].o_bits ? a : c->bits[j].o_bits;
}

/* A table kind's a_bits when the configuration gives none: the widest conv/fc a_bits (8 when
 * there is no conv/fc). */
static void table_widths(const net_network *net, net_bitcfg *c)
{
    unsigned widest = 0;
    for (size_t i = 0; i < net->n_layers; i++)
        if (net_kind_has_weights(net->layers[i].kind) && c->bits[i].a_bits > widest)
            widest = c->bits[i].a_bits;
    for (size_t i = 0; i < net->n_layers; i++)
        if (reads_own_width(net->layers[i].kind) && c->bits[i].a_bits == 0)
            c->bits[i].a_bits = widest ? widest : 8u;
}

/* Completes o_bits (explicit ones, o_set[i] != 0, are kept), a_bits of weightless layers
 * and input_bits from the conv/fc widths already set. Layers only read earlier layers, so
 * one backward pass finds every consumer's need before its producer. */
static void propagate(const net_network *net, net_bitcfg *c, const unsigned char *o_set)
{
    table_widths(net, c);
    for (size_t i = net->n_layers; i-- > 0;) {
        unsigned need = 0;
        int any = 0;
        for (size_t j = i + 1; j < net->n_layers; j++) {
            const net_layer *l = &net->layers[j];
            for (int k = 0; k < l->n_inputs; k++)
                if (l->inputs[k] == (int)i) {
                    unsigned v = need_of(net, c, j);
                    need = v > need ? v : need;
                    any = 1;
                }
        }
        if (!o_set[i])
            c->bits[i].o_bits = any ? need : NET_OUTPUT_BITS;
    }
    unsigned in_need = 0;
    for (size_t j = 0; j < net->n_layers; j++)
        for (int k = 0; k < net->layers[j].n_inputs; k++)
            if (net->layers[j].inputs[k] < 0) {
                unsigned v = need_of(net, c, j);
                in_need = v > in_need ? v : in_need;
            }
    if (c->input_bits == 0)
        c->input_bits = in_need;
    for (size_t j = 0; j < net->n_layers; j++) {
        const net_layer *l = &net->layers[j];
        if (reads_own_width(l->kind))
            continue;
        unsigned a = 0;
        for (int k = 0; k < l->n_inputs; k++) {
            unsigned v = l->inputs[k] < 0 ? c->input_bits : c->bits[l->inputs[k]].o_bits;
            a = v > a ? v : a;
        }
        c->bits[j].a_bits = a;
    }
}

/* Every conv/fc gets w and a, every add (residual sum) stores r, marked explicit in o_set. */
static void set_defaults(const net_network *net, net_bitcfg *c, unsigned char *o_set, unsigned w,
                         unsigned a, unsigned r)
{
    for (size_t i = 0; i < net->n_layers; i++) {
        if (net_kind_has_weights(net->layers[i].kind)) {
            c->bits[i].w_bits = w;
            c->bits[i].a_bits = a;
        } else if (net->layers[i].kind == NET_ADD) {
            c->bits[i].o_bits = r;
            o_set[i] = 1;
        }
    }
}

/* ---- Uniform shorthand ---------------------------------------------------------------- */
static int read_num(const char **p, unsigned *out)
{
    const char *s = *p;
    unsigned v = 0;
    if (*s < '0' || *s > '9')
        return 0;
    while (*s >= '0' && *s <= '9' && v <= MAX_BITS)
        v = v * 10 + (unsigned)(*s++ - '0');
    if (v < 1 || v > MAX_BITS || (*s >= '0' && *s <= '9'))
        return 0;
    *p = s;
    *out = v;
    return 1;
}

/* Parses int8 / intN / wXaY with an optional rZ suffix. */
static int parse_uniform(const char *spec, unsigned *w, unsigned *a, unsigned *r)
{
    const char *p = spec;
    *r = NET_RESIDUAL_BITS_DEFAULT;
    if (strncmp(p, "int", 3) == 0) {
        p += 3;
        if (!read_num(&p, w))
            return 0;
        *a = *w;
    } else if (*p == 'w') {
        p++;
        if (!read_num(&p, w) || *p++ != 'a' || !read_num(&p, a))
            return 0;
    } else {
        return 0;
    }
    if (*p == 'r') {
        p++;
        if (!read_num(&p, r))
            return 0;
    }
    return *p == '\0';
}

static base_status fill_uniform(const net_network *net, net_bitcfg *c, unsigned w, unsigned a,
                                unsigned r)
{
    unsigned char *o_set = base_calloc(net->n_layers ? net->n_layers : 1, 1);
    if (!o_set)
        return oom();
    set_defaults(net, c, o_set, w, a, r);
    c->input_bits = a;
    propagate(net, c, o_set);
    base_free(o_set);
    return BASE_OK;
}

base_status net_bitcfg_uniform(const char *spec, const net_network *net, net_bitcfg **out)
{
    unsigned w, a, r;
    *out = NULL;
    if (!parse_uniform(spec, &w, &a, &r))
        return BASE_ERROR(BASE_EINVAL,
                          "bad uniform bit configuration '%s' (expected int8, int4, intN or "
                          "wXaY, optional rZ residual suffix, widths 1..16)",
                          spec);
    net_bitcfg *c;
    base_status st = cfg_new(spec, spec, net, &c);
    if (st == BASE_OK) {
        c->format = NET_BITS_UNIFORM;
        st = fill_uniform(net, c, w, a, r);
    }
    if (st != BASE_OK) {
        net_bitcfg_free(c);
        return st;
    }
    *out = c;
    return BASE_OK;
}

/* ---- Shared file helpers -------------------------------------------------------------- */
/* The key node of `key` in map m (for messages that point at a section), or m itself. */
static const cfg_node *key_node(const cfg_node *m, const char *key)
{
    for (size_t i = 0; i < cfg_node_len(m); i++)
        if (strcmp(cfg_node_text(cfg_map_key_at(m, i)), key) == 0)
            return cfg_map_key_at(m, i);
    return m;
}

static base_status read_bits(const cfg_node *n, unsigned *out)
{
    long v;
    base_status st = cfg_to_long(n, 1, MAX_BITS, &v);
    if (st == BASE_OK)
        *out = (unsigned)v;
    return st;
}

static base_status read_metrics(const cfg_node *root, net_bitcfg *c)
{
    base_status st;
    if (cfg_map_get(root, "top1_accuracy")) {
        if ((st = cfg_get_double(root, "top1_accuracy", 0, 100, &c->top1_pct)) != BASE_OK)
            return st;
        c->has_top1 = 1;
    }
    if (cfg_map_get(root, "model_size_mb")) {
        if ((st = cfg_get_double(root, "model_size_mb", 0, 1e9, &c->size_mb)) != BASE_OK)
            return st;
        c->has_size_mb = 1;
    }
    if (cfg_map_get(root, "bops_g")) {
        if ((st = cfg_get_double(root, "bops_g", 0, 1e12, &c->bops_g)) != BASE_OK)
            return st;
        c->has_bops_g = 1;
    }
    double speedup = 0; /* HAWQ's published figure: checked, not used */
    if ((st = cfg_get_double(root, "speedup_vs_fp32", 0, 1e6, &speedup)) != BASE_OK)
        return st;
    const char *s;
    if (cfg_map_get(root, "label")) {
        if ((st = cfg_get_str(root, "label", &s)) != BASE_OK)
            return st;
        if (!(c->label = base_strdup(s)))
            return oom();
    }
    return BASE_OK;
}

/* Checks that every conv/fc got both widths; `where` is the node the error points at. */
static base_status check_complete(const net_network *net, const net_bitcfg *c,
                                  const cfg_node *where, int hawq)
{
    for (size_t i = 0; i < net->n_layers; i++) {
        const net_layer *l = &net->layers[i];
        if (!net_kind_has_weights(l->kind))
            continue;
        if (c->bits[i].w_bits && c->bits[i].a_bits)
            continue;
        const char *what = c->bits[i].w_bits ? "activation" : "weight";
        if (!hawq)
            return cfg_error(where, BASE_EKEY,
                             "missing %s bits for layer '%s' (list it under 'layers' or give "
                             "a 'default')",
                             what, l->name);
        /* Name the HAWQ module that would have set it. */
        const char *dot = strrchr(l->name, '.');
        field f = c->bits[i].w_bits ? F_A : F_W;
        const char *hint = "?";
        char unit_key[256] = "";
        for (size_t r = 0; r < N_RULES(hawq_top); r++)
            if (hawq_top[r].f == f && hawq_top[r].target &&
                strcmp(hawq_top[r].target, l->name) == 0) {
                hint = hawq_top[r].key;
                break;
            }
        if (strcmp(hint, "?") == 0 && dot)
            for (size_t r = 0; r < N_RULES(hawq_unit); r++)
                if (hawq_unit[r].f == f && strcmp(hawq_unit[r].target, dot + 1) == 0) {
                    snprintf(unit_key, sizeof unit_key, "%.*s.%s", (int)(dot - l->name), l->name,
                             hawq_unit[r].key);
                    hint = unit_key;
                    break;
                }
        if (l->inputs[0] < 0 && f == F_A)
            hint = "quant_input";
        return cfg_error(where, BASE_EKEY, "missing %s bits for layer '%s' (HAWQ key '%s')", what,
                         l->name, hint);
    }
    return BASE_OK;
}

/* ---- HAWQ-V3 format ------------------------------------------------------------------- */
static void set_field(net_bitcfg *c, unsigned char *o_set, size_t i, field f, unsigned v)
{
    if (f == F_W)
        c->bits[i].w_bits = v;
    else if (f == F_A)
        c->bits[i].a_bits = v;
    else {
        c->bits[i].o_bits = v;
        o_set[i] = 1;
    }
}

/* Applies one HAWQ key; BASE_EKEY at the key when it matches no layer of the network. */
static base_status hawq_apply(const net_network *net, net_bitcfg *c, unsigned char *o_set,
                              const cfg_node *key, unsigned v)
{
    const char *k = cfg_node_text(key);
    const char *dot = strrchr(k, '.');
    int matched = 0, known = 0;
    if (!dot) {
        for (size_t r = 0; r < N_RULES(hawq_top); r++) {
            if (strcmp(hawq_top[r].key, k) != 0)
                continue;
            known = 1;
            if (hawq_top[r].f == F_INPUT) {
                c->input_bits = v;
                for (size_t i = 0; i < net->n_layers; i++)
                    if (net->layers[i].inputs[0] < 0 && net_kind_has_weights(net->layers[i].kind))
                        c->bits[i].a_bits = v;
                matched = 1;
                continue;
            }
            int i = net_find_layer(net, hawq_top[r].target);
            if (i >= 0) {
                set_field(c, o_set, (size_t)i, hawq_top[r].f, v);
                matched = 1;
            }
        }
    } else {
        char name[256];
        for (size_t r = 0; r < N_RULES(hawq_unit); r++) {
            if (strcmp(hawq_unit[r].key, dot + 1) != 0)
                continue;
            known = 1;
            int n = snprintf(name, sizeof name, "%.*s.%s", (int)(dot - k), k, hawq_unit[r].target);
            int i = n > 0 && (size_t)n < sizeof name ? net_find_layer(net, name) : -1;
            if (i >= 0) {
                set_field(c, o_set, (size_t)i, hawq_unit[r].f, v);
                matched = 1;
            }
        }
    }
    if (!known)
        return cfg_error(key, BASE_EKEY, "unknown HAWQ module '%s'", k);
    if (!matched)
        return cfg_error(key, BASE_EKEY, "HAWQ module '%s' matches no layer of network '%s'", k,
                         net->name);
    return BASE_OK;
}

/* Every add (residual sum) must get its quant_act_int32 width in a HAWQ file. */
static base_status hawq_check_adds(const net_network *net, const unsigned char *o_set,
                                   const cfg_node *where)
{
    for (size_t i = 0; i < net->n_layers; i++) {
        const net_layer *l = &net->layers[i];
        if (l->kind != NET_ADD || o_set[i])
            continue;
        const char *dot = strrchr(l->name, '.');
        return cfg_error(where, BASE_EKEY,
                         "missing residual bits for layer '%s' (HAWQ key '%.*s.quant_act_int32')",
                         l->name, dot ? (int)(dot - l->name) : 0, l->name);
    }
    return BASE_OK;
}

static base_status load_hawq(const cfg_node *root, const net_network *net, net_bitcfg *c,
                             unsigned char *o_set)
{
    const cfg_node *n, *bits;
    const char *s;
    base_status st;
    c->format = NET_BITS_HAWQ;
    if ((st = cfg_map_check(root, "HAWQ bit configuration", keys_hawq)) != BASE_OK ||
        (st = cfg_map_require(root, "model", "HAWQ bit configuration", &n)) != BASE_OK ||
        (st = cfg_to_str(n, &s)) != BASE_OK)
        return st;
    if (!net_model_is(net, s))
        return cfg_error(n, BASE_EINVAL, "bit configuration is for model '%s', network is '%s'", s,
                         net->name);
    if ((n = cfg_map_get(root, "scheme")) != NULL) {
        if ((st = cfg_to_str(n, &s)) != BASE_OK)
            return st;
        char *dup = base_strdup(s);
        if (!dup)
            return oom();
        base_free(c->scheme);
        c->scheme = dup;
    }
    if ((st = read_metrics(root, c)) != BASE_OK ||
        (st = cfg_map_require(root, "bits", "HAWQ bit configuration", &bits)) != BASE_OK ||
        (st = cfg_expect(bits, CFG_MAP, "bits")) != BASE_OK)
        return st;
    c->input_bits = 0;
    for (size_t i = 0; i < cfg_node_len(bits); i++) {
        unsigned v;
        if ((st = read_bits(cfg_map_value_at(bits, i), &v)) != BASE_OK ||
            (st = hawq_apply(net, c, o_set, cfg_map_key_at(bits, i), v)) != BASE_OK)
            return st;
    }
    const cfg_node *where = key_node(root, "bits");
    if ((st = check_complete(net, c, where, 1)) != BASE_OK ||
        (st = hawq_check_adds(net, o_set, where)) != BASE_OK)
        return st;
    propagate(net, c, o_set);
    return BASE_OK;
}

/* ---- Native format -------------------------------------------------------------------- */
static base_status read_wao(const cfg_node *m, const char *what, const char *const keys[],
                            unsigned *w, unsigned *a, unsigned *o)
{
    base_status st = cfg_map_check(m, what, keys);
    const cfg_node *n;
    if (st == BASE_OK && (n = cfg_map_get(m, "w")) != NULL)
        st = read_bits(n, w);
    if (st == BASE_OK && (n = cfg_map_get(m, "a")) != NULL)
        st = read_bits(n, a);
    if (st == BASE_OK && o && (n = cfg_map_get(m, "o")) != NULL)
        st = read_bits(n, o);
    return st;
}

static base_status load_native(const cfg_node *root, const net_network *net, net_bitcfg *c,
                               unsigned char *o_set)
{
    const cfg_node *n, *layers;
    const char *s;
    base_status st;
    unsigned dw = 0, da = 0, residual = NET_RESIDUAL_BITS_DEFAULT, input = 0;
    c->format = NET_BITS_NATIVE;
    if ((st = cfg_map_check(root, "bit configuration", keys_native)) != BASE_OK)
        return st;
    if ((n = cfg_map_get(root, "network")) != NULL) {
        if ((st = cfg_to_str(n, &s)) != BASE_OK)
            return st;
        if (!net_model_is(net, s))
            return cfg_error(n, BASE_EINVAL,
                             "bit configuration is for network '%s', network is '%s'", s,
                             net->name);
    }
    if ((n = cfg_map_get(root, "name")) != NULL) {
        if ((st = cfg_to_str(n, &s)) != BASE_OK)
            return st;
        char *dup = base_strdup(s);
        if (!dup)
            return oom();
        base_free(c->scheme);
        c->scheme = dup;
    }
    if ((st = read_metrics(root, c)) != BASE_OK)
        return st;
    if ((n = cfg_map_get(root, "default")) != NULL &&
        (st = read_wao(n, "default", keys_wa, &dw, &da, NULL)) != BASE_OK)
        return st;
    if ((n = cfg_map_get(root, "residual")) != NULL && (st = read_bits(n, &residual)) != BASE_OK)
        return st;
    if ((n = cfg_map_get(root, "input")) != NULL && (st = read_bits(n, &input)) != BASE_OK)
        return st;
    set_defaults(net, c, o_set, dw, da, residual);
    if ((layers = cfg_map_get(root, "layers")) != NULL) {
        if ((st = cfg_expect(layers, CFG_MAP, "layers")) != BASE_OK)
            return st;
        for (size_t k = 0; k < cfg_node_len(layers); k++) {
            const cfg_node *key = cfg_map_key_at(layers, k);
            int i = net_find_layer(net, cfg_node_text(key));
            if (i < 0)
                return cfg_error(key, BASE_EKEY, "unknown layer '%s' in network '%s'",
                                 cfg_node_text(key), net->name);
            net_layer_bits *b = &c->bits[i];
            unsigned w = 0, a = 0, o = 0;
            const cfg_node *val = cfg_map_value_at(layers, k);
            if ((st = read_wao(val, "layer bits", keys_wao, &w, &a, &o)) != BASE_OK)
                return st;
            if ((w || a) && !net_kind_has_weights(net->layers[i].kind))
                return cfg_error(key, BASE_EKEY,
                                 "layer '%s' is a %s: only 'o' applies (w and a are for conv "
                                 "and fc)",
                                 cfg_node_text(key), net_kind_name(net->layers[i].kind));
            if (w)
                b->w_bits = w;
            if (a)
                b->a_bits = a;
            if (o) {
                b->o_bits = o;
                o_set[i] = 1;
            }
        }
    }
    if ((st = check_complete(net, c, key_node(root, layers ? "layers" : "default"), 0)) != BASE_OK)
        return st;
    c->input_bits = input;
    propagate(net, c, o_set);
    return BASE_OK;
}

/* ---- Entry points --------------------------------------------------------------------- */
static base_status load_from_doc(const char *name, base_status st, cfg_doc *doc,
                                 const net_network *net, net_bitcfg **out)
{
    net_bitcfg *c = NULL;
    unsigned char *o_set = NULL;
    if (st != BASE_OK)
        goto free_doc;
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    if ((st = cfg_new(name, base, net, &c)) != BASE_OK)
        goto free_doc;
    o_set = base_calloc(net->n_layers ? net->n_layers : 1, 1);
    if (!o_set) {
        st = oom();
        goto free_doc;
    }
    const cfg_node *root = cfg_doc_root(doc);
    if ((st = cfg_expect(root, CFG_MAP, "bit configuration")) != BASE_OK)
        goto free_doc;
    if (cfg_map_get(root, "model") && cfg_map_get(root, "bits"))
        st = load_hawq(root, net, c, o_set);
    else
        st = load_native(root, net, c, o_set);
free_doc:
    base_free(o_set);
    cfg_doc_free(doc);
    if (st != BASE_OK) {
        net_bitcfg_free(c);
        c = NULL;
    }
    *out = c;
    return st;
}

base_status net_bitcfg_load(const char *path, const net_network *net, net_bitcfg **out)
{
    cfg_doc *doc = NULL;
    base_status st = cfg_doc_load(path, &doc);
    return load_from_doc(path, st, doc, net, out);
}

base_status net_bitcfg_load_string(const char *name, const char *text, size_t len,
                                   const net_network *net, net_bitcfg **out)
{
    cfg_doc *doc = NULL;
    base_status st = cfg_doc_load_string(name, text, len, &doc);
    return load_from_doc(name, st, doc, net, out);
}

base_status net_bitcfg_resolve(const char *spec, const net_network *net, net_bitcfg **out)
{
    unsigned w, a, r;
    char path[4096];
    base_ref ref;
    *out = NULL;
    if (strcmp(spec, "onnx") == 0)
        return net_onnx_bitcfg(net, out);
    if (parse_uniform(spec, &w, &a, &r))
        return net_bitcfg_uniform(spec, net, out);
    if (base_resolve("networks/hawq_v3", spec, path, sizeof path, &ref) == BASE_OK)
        return net_bitcfg_load(path, net, out);
    if (ref == BASE_REF_MISSING || ref == BASE_REF_NOTFILE) /* a path: say what is wrong */
        return base_error_at(BASE_ENOTFOUND, spec, 0, 0, "bit configuration file: %s",
                             base_error_last()->message);
    return BASE_ERROR(BASE_ENOTFOUND,
                      "unknown bit configuration '%s': not a shorthand (int8, int4, wXaY[rZ]), "
                      "a file, or a shipped scheme networks/hawq_v3/<name>.yaml",
                      spec);
}

/* ---- Bits a source gives, copies ------------------------------------------------------ */
base_status net_bitcfg_from_given(const net_network *net, const net_layer_bits *given,
                                  net_bitcfg **out)
{
    net_bitcfg *c;
    unsigned char *o_set = NULL;
    base_status st = cfg_new("onnx", "onnx", net, &c);
    if (st == BASE_OK && !(o_set = base_calloc(net->n_layers ? net->n_layers : 1, 1)))
        st = oom();
    if (st == BASE_OK) {
        c->format = NET_BITS_NATIVE;
        set_defaults(net, c, o_set, 0, 0, NET_RESIDUAL_BITS_DEFAULT);
        for (size_t i = 0; i < net->n_layers; i++)
            if (net_kind_has_weights(net->layers[i].kind)) {
                c->bits[i].w_bits = given[i].w_bits;
                c->bits[i].a_bits = given[i].a_bits;
            }
        propagate(net, c, o_set);
    }
    base_free(o_set);
    if (st != BASE_OK) {
        net_bitcfg_free(c);
        c = NULL;
    }
    *out = c;
    return st;
}

base_status net_bitcfg_copy(const net_bitcfg *src, net_bitcfg **out)
{
    net_bitcfg *c = base_calloc(1, sizeof *c);
    *out = NULL;
    if (!c)
        return oom();
    *c = *src;
    c->name = base_strdup(src->name);
    c->scheme = base_strdup(src->scheme);
    c->label = src->label ? base_strdup(src->label) : NULL;
    c->bits = base_malloc((src->n_layers ? src->n_layers : 1) * sizeof *c->bits);
    if (!c->name || !c->scheme || (src->label && !c->label) || !c->bits) {
        net_bitcfg_free(c);
        return oom();
    }
    memcpy(c->bits, src->bits, src->n_layers * sizeof *c->bits);
    *out = c;
    return BASE_OK;
}
