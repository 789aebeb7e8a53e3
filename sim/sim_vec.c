/* sim_vec.c - measured-table architectures: a chip of vector cores whose operations cost
 * what a measured table says (sim/arch/gsi_apu.yaml: GSI's Gemini APU, from the public
 * artifact of Zhang et al., MICRO 2025), mapped by apsim itself. Loading the table, the
 * mapping of every layer kind onto whole-register operations and DMA transfers, and the
 * evaluation: latency from the busiest core's cycles, energy from the measured dynamic power
 * over every core's busy cycles, the idle power kept apart. docs/SIM_MODEL.md, "Measured-table
 * architectures", gives the model; docs/VALIDATION.md checks it against the measured matrix
 * multiply. Every operand lives in an element_bits-wide lane whatever its precision: the
 * table measures only those ops, so narrower bit widths change the accumulator's width (and
 * with it the carry work), not the cost of a multiply. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cfg/cfg.h"
#include "sim/sim_impl.h"

#define SIM_X_NAME(e, name, what) name,
#define SIM_X_WHAT(e, name, what) what " on one core",
static const char *const vop_names[] = {SIM_VOP_LIST(SIM_X_NAME)};
static const char *const vop_actions[] = {SIM_VOP_LIST(SIM_X_WHAT)};
#undef SIM_X_NAME
#undef SIM_X_WHAT

/* ---- Loading ------------------------------------------------------------------------------ */

/* {fixed_cycles, <per_key>} (and chunk_bytes for l4_to_l2). */
static base_status fit(const cfg_node *map, const char *name, const char *per_key, sim_fit *out,
                       double *chunk_bytes)
{
    const char *const keys[] = {"fixed_cycles", per_key, chunk_bytes ? "chunk_bytes" : NULL, NULL};
    const cfg_node *f;
    base_status st = sim_cfg_section(map, name, keys, &f);
    if (st == BASE_OK)
        st = sim_cfg_double(f, name, "fixed_cycles", 0, 1e12, &out->fixed_cycles);
    if (st == BASE_OK)
        st = sim_cfg_double(f, name, per_key, 0, 1e9, &out->cycles_per_unit);
    if (st == BASE_OK && chunk_bytes)
        st = sim_cfg_double(f, name, "chunk_bytes", 1, 1e12, chunk_bytes);
    return st;
}

/* chip.weights: auto, resident or streamed (sim_vec_weights' order). */
static base_status weights(const cfg_node *chip, sim_measured *m)
{
    static const char *const names[] = {"auto", "resident", "streamed"};
    const cfg_node *v;
    const char *s;
    base_status st = cfg_map_require(chip, "weights", "chip", &v);
    if (st == BASE_OK)
        st = cfg_to_str(v, &s);
    for (int i = 0; i < 3 && st == BASE_OK; i++)
        if (!strcmp(s, names[i])) {
            m->weights = (sim_vec_weights)i;
            return BASE_OK;
        }
    return st != BASE_OK ? st
                         : cfg_error(v, BASE_EINVAL,
                                     "weights '%s' is not auto, resident or "
                                     "streamed",
                                     s);
}

static base_status parse_chip(const cfg_node *root, sim_measured *m)
{
    static const char *const keys[] = {"technology", "node_nm",      "clock_mhz",   "cores",
                                       "lanes",      "element_bits", "group_lanes", "copies",
                                       "l1_bytes",   "weights",      NULL};
    const cfg_node *c, *v;
    const char *tech;
    base_status st = sim_cfg_section(root, "chip", keys, &c);
    if (st == BASE_OK)
        st = cfg_map_require(c, "technology", "chip", &v);
    if (st == BASE_OK)
        st = cfg_to_str(v, &tech);
    if (st == BASE_OK && (!*tech || strlen(tech) >= sizeof m->technology))
        st = cfg_error(v, BASE_ERANGE, "technology must be 1..%zu characters",
                       sizeof m->technology - 1);
    if (st != BASE_OK)
        return st;
    strcpy(m->technology, tech);
    if ((st = sim_cfg_double(c, "chip", "node_nm", 1, 1000, &m->node_nm)) != BASE_OK ||
        (st = sim_cfg_double(c, "chip", "clock_mhz", 1e-3, 1e5, &m->clock_mhz)) != BASE_OK ||
        (st = sim_cfg_uint(c, "chip", "cores", 1, 1L << 16, &m->cores)) != BASE_OK ||
        (st = sim_cfg_uint(c, "chip", "lanes", 1, 1L << 30, &m->lanes)) != BASE_OK ||
        (st = sim_cfg_uint(c, "chip", "element_bits", 2, 64, &m->element_bits)) != BASE_OK ||
        (st = sim_cfg_uint(c, "chip", "group_lanes", 1, 1L << 30, &m->group_lanes)) != BASE_OK ||
        (st = sim_cfg_uint(c, "chip", "copies", 1, 64, &m->copies)) != BASE_OK ||
        (st = sim_cfg_double(c, "chip", "l1_bytes", 1, 1e15, &m->l1_bytes)) != BASE_OK ||
        (st = weights(c, m)) != BASE_OK)
        return st;
    if (m->group_lanes > m->lanes)
        return cfg_error(cfg_map_get(c, "group_lanes"), BASE_ERANGE,
                         "group_lanes (%u) exceeds lanes (%u)", m->group_lanes, m->lanes);
    return BASE_OK;
}

static base_status parse_dma(const cfg_node *root, sim_measured *m)
{
    static const char *const keys[] = {"l4_to_l3",          "l4_to_l2",
                                       "l2_to_l1_register", "l4_to_l1_register",
                                       "l1_to_l4_register", NULL};
    const cfg_node *d;
    base_status st = sim_cfg_section(root, "dma", keys, &d);
    if (st == BASE_OK)
        st = fit(d, "l4_to_l3", "cycles_per_byte", &m->l4_l3, NULL);
    if (st == BASE_OK)
        st = fit(d, "l4_to_l2", "cycles_per_byte", &m->l4_l2, &m->l4_l2_chunk_bytes);
    if (st == BASE_OK)
        st = sim_cfg_double(d, "dma", "l2_to_l1_register", 0, 1e12, &m->l2_l1_cycles);
    if (st == BASE_OK)
        st = sim_cfg_double(d, "dma", "l4_to_l1_register", 0, 1e12, &m->l4_l1_cycles);
    if (st == BASE_OK)
        st = sim_cfg_double(d, "dma", "l1_to_l4_register", 0, 1e12, &m->l1_l4_cycles);
    return st;
}

base_status sim_vec_parse(const cfg_node *root, sim_arch *a)
{
    static const char *const top[] = {"name", "kind",  "chip",  "ops", "lookup",
                                      "dma",  "power", "batch", NULL};
    static const char *const power_keys[] = {"idle_w", "running_w", NULL};
    const char *ops_keys[SIM_VOP_COUNT + 1];
    sim_measured *m = &a->measured;
    const cfg_node *ops, *pw;
    base_status st = cfg_map_check(root, "architecture", top);
    if (st == BASE_OK)
        st = parse_chip(root, m);
    for (int k = 0; k < SIM_VOP_COUNT; k++)
        ops_keys[k] = vop_names[k];
    ops_keys[SIM_VOP_COUNT] = NULL;
    if (st == BASE_OK)
        st = sim_cfg_section(root, "ops", ops_keys, &ops);
    for (int k = 0; k < SIM_VOP_COUNT && st == BASE_OK; k++)
        st = sim_cfg_double(ops, "ops", vop_names[k], 0, 1e12, &m->op_cycles[k]);
    if (st == BASE_OK)
        st = fit(root, "lookup", "cycles_per_entry", &m->lookup, NULL);
    if (st == BASE_OK)
        st = parse_dma(root, m);
    if (st == BASE_OK)
        st = sim_cfg_section(root, "power", power_keys, &pw);
    if (st == BASE_OK)
        st = sim_cfg_double(pw, "power", "idle_w", 0, 1e6, &m->idle_w);
    if (st == BASE_OK)
        st = sim_cfg_double(pw, "power", "running_w", 0, 1e6, &m->running_w);
    if (st == BASE_OK && m->running_w < m->idle_w)
        return cfg_error(cfg_map_get(pw, "running_w"), BASE_ERANGE,
                         "running_w (%g) is below idle_w (%g)", m->running_w, m->idle_w);
    if (st == BASE_OK)
        st = sim_cfg_uint(root, "architecture", "batch", 1, 1 << 20, &a->batch);
    return st;
}

/* ---- Mapping --------------------------------------------------------------------------------
 * A candidate's vec_cycles[phase] are every core's busy cycles over the whole layer (what the
 * energy charges), vec_latency_cycles the busiest core's (what the latency is). */

static double ceil_div_d(double a, double b)
{
    return ceil(a / b);
}

static double vop(const sim_measured *m, sim_vop op)
{
    return m->op_cycles[op];
}

/* Whole-register ops of a program: their cycles and their number. */
typedef struct vtally {
    double cycles, ops;
} vtally;

static void run(vtally *t, const sim_measured *m, sim_vop op, double times)
{
    t->cycles += times * vop(m, op);
    t->ops += times;
}

/* Register-wide words an n-bit value occupies. */
static double words(const sim_measured *m, unsigned bits)
{
    return ceil_div_d(bits, m->element_bits);
}

/* Adding a value into a w-word accumulator: one add per word, and per upper word a carry
 * (compare, then add one where it is set) and the value's sign extension (the same). */
static void accumulate(vtally *t, const sim_measured *m, double w)
{
    run(t, m, SIM_VOP_ADD, w);
    run(t, m, SIM_VOP_COMPARE, 2.0 * (w - 1.0));
    run(t, m, SIM_VOP_MARKER_ADD, 2.0 * (w - 1.0));
}

/* Dyadic requantization of a w-word value to one word: multiply by the scale (two
 * multiplies and an add per word), shift right, and clamp to the output range (two compares
 * and masked copies). */
static void requant(vtally *t, const sim_measured *m, double w)
{
    run(t, m, SIM_VOP_MUL, 2.0 * w);
    run(t, m, SIM_VOP_ADD, w);
    run(t, m, SIM_VOP_SHIFT, 1);
    run(t, m, SIM_VOP_COMPARE, 2);
    run(t, m, SIM_VOP_MASKED_COPY, 2);
}

/* Cycles to bring bytes from device memory into L1 through L2 (the L4 -> L2 transfers in
 * chunks, then one L2 -> L1 move per register filled). */
static double l4_to_l1(const sim_measured *m, double bytes, double registers)
{
    if (bytes <= 0)
        return 0;
    double chunks = ceil_div_d(bytes, m->l4_l2_chunk_bytes);
    return chunks * m->l4_l2.fixed_cycles + bytes * m->l4_l2.cycles_per_unit +
           registers * m->l2_l1_cycles;
}

static double bytes_per_element(const sim_measured *m)
{
    return m->element_bits / 8.0;
}

/* The shape of a GEMM on groups of lanes: R output rows x nc output columns per vector op. */
typedef struct vec_gemm {
    double m, n, k, nc, r, groups, per_core, active, entries;
    double mul_calls, acc_words, out_words;
    bool requant;
} vec_gemm;

static void gemm_shape(const sim_measured *m, const net_layer *l, uint64_t gm, uint64_t gn,
                       uint64_t gk, unsigned a_bits, unsigned a_width, unsigned w_bits,
                       unsigned o_bits, vec_gemm *g)
{
    double gl = m->group_lanes, half = m->element_bits / 2.0;
    g->m = (double)gm;
    g->n = (double)gn;
    g->k = (double)gk;
    g->nc = fmin(g->n, gl);
    g->r = fmax(1.0, fmin(g->m, floor(gl / g->nc)));
    g->groups = ceil_div_d(g->m, g->r) * ceil_div_d(g->n, g->nc);
    g->per_core = ceil_div_d(g->groups, m->cores);
    g->active = fmin(g->groups, m->cores);
    /* The lookup gathers each lane's activation: one entry per row, per channel group the
     * column tile spans (grouped convolutions read other inputs per output channel). */
    g->entries = g->r * fmin((double)l->groups, g->nc);
    /* A product of an a-bit activation (signed, or unsigned held as a non-negative signed
     * value) and a signed w-bit weight fits a + w signed bits; one wider than an element is
     * built from half-width pieces of the operands as stored (a_width: one more bit when
     * unsigned). Its K-term sum needs ceil(log2 K) more bits. */
    unsigned prod = a_bits + w_bits;
    g->mul_calls = prod <= m->element_bits ? 1.0 : ceil(a_width / half) * ceil(w_bits / half);
    unsigned acc = prod + sim_ceil_log2(gk);
    g->acc_words = words(m, acc);
    g->requant = o_bits < acc;
    g->out_words = g->requant ? 1.0 : g->acc_words; /* an unnarrowed result keeps its words */
}

/* Fills the GEMM candidate: weights resident in L1 (every core loads them once; only when
 * they fit) or streamed per group. Per group and per k step: the activations gathered from L3
 * (lookup) and the weight row replicated over the group's rows (load, index, duplicate), then
 * the multiply and the accumulation; per group: the accumulator cleared, requantized, stored
 * and sent back to device memory. */
static void gemm_candidate(const sim_measured *m, const vec_gemm *g, double in_elems, bool resident,
                           sim_candidate *c)
{
    double eb = bytes_per_element(m);
    vtally layout = {m->lookup.fixed_cycles + m->lookup.cycles_per_unit * g->entries, 1};
    run(&layout, m, SIM_VOP_LOAD, 1);
    run(&layout, m, SIM_VOP_INDEX, 1);
    run(&layout, m, SIM_VOP_DUPLICATE, 1);
    vtally mac = {0, 0}, rq = {0, 0};
    run(&mac, m, SIM_VOP_MUL, g->mul_calls);
    run(&mac, m, SIM_VOP_ADD, g->mul_calls - 1);
    accumulate(&mac, m, g->acc_words);
    if (g->requant)
        requant(&rq, m, g->acc_words);
    double group[SIM_PHASE_COUNT] = {0};
    group[SIM_PHASE_OPERAND_LOAD] = g->k * layout.cycles;
    group[SIM_PHASE_MAC] = g->k * mac.cycles + g->acc_words * vop(m, SIM_VOP_RESET);
    group[SIM_PHASE_REQUANT] = rq.cycles;
    group[SIM_PHASE_TRANSFER] = g->out_words * (vop(m, SIM_VOP_STORE) + m->l1_l4_cycles);
    if (!resident)
        group[SIM_PHASE_TRANSFER] +=
            l4_to_l1(m, g->k * g->nc * eb * m->copies, ceil_div_d(g->k * g->nc, m->lanes));
    /* Once per active core: the layer's input into L3 for the lookups and, when resident,
     * every weight into L1. */
    double once = m->l4_l3.fixed_cycles + m->l4_l3.cycles_per_unit * in_elems * eb;
    if (resident)
        once += l4_to_l1(m, g->k * g->n * eb * m->copies, ceil_div_d(g->k * g->n, m->lanes));
    double per_group = 0;
    for (int ph = 0; ph < SIM_PHASE_COUNT; ph++) {
        c->vec_cycles[ph] = group[ph] * g->groups;
        per_group += group[ph];
    }
    c->vec_cycles[SIM_PHASE_TRANSFER] += once * g->active;
    c->vec_latency_cycles = once + g->per_core * per_group;
    double ops = g->k * (layout.ops + mac.ops) + g->acc_words + rq.ops + g->out_words;
    c->n_passes = (uint64_t)(g->groups * ops);
    c->vec_flow = resident ? "w_resident" : "w_streamed";
    c->chunk_k = (uint64_t)g->k;
    c->n_chunks = 1;
    c->n_slots = 1;
    c->n_rows = (uint64_t)(g->m * g->n);
    c->n_folds = 1;
    c->acc_bits = (unsigned)(g->acc_words * m->element_bits);
}

static base_status too_wide(const sim_measured *m, const net_layer *l, unsigned bits)
{
    return BASE_ERROR(BASE_ECAPACITY,
                      "%s operands of %u bits exceed the %u-bit elements the "
                      "measured ops work on",
                      net_kind_name(l->kind), bits, m->element_bits);
}

static base_status plan_gemm(const sim_plan *p, size_t li, sim_layer_plan *lp)
{
    const sim_measured *m = &p->arch.measured;
    const net_layer *l = &p->net->layers[li];
    net_layer_gemm(l, p->arch.batch, &lp->gemm_m, &lp->gemm_n, &lp->gemm_k);
    unsigned aw = sim_act_width(p->net, li, lp->bits.a_bits);
    unsigned widest = aw > lp->bits.w_bits ? aw : lp->bits.w_bits;
    if (widest > m->element_bits)
        return too_wide(m, l, widest);
    vec_gemm g;
    gemm_shape(m, l, lp->gemm_m, lp->gemm_n, lp->gemm_k, lp->bits.a_bits, aw, lp->bits.w_bits,
               lp->bits.o_bits, &g);
    double in_elems = (double)l->c_in * l->h_in * l->w_in * p->arch.batch;
    lp->n_candidates = 0;
    memset(lp->cand, 0, 2 * sizeof lp->cand[0]);
    bool fits = g.k * g.n * bytes_per_element(m) <= m->l1_bytes;
    if (m->weights == SIM_VEC_WEIGHTS_RESIDENT && !fits)
        return BASE_ERROR(BASE_ECAPACITY,
                          "weights of %.0f x %.0f elements do not fit the %.0f bytes of L1 "
                          "(weights: resident)",
                          g.k, g.n, m->l1_bytes);
    if (m->weights != SIM_VEC_WEIGHTS_RESIDENT)
        gemm_candidate(m, &g, in_elems, false, &lp->cand[lp->n_candidates++]);
    if (m->weights != SIM_VEC_WEIGHTS_STREAMED && fits)
        gemm_candidate(m, &g, in_elems, true, &lp->cand[lp->n_candidates++]);
    return BASE_OK;
}

/* A product of an a-bit and a b-bit signed value: one multiply when it fits an element, else
 * built from half-width pieces of the operands and summed (as a GEMM's wide products). */
static void product(vtally *t, const sim_measured *m, unsigned a, unsigned b)
{
    double half = m->element_bits / 2.0;
    double calls = a + b <= m->element_bits ? 1.0 : ceil(a / half) * ceil(b / half);
    run(t, m, SIM_VOP_MUL, calls);
    run(t, m, SIM_VOP_ADD, calls - 1);
}

/* The hard activations and the product (sim_act.c's programs on whole registers): x + three
 * (an add of a constant register), max with 0 and min with six (a compare and a masked copy
 * each), hardswish's product x t, mul's x y; the result requantized when o is narrower. */
static void act_work(const sim_measured *m, net_kind kind, const net_layer_bits *b, vtally *work)
{
    unsigned a = b->a_bits, src = sim_act_result_bits(kind, a);
    if (kind != NET_MUL) {
        run(work, m, SIM_VOP_ADD, 1);
        run(work, m, SIM_VOP_COMPARE, 2);
        run(work, m, SIM_VOP_MASKED_COPY, 2);
    }
    if (kind != NET_HARDSIGMOID)
        product(work, m, a, kind == NET_MUL ? a : a + 1);
    if (b->o_bits < src)
        requant(work, m, words(m, src));
}

/* Element-wise layers work on whole registers of outputs: every input register comes from
 * device memory and every result goes back (direct DMA), the cores sharing the registers. */
static base_status plan_eltwise(const sim_plan *p, size_t li, sim_layer_plan *lp)
{
    const sim_measured *m = &p->arch.measured;
    const net_layer *l = &p->net->layers[li];
    sim_candidate *c = &lp->cand[0];
    memset(c, 0, sizeof *c);
    lp->n_candidates = 1;
    if (l->kind == NET_FLATTEN)
        return BASE_OK;
    if (lp->bits.a_bits > m->element_bits)
        return too_wide(m, l, lp->bits.a_bits);
    double window = (double)l->kh * l->kw, operands = 1;
    vtally work = {0, 0};
    switch (l->kind) {
    case NET_RELU: /* max(x, 0): a compare and a masked clear */
        run(&work, m, SIM_VOP_COMPARE, 1);
        run(&work, m, SIM_VOP_MASKED_COPY, 1);
        break;
    case NET_MAXPOOL: /* the window's registers, a compare and a masked copy for each but one */
        operands = window;
        run(&work, m, SIM_VOP_COMPARE, window - 1);
        run(&work, m, SIM_VOP_MASKED_COPY, window - 1);
        break;
    case NET_AVGPOOL: { /* the window summed, then scaled by 1/window (dyadic) */
        double w = words(m, lp->bits.a_bits + sim_ceil_log2((uint64_t)window));
        operands = window;
        for (double i = 1; i < window; i++)
            accumulate(&work, m, w);
        requant(&work, m, w);
        break;
    }
    case NET_ADD: { /* the two operands summed at one more bit, narrowed when o is smaller */
        unsigned sum = lp->bits.a_bits + 1;
        operands = 2;
        accumulate(&work, m, words(m, sum));
        if (lp->bits.o_bits < sum)
            requant(&work, m, words(m, sum));
        break;
    }
    case NET_MUL: /* mul's second operand: its own register, or its channel's broadcast */
        operands = 2;
        act_work(m, l->kind, &lp->bits, &work);
        break;
    case NET_HARDSWISH:
    case NET_HARDSIGMOID:
        act_work(m, l->kind, &lp->bits, &work);
        break;
    case NET_CONCAT: { /* to the common scale: a multiply, then requantized */
        double w = words(m, lp->bits.a_bits + sim_requant_scale_bits(lp->bits.a_bits));
        run(&work, m, SIM_VOP_MUL, 2.0 * w);
        requant(&work, m, w);
        break;
    }
    case NET_RESIZE: /* nearest: each output register gathered from its source (the load) */
        if (l->mode == NET_RESIZE_BILINEAR) { /* four taps times fixed-point weights, summed */
            unsigned sum = lp->bits.a_bits + 2 * sim_ceil_log2(2u * (unsigned)l->scale) + 1;
            operands = 4;
            run(&work, m, SIM_VOP_MUL, 4);
            for (int i = 1; i < 4; i++)
                accumulate(&work, m, words(m, sum));
            requant(&work, m, words(m, sum));
        } else if (lp->bits.o_bits < lp->bits.a_bits) {
            requant(&work, m, words(m, lp->bits.a_bits));
        }
        break;
    case NET_SIGMOID: /* a table of the 2^a input values: the measured lookup, its fit taken
                         per table entry (an assumption: the fit was measured on gathers) */
        work.cycles +=
            m->lookup.fixed_cycles + m->lookup.cycles_per_unit * ldexp(1.0, (int)lp->bits.a_bits);
        work.ops += 1;
        if (lp->bits.o_bits < lp->bits.a_bits)
            requant(&work, m, 1);
        break;
    default:
        return BASE_ERROR(BASE_EUNSUPPORTED, "layer kind '%s' has no mapping on '%s'",
                          net_kind_name(l->kind), p->arch.name);
    }
    double outs = (double)net_layer_out_elems(l) * p->arch.batch;
    double ins = (double)l->c_in * l->h_in * l->w_in * p->arch.batch * (operands == 2 ? 2 : 1);
    if (l->kind == NET_MUL) { /* a C x 1 x 1 operand brings C elements */
        const net_network *net = p->net;
        int q = l->inputs[1];
        double second = q >= 0 ? (double)net_layer_out_elems(&net->layers[q])
                               : (double)net->c_in * net->h_in * net->w_in;
        ins = ((double)l->c_in * l->h_in * l->w_in + second) * p->arch.batch;
    }
    double out_regs = ceil_div_d(outs, m->lanes), in_regs = ceil_div_d(ins, m->lanes);
    vtally load = {0, 0};
    run(&load, m, SIM_VOP_LOAD, operands);
    double out_move = vop(m, SIM_VOP_STORE) + m->l1_l4_cycles;
    c->vec_cycles[SIM_PHASE_OPERAND_LOAD] = out_regs * load.cycles;
    c->vec_cycles[SIM_PHASE_ELEMENTWISE] = out_regs * work.cycles;
    c->vec_cycles[SIM_PHASE_TRANSFER] = in_regs * m->l4_l1_cycles + out_regs * out_move;
    c->vec_latency_cycles =
        ceil_div_d(out_regs, m->cores) * (load.cycles + work.cycles + out_move) +
        ceil_div_d(in_regs, m->cores) * m->l4_l1_cycles;
    c->n_passes = (uint64_t)(out_regs * (load.ops + work.ops + 1));
    c->n_rows = (uint64_t)outs;
    c->n_folds = 1;
    return BASE_OK;
}

base_status sim_vec_plan_layer(const sim_plan *p, size_t li, sim_layer_plan *lp)
{
    const net_layer *l = &p->net->layers[li];
    lp->bits = p->bits->bits[li];
    lp->n_candidates = 0;
    if (l->kind == NET_DECONV) /* its scatter GEMM's overlap-add is not in the table's ops */
        return BASE_ERROR(BASE_EUNSUPPORTED, "layer kind '%s' has no mapping on '%s'",
                          net_kind_name(l->kind), p->arch.name);
    if (net_kind_gemm_form(l->kind) != NET_GEMM_NONE)
        return plan_gemm(p, li, lp);
    return plan_eltwise(p, li, lp);
}

/* ---- Evaluation ---------------------------------------------------------------------------- */

/* Dynamic energy of one core-cycle (pJ): the measured running-minus-idle power, shared by the
 * cores, over one clock period. */
static double core_cycle_pj(const sim_measured *m)
{
    return (m->running_w - m->idle_w) / m->cores / (m->clock_mhz * 1e6) * 1e12;
}

static double cycle_ns(const sim_measured *m)
{
    return 1e3 / m->clock_mhz;
}

static void eval_layer(const sim_measured *m, const sim_layer_plan *lp, sim_layer_result *r)
{
    double best = INFINITY, e_cyc = core_cycle_pj(m), t_cyc = cycle_ns(m);
    for (size_t k = 0; k < lp->n_candidates; k++) {
        const sim_candidate *c = &lp->cand[k];
        double e = 0;
        for (int ph = 0; ph < SIM_PHASE_COUNT; ph++)
            e += c->vec_cycles[ph] * e_cyc;
        double t = c->vec_latency_cycles * t_cyc, edp = e * t;
        if (k > 0 && !(edp < best))
            continue;
        best = edp;
        memset(r, 0, sizeof *r);
        r->chosen = k;
        r->latency_ns = t;
        r->energy_pj = e;
        r->edp_pj_ns = edp;
        r->by_component_pj[SIM_COMP_MEASURED] = e;
        for (int ph = 0; ph < SIM_PHASE_COUNT; ph++)
            r->by_phase_pj[ph] = c->vec_cycles[ph] * e_cyc;
        r->active_caps = fmin(m->cores, ceil_div_d((double)c->n_rows, m->group_lanes));
    }
}

/* Peak: every lane of every core multiplying and accumulating one-word values back to back. */
static void eval_peak(const sim_measured *m, sim_result *res)
{
    double mac_cycles = vop(m, SIM_VOP_MUL) + vop(m, SIM_VOP_ADD);
    double macs_per_s = (double)m->cores * m->lanes * m->clock_mhz * 1e6 / mac_cycles;
    double dyn_w = m->running_w - m->idle_w;
    res->peak.energy_per_mac_pj = dyn_w / macs_per_s * 1e12;
    res->peak.tops_per_w = dyn_w > 0 ? 2.0 * macs_per_s / dyn_w / 1e12 : 0;
    res->peak.gops_per_mm2 = NAN; /* the die area is not published */
}

void sim_vec_eval(const sim_plan *plan, sim_result *res)
{
    const sim_measured *m = &plan->arch.measured;
    for (size_t i = 0; i < plan->n_layers; i++) {
        sim_layer_result best;
        memset(&best, 0, sizeof best);
        if (plan->layers[i].n_candidates > 0)
            eval_layer(m, &plan->layers[i], &best);
        sim_result_add_layer(res, plan, i, &best);
    }
    sim_result_totals(res, plan->arch.batch);
    res->idle_energy_pj = m->idle_w * res->latency_ns * 1e3; /* W x ns = nJ = 1e3 pJ */
    res->area_mm2 = NAN; /* not published: reported as such, never as 0 */
    for (int k = 0; k < SIM_AREA_COUNT; k++)
        res->area_by_part_mm2[k] = NAN;
    res->gops_per_mm2 = NAN;
    eval_peak(m, res);
    res->wear.endurance_writes = 0;
    res->wear.lifetime_inferences = INFINITY;
    res->at.vdd_v = NAN; /* the chip's supply is not published */
    res->at.energy_law = res->at.delay_law = res->at.write_law = res->at.leak_law =
        "measured table";
    res->map_at = res->at;
}

size_t sim_vec_ert(const sim_result *res, sim_ert_row *rows)
{
    const sim_measured *m = &res->arch.measured;
    double e = core_cycle_pj(m);
    size_t n = 0;
    rows[n++] = (sim_ert_row){SIM_COMP_MEASURED, "one core busy for one cycle", e};
    for (int k = 0; k < SIM_VOP_COUNT && n < SIM_ERT_MAX; k++)
        rows[n++] = (sim_ert_row){SIM_COMP_MEASURED, vop_actions[k], vop(m, (sim_vop)k) * e};
    return n;
}
