/* axbxp.c - approximate blocked computation, Ax-BxP (Elangovan, Jain, Raghunathan,
 * arXiv 2011.13000): 8-bit operands split into K-bit blocks, only a configured subset of
 * block-pair products computed, chosen per network or per layer and data structure; versus
 * FxP8. Block size, PE and memory are not public: every hardware figure is a parameter. */
#include <string.h>

#include "accel/accel_impl.h"

#define AXBXP_PARAMS(X)                                                                            \
    X(CLOCK_MHZ, "clock_mhz", 1, 1e4)                                                              \
    X(OPERAND_BITS, "operand_bits", 2, 8)                                                          \
    X(BLOCK_BITS, "block_bits", 1, 8)                                                              \
    X(N_PE, "n_pe", 1, 1e6)                                                                        \
    X(BLOCK_MULTS, "block_mults_per_pe", 1, 64)                                                    \
    X(COMPOSE, "compose_slots_per_mac", 1e-6, 64)                                                  \
    X(MEM_BITS, "mem_bits_per_cycle", 1, 1e6)                                                      \
    X(E_BP, "e_block_product_pj", 1e-6, 1e3)                                                       \
    X(E_MULT8, "e_mult8_pj", 1e-6, 1e3)                                                            \
    X(E_MEM, "e_mem_pj_per_bit", 0, 1e3)                                                           \
    X(SWITCH_CYC, "mode_switch_cycles", 0, 1e6)

enum {
#define ENUM(id, name, lo, hi) AX_##id,
    AXBXP_PARAMS(ENUM)
#undef ENUM
        AX_COUNT
};

static const acc_param_def defs[] = {
#define DEF(id, name, lo, hi) {name, lo, hi},
    AXBXP_PARAMS(DEF)
#undef DEF
};

static const char *const baselines[] = {"fxp8", NULL};

/* A block-pair set: bit i*8+j is the product of activation block i and weight block j,
 * block 0 being the most significant. */
typedef struct ax_layer_cfg {
    char *layer;
    uint64_t pairs;
    char *file; /* where the override was written, for errors at cost time */
    long line, col;
} ax_layer_cfg;

typedef struct ax_net_cfg {
    char *network; /* "default" for the fallback */
    uint64_t pairs;
    ax_layer_cfg *layers;
    size_t n_layers;
} ax_net_cfg;

typedef struct ax_ext {
    ax_net_cfg *nets;
    size_t n_nets;
} ax_ext;

static void ext_free(void *e)
{
    ax_ext *x = e;
    if (!x)
        return;
    for (size_t i = 0; i < x->n_nets; i++) {
        for (size_t j = 0; j < x->nets[i].n_layers; j++) {
            base_free(x->nets[i].layers[j].layer);
            base_free(x->nets[i].layers[j].file);
        }
        base_free(x->nets[i].layers);
        base_free(x->nets[i].network);
    }
    base_free(x->nets);
    base_free(x);
}

static base_status load_pairs(const cfg_node *node, unsigned n_blocks, uint64_t *out)
{
    static const char *const keys[] = {"pairs", "layers", NULL};
    const cfg_node *seq = NULL;
    base_status st = cfg_map_check(node, "config", keys);
    if (st == BASE_OK)
        st = cfg_map_require(node, "pairs", "config", &seq);
    if (st == BASE_OK)
        st = cfg_expect(seq, CFG_SEQ, "pairs");
    if (st != BASE_OK)
        return st;
    uint64_t mask = 0;
    for (size_t i = 0; i < cfg_node_len(seq); i++) {
        const cfg_node *pr = cfg_seq_at(seq, i);
        long a = 0, w = 0;
        if ((st = cfg_expect(pr, CFG_SEQ, "pair")) != BASE_OK)
            return st;
        if (cfg_node_len(pr) != 2)
            return cfg_error(pr, BASE_EINVAL, "a pair is [activation_block, weight_block]");
        if ((st = cfg_to_long(cfg_seq_at(pr, 0), 0, (long)n_blocks - 1, &a)) != BASE_OK ||
            (st = cfg_to_long(cfg_seq_at(pr, 1), 0, (long)n_blocks - 1, &w)) != BASE_OK)
            return st;
        uint64_t bit = (uint64_t)1 << (a * 8 + w);
        if (mask & bit)
            return cfg_error(pr, BASE_EKEY, "pair [%ld, %ld] listed twice", a, w);
        mask |= bit;
    }
    if (!(mask & 1u))
        return cfg_error(seq, BASE_EINVAL, "a configuration must keep pair [0, 0] (the MSBs)");
    *out = mask;
    return BASE_OK;
}

static base_status load_net(ax_net_cfg *net, const cfg_node *key, const cfg_node *node,
                            unsigned n_blocks)
{
    if (!(net->network = base_strdup(cfg_node_text(key))))
        return BASE_ERROR(BASE_ENOMEM, "out of memory loading Ax-BxP configs");
    base_status st = load_pairs(node, n_blocks, &net->pairs);
    const cfg_node *layers = cfg_map_get(node, "layers");
    if (st != BASE_OK || !layers)
        return st;
    if ((st = cfg_expect(layers, CFG_MAP, "layers")) != BASE_OK)
        return st;
    net->layers = base_calloc(cfg_node_len(layers) + 1, sizeof *net->layers);
    if (!net->layers)
        return BASE_ERROR(BASE_ENOMEM, "out of memory loading Ax-BxP configs");
    for (size_t i = 0; i < cfg_node_len(layers); i++) {
        ax_layer_cfg *lc = &net->layers[net->n_layers++];
        const cfg_node *lkey = cfg_map_key_at(layers, i);
        if (!(lc->layer = base_strdup(cfg_node_text(lkey))) ||
            !(lc->file = base_strdup(cfg_node_file(lkey))))
            return BASE_ERROR(BASE_ENOMEM, "out of memory loading Ax-BxP configs");
        lc->line = cfg_node_line(lkey);
        lc->col = cfg_node_col(lkey);
        const cfg_node *v = cfg_map_value_at(layers, i);
        if (cfg_map_get(v, "layers"))
            return cfg_error(v, BASE_EKEY, "unknown key 'layers' in a layer's config");
        if ((st = load_pairs(v, n_blocks, &lc->pairs)) != BASE_OK)
            return st;
    }
    return BASE_OK;
}

/* configs: {default: {pairs: [[0,0], ...]}, <network>: {pairs: ..., layers: {<layer>:
 * {pairs: ...}}}} - the per-network and per-layer/per-data-structure block selections. */
static base_status ext_load(acc_params *p, const cfg_node *node)
{
    double ob = p->v[AX_OPERAND_BITS], kb = p->v[AX_BLOCK_BITS];
    long obi = (long)ob, kbi = (long)kb;
    if ((double)obi != ob || (double)kbi != kb || obi % kbi != 0)
        return cfg_error(node, BASE_EINVAL,
                         "operand_bits (%g) must be a whole multiple of block_bits (%g)", ob, kb);
    unsigned n_blocks = (unsigned)(obi / kbi);
    base_status st = cfg_expect(node, CFG_MAP, "configs");
    if (st != BASE_OK)
        return st;
    if (!cfg_map_get(node, "default"))
        return cfg_error(node, BASE_EKEY, "missing key 'default' in 'configs'");
    ax_ext *x = base_calloc(1, sizeof *x);
    if (!x)
        return BASE_ERROR(BASE_ENOMEM, "out of memory loading Ax-BxP configs");
    p->ext = x;
    x->nets = base_calloc(cfg_node_len(node), sizeof *x->nets);
    if (!x->nets)
        return BASE_ERROR(BASE_ENOMEM, "out of memory loading Ax-BxP configs");
    for (size_t i = 0; i < cfg_node_len(node); i++) {
        x->n_nets = i + 1;
        st = load_net(&x->nets[i], cfg_map_key_at(node, i), cfg_map_value_at(node, i), n_blocks);
        if (st != BASE_OK)
            return st;
    }
    return BASE_OK;
}

/* The configs entry for the selected network, else "default". */
static const ax_net_cfg *selected_net(const acc_params *p)
{
    const ax_ext *x = p->ext;
    const ax_net_cfg *net = NULL, *def = NULL;
    for (size_t i = 0; i < x->n_nets; i++) {
        if (strcmp(x->nets[i].network, "default") == 0)
            def = &x->nets[i];
        if (p->network && strcmp(x->nets[i].network, p->network) == 0)
            net = &x->nets[i];
    }
    return net ? net : def;
}

/* The pair set for a layer: the selected network's layer override, else its network
 * entry, else "default". */
static uint64_t config_for(const acc_params *p, const acc_layer *l)
{
    const ax_net_cfg *net = selected_net(p);
    for (size_t j = 0; l->name && j < net->n_layers; j++)
        if (strcmp(net->layers[j].layer, l->name) == 0)
            return net->layers[j].pairs;
    return net->pairs;
}

static unsigned popcount64(uint64_t v)
{
    unsigned n = 0;
    for (; v; v &= v - 1)
        n++;
    return n;
}

/* Restricts a pair set to the blocks a layer's operands actually have: an a-bit operand
 * has ceil(a/K) blocks. */
static uint64_t effective_pairs(const acc_params *p, const acc_layer *l)
{
    unsigned k = (unsigned)p->v[AX_BLOCK_BITS];
    unsigned na = (l->a_bits + k - 1) / k, nw = (l->w_bits + k - 1) / k;
    uint64_t pairs = config_for(p, l), keep = 0;
    for (unsigned i = 0; i < na; i++)
        for (unsigned j = 0; j < nw; j++)
            keep |= (uint64_t)1 << (i * 8 + j);
    return pairs & keep;
}

static base_status cost(const acc_params *p, const acc_layer *l, int baseline, acc_cost *out)
{
    const double *v = p->v;
    if (l->a_bits > (unsigned)v[AX_OPERAND_BITS] || l->w_bits > (unsigned)v[AX_OPERAND_BITS])
        return BASE_ERROR(BASE_EUNSUPPORTED,
                          "axbxp: layer '%s' A%uW%u: operands are at most %g bits",
                          acc_layer_name(l), l->a_bits, l->w_bits, v[AX_OPERAND_BITS]);
    double macs = (double)out->n_macs;
    double n_in =
        l->is_conv ? (double)l->batch * l->c_in * l->h_in * l->w_in : (double)(l->m * l->k);
    double n_w = (double)(l->n * l->k), n_out = (double)(l->m * l->n);
    double compute, a_bits, w_bits, e_mac;
    if (baseline < 0) {
        uint64_t pairs = effective_pairs(p, l), a_rows = 0, w_cols = 0;
        for (unsigned i = 0; i < 8; i++)
            for (unsigned j = 0; j < 8; j++)
                if (pairs >> (i * 8 + j) & 1u) {
                    a_rows |= 1u << i;
                    w_cols |= 1u << j;
                }
        double n_pairs = (double)popcount64(pairs);
        /* Only the blocks some kept pair reads are stored and moved. */
        a_bits = v[AX_BLOCK_BITS] * (double)popcount64(a_rows);
        w_bits = v[AX_BLOCK_BITS] * (double)popcount64(w_cols);
        compute = macs * (n_pairs + v[AX_COMPOSE]) / (v[AX_N_PE] * v[AX_BLOCK_MULTS]);
        e_mac = n_pairs * v[AX_E_BP];
        out->path = "Ax-BxP block products";
    } else {
        a_bits = w_bits = v[AX_OPERAND_BITS];
        compute = macs / v[AX_N_PE];
        e_mac = v[AX_E_MULT8];
        out->path = "FxP8";
    }
    double bits = n_in * a_bits + n_w * w_bits + n_out * v[AX_OPERAND_BITS];
    out->n_cycles = compute + bits / v[AX_MEM_BITS];
    out->latency_ns = out->n_cycles * 1e3 / v[AX_CLOCK_MHZ];
    out->energy_pj = macs * e_mac + bits * v[AX_E_MEM];
    return BASE_OK;
}

/* A new block-pair set reprograms the PE's pair selection and the operand layout. */
static base_status mode_switch(const acc_params *p, const acc_layer *a, const acc_layer *b,
                               acc_cost *out)
{
    if (effective_pairs(p, a) == effective_pairs(p, b))
        return BASE_OK;
    out->n_cycles = p->v[AX_SWITCH_CYC];
    out->latency_ns = out->n_cycles * 1e3 / p->v[AX_CLOCK_MHZ];
    out->path = "block-pair switch";
    return BASE_OK;
}

/* Every layer override of the selected network must name one of the network's layers. */
static base_status check_layers(const acc_params *p, const acc_layer *layers, size_t n)
{
    const ax_net_cfg *net = selected_net(p);
    for (size_t j = 0; j < net->n_layers; j++) {
        const ax_layer_cfg *lc = &net->layers[j];
        size_t i = 0;
        while (i < n && !(layers[i].name && strcmp(layers[i].name, lc->layer) == 0))
            i++;
        if (i == n)
            return base_error_at(BASE_ENOTFOUND, lc->file, lc->line, lc->col,
                                 "configs.%s.layers.%s names no layer of the network", net->network,
                                 lc->layer);
    }
    return BASE_OK;
}

/* The configs were checked against these two: a file sets them, acc_params_set does not. */
static const char *const load_only[] = {"operand_bits", "block_bits", NULL};

const acc_model acc_axbxp_model = {
    .name = "axbxp",
    .title = "Ax-BxP approximate blocked computation (Elangovan et al., arXiv 2011.13000)",
    .defs = defs,
    .n_defs = AX_COUNT,
    .baselines = baselines,
    .ext_key = "configs",
    .ext_load = ext_load,
    .ext_free = ext_free,
    .cost = cost,
    .mode_switch = mode_switch,
    .check_layers = check_layers,
    .load_only = load_only,
};
