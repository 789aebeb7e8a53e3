/* sim_plan.c - maps each layer of a network onto the CAPs and counts its AP work from
 * ap_core's closed-form costs (technology independent), then evaluates a plan at a
 * technology and supply voltage. The mapping and energy model are in docs/SIM_MODEL.md:
 * GEMM rows accumulate a chunk of K each (BF-IMNA-style bit-serial, word-parallel CAPs),
 * partial sums meet in a 2D-AP tree, and results are requantized dyadically (HAWQ-V3). */
#include <math.h>
#include <string.h>

#include "ap_core/ap.h"
#include "sim/sim.h"

struct sim_plan {
    const net_network *net;
    const net_bitcfg *bits;
    sim_arch arch;
    size_t n_layers;
    sim_layer_plan *layers;
    double total_bits; /* CAP + MAP cells: what leaks */
};

unsigned sim_ceil_log2(uint64_t x)
{
    unsigned n = 0;
    while ((1ull << n) < x)
        n++;
    return n;
}

static uint64_t ceil_div(uint64_t a, uint64_t b)
{
    return (a + b - 1) / b;
}

/* Adds the cost of `times` runs of one op to a candidate's per-fold counts. */
static base_status add_ops(sim_candidate *c, uint64_t times, ap_op op, unsigned wa, unsigned wb,
                           unsigned wacc, size_t n_rows)
{
    ap_cost k;
    base_status st = ap_op_cost(op, wa, wb, wacc, n_rows, &k);
    if (st != BASE_OK)
        return st;
    c->n_passes += times * k.n_passes;
    c->n_compares += times * k.n_compares;
    c->n_writes += times * k.n_writes;
    c->compared_cols += times * k.compared_cols;
    c->written_cells_per_row += (double)times * k.written_cells_per_row;
    c->n_plane_writes += times * k.n_plane_writes;
    c->n_plane_reads += times * k.n_plane_reads;
    return BASE_OK;
}

static base_status add_op(sim_candidate *c, ap_op op, unsigned wa, unsigned wb, unsigned wacc,
                          size_t n_rows)
{
    return add_ops(c, 1, op, wa, wb, wacc, n_rows);
}

unsigned sim_requant_scale_bits(unsigned to_bits)
{
    return to_bits + 1 < SIM_REQUANT_SCALE_BITS_MAX ? to_bits + 1 : SIM_REQUANT_SCALE_BITS_MAX;
}

unsigned sim_requant_cols(unsigned from_bits, unsigned to_bits)
{
    if (to_bits >= from_bits)
        return 0;
    unsigned m = sim_requant_scale_bits(to_bits);
    unsigned x = from_bits > SIM_REQUANT_SCALE_BITS_MAX ? SIM_REQUANT_SCALE_BITS_MAX : from_bits;
    /* pre-shifted value (when shifted), multiplier, product, result */
    return (from_bits > x ? x : 0) + m + (x + m) + to_bits;
}

base_status sim_requant_program(sim_candidate *c, unsigned from_bits, unsigned to_bits)
{
    base_status st = BASE_OK;
    if (to_bits >= from_bits)
        return BASE_OK; /* widening needs no work: the value is read back sign-extended */
    unsigned m = sim_requant_scale_bits(to_bits), x = from_bits;
    if (x > SIM_REQUANT_SCALE_BITS_MAX) {
        /* Pre-shift to the widest multiply operand. */
        st = add_op(c, AP_OP_SHR_ROUND_S, x, x - SIM_REQUANT_SCALE_BITS_MAX,
                    SIM_REQUANT_SCALE_BITS_MAX, 1);
        x = SIM_REQUANT_SCALE_BITS_MAX;
    }
    c->n_plane_writes += m; /* the layer's multiplier b, loaded into every row */
    if (st == BASE_OK)
        st = add_op(c, AP_OP_MUL_S, x, m, 0, 1);
    x += m;
    if (st == BASE_OK)
        st = add_op(c, AP_OP_SHR_ROUND_S, x, x - to_bits, to_bits, 1);
    return st;
}

unsigned sim_act_width(const net_network *net, size_t layer, unsigned a_bits)
{
    return sim_input_nonneg(net, layer) ? a_bits + 1 : a_bits;
}

/* How a kind's output sign follows from its input's (sim_input_nonneg). */
enum { SIGN_ANY = 0, SIGN_NONNEG, SIGN_KEEPS };
static int kind_sign(net_kind kind);

int sim_input_nonneg(const net_network *net, size_t layer)
{
    int src = net->layers[layer].inputs[0];
    while (src >= 0) {
        const net_layer *p = &net->layers[src];
        int sign = kind_sign(p->kind);
        if (sign == SIGN_NONNEG)
            return 1;
        if (sign != SIGN_KEEPS)
            return 0;
        src = p->inputs[0];
    }
    return 0; /* the network input is signed */
}

/* Places `outputs` output elements of `group_rows` rows each onto the CAPs; a group never
 * straddles two CAPs, so group_rows must not exceed cap_rows (callers check). */
static void place(const sim_arch *arch, sim_candidate *c, uint64_t outputs, uint64_t group_rows)
{
    uint64_t per_cap = arch->cap_rows / group_rows;
    c->n_rows = outputs * group_rows;
    c->n_cap_rounds = ceil_div(outputs, per_cap);
    c->n_folds = ceil_div(c->n_cap_rounds, arch->n_caps);
}

bool sim_gemm_layout_make(unsigned a_width, unsigned w_bits, unsigned acc_bits, unsigned o_bits,
                          uint64_t n_chunks, uint64_t chunk_k, unsigned cap_cols,
                          sim_gemm_layout *out)
{
    sim_gemm_layout *l = out;
    memset(l, 0, sizeof *l);
    l->a_width = a_width;
    l->w_bits = w_bits;
    l->acc_bits = acc_bits;
    l->o_bits = o_bits < acc_bits ? o_bits : acc_bits;
    l->prod_bits = a_width + w_bits;
    unsigned scratch = l->prod_bits > acc_bits ? l->prod_bits : acc_bits;
    uint64_t fixed = scratch + acc_bits + 1 + (n_chunks > 1 ? acc_bits : 0);
    l->requant_cols = sim_requant_cols(acc_bits, o_bits);
    if (fixed + l->requant_cols > cap_cols || fixed + l->prod_bits > cap_cols)
        return false;
    /* Operand slots: a row holds as many (activation, weight) pairs as fit and reloads them
     * as its MACs consume them; the requantization later reuses the same columns. */
    uint64_t slots = (cap_cols - fixed) / l->prod_bits;
    l->n_slots = slots < chunk_k ? slots : chunk_k;
    l->act_col = 0;
    l->wt_col = (unsigned)l->n_slots * a_width;
    l->requant_col = 0;
    unsigned operands = (unsigned)l->n_slots * l->prod_bits;
    unsigned col = operands > l->requant_cols ? operands : l->requant_cols;
    l->scratch = (ap_field){col, scratch};
    l->mac_acc = (ap_field){col + scratch, acc_bits};
    col += scratch + acc_bits;
    l->tree_acc = l->mac_acc;
    if (n_chunks > 1) {
        l->tree_acc = (ap_field){col, acc_bits};
        col += acc_bits;
    }
    l->carry = col++;
    l->fixed_cols = (unsigned)fixed;
    l->row_cols = col;
    return true;
}

ap_field sim_gemm_act_field(const sim_gemm_layout *lay, uint64_t slot)
{
    return (ap_field){lay->act_col + (unsigned)slot * lay->a_width, lay->a_width};
}

ap_field sim_gemm_wt_field(const sim_gemm_layout *lay, uint64_t slot)
{
    return (ap_field){lay->wt_col + (unsigned)slot * lay->w_bits, lay->w_bits};
}

base_status sim_gemm_candidate(const sim_arch *arch, uint64_t m, uint64_t n, uint64_t k,
                               unsigned a_width, unsigned a_bits, unsigned w_bits, unsigned o_bits,
                               uint64_t n_chunks, sim_candidate *c, bool *fits)
{
    memset(c, 0, sizeof *c);
    *fits = false;
    c->n_chunks = n_chunks;
    c->chunk_k = ceil_div(k, n_chunks);
    c->acc_bits = a_width + w_bits + sim_ceil_log2(k);
    if (c->acc_bits > AP_ACC_WIDTH_MAX)
        return BASE_ERROR(BASE_ECAPACITY,
                          "accumulator of %u bits (a=%u, w=%u, K=%llu) exceeds the AP's %u",
                          c->acc_bits, a_bits, w_bits, (unsigned long long)k, AP_ACC_WIDTH_MAX);
    unsigned prod = a_width + w_bits;
    sim_gemm_layout lay;
    if (n_chunks > arch->cap_rows ||
        !sim_gemm_layout_make(a_width, w_bits, c->acc_bits, o_bits, n_chunks, c->chunk_k,
                              arch->cap_cols, &lay))
        return BASE_OK; /* this candidate does not fit: a result, not an error */
    c->n_slots = lay.n_slots;
    c->row_cols = lay.row_cols;
    place(arch, c, m * n, n_chunks);

    /* Load operands (one bit-plane per operand bit), clear the accumulator. */
    c->n_plane_writes += c->chunk_k * prod + c->acc_bits;
    base_status st = add_ops(c, c->chunk_k, AP_OP_MAC_S, a_width, w_bits, c->acc_bits, 1);
    if (st == BASE_OK && n_chunks > 1)
        st = add_op(c, AP_OP_REDUCE_SUM_S, c->acc_bits, 0, c->acc_bits, (size_t)n_chunks);
    if (st == BASE_OK)
        st = sim_requant_program(c, c->acc_bits, o_bits);
    if (st != BASE_OK)
        return st;
    c->n_plane_reads += o_bits < c->acc_bits ? o_bits : c->acc_bits;
    c->bus_bits = (double)c->n_rows * (double)c->chunk_k * (a_bits + w_bits) +
                  (double)(m * n) * (o_bits < c->acc_bits ? o_bits : c->acc_bits);
    *fits = true;
    return BASE_OK;
}

/* ---- Element-wise and pooling layers: one row per output element ------------------------
 * A kind's work: the operands it loads and the ops one row group runs; *result is the width
 * of what it leaves, requantized to o bits afterwards when wider. */
typedef base_status (*elt_work_fn)(sim_candidate *c, unsigned a, unsigned window, uint64_t outputs,
                                   unsigned *result);

static base_status work_relu(sim_candidate *c, unsigned a, unsigned window, uint64_t outputs,
                             unsigned *result)
{
    (void)window;
    c->n_plane_writes += a;
    c->bus_bits = (double)outputs * a;
    *result = a;
    return add_op(c, AP_OP_RELU, a, 0, 0, 1);
}

static base_status work_maxpool(sim_candidate *c, unsigned a, unsigned window, uint64_t outputs,
                                unsigned *result)
{
    c->n_plane_writes += (uint64_t)window * a;
    c->bus_bits = (double)outputs * window * a;
    *result = a;
    return add_ops(c, window - 1u, AP_OP_MAX_S, a, 0, 0, 1);
}

/* One input element per row; a 2D-AP tree sums each window's rows (groups padded to a power
 * of two), then the sum is scaled by 1/window dyadically. */
static base_status work_avgpool(sim_candidate *c, unsigned a, unsigned window, uint64_t outputs,
                                unsigned *result)
{
    *result = a + sim_ceil_log2(window);
    c->n_plane_writes += a;
    c->bus_bits = (double)outputs * window * a;
    return add_op(c, AP_OP_REDUCE_SUM_S, a, 0, *result, (size_t)1 << sim_ceil_log2(window));
}

static base_status work_add(sim_candidate *c, unsigned a, unsigned window, uint64_t outputs,
                            unsigned *result)
{
    (void)window;
    c->n_plane_writes += 2u * a;
    c->bus_bits = (double)outputs * 2 * a;
    *result = a;
    return add_op(c, AP_OP_ADD, a, 0, 0, 1);
}

static base_status plan_gemm(const sim_plan *p, size_t li, sim_layer_plan *lp);
static base_status plan_eltwise(const sim_plan *p, size_t li, sim_layer_plan *lp);
static base_status plan_view(const sim_plan *p, size_t li, sim_layer_plan *lp);

/* The planner's row of each layer kind (absent: the kind has no AP mapping). */
static const struct sim_kind_row {
    int sign;                                                        /* SIGN_* */
    base_status (*plan)(const sim_plan *, size_t, sim_layer_plan *); /* its candidates */
    elt_work_fn work;  /* plan_eltwise: one row group's work */
    bool window_group; /* plan_eltwise: a window's inputs in a power-of-two group of rows */
} kind_rows[NET_KIND_COUNT] = {
    [NET_CONV] = {SIGN_ANY, plan_gemm, NULL, false},
    [NET_FC] = {SIGN_ANY, plan_gemm, NULL, false},
    [NET_MAXPOOL] = {SIGN_KEEPS, plan_eltwise, work_maxpool, false},
    [NET_AVGPOOL] = {SIGN_KEEPS, plan_eltwise, work_avgpool, true},
    [NET_RELU] = {SIGN_NONNEG, plan_eltwise, work_relu, false},
    [NET_ADD] = {SIGN_ANY, plan_eltwise, work_add, false},
    [NET_FLATTEN] = {SIGN_KEEPS, plan_view, NULL, false},
};

static int kind_sign(net_kind kind)
{
    return kind_rows[kind].sign;
}

static base_status no_mapping(const net_layer *l)
{
    return BASE_ERROR(BASE_EUNSUPPORTED, "layer kind '%s' has no AP mapping",
                      net_kind_name(l->kind));
}

/* A view (flatten): one candidate without work. */
static base_status plan_view(const sim_plan *p, size_t li, sim_layer_plan *lp)
{
    (void)p;
    (void)li;
    lp->n_candidates = 1;
    memset(&lp->cand[0], 0, sizeof lp->cand[0]);
    return BASE_OK;
}

static base_status plan_eltwise(const sim_plan *p, size_t li, sim_layer_plan *lp)
{
    const sim_arch *arch = &p->arch;
    const net_layer *l = &p->net->layers[li];
    const struct sim_kind_row *row = &kind_rows[l->kind];
    sim_candidate *c = &lp->cand[0];
    uint64_t outputs = net_layer_out_elems(l) * p->arch.batch;
    unsigned a = lp->bits.a_bits, o = lp->bits.o_bits;
    lp->n_candidates = 1;
    memset(c, 0, sizeof *c);
    unsigned window = (unsigned)(l->kh * l->kw), result = a;
    uint64_t group = row->window_group ? 1ull << sim_ceil_log2(window) : 1;
    if (group > arch->cap_rows)
        return BASE_ERROR(BASE_ECAPACITY,
                          "a %u-element pooling window needs %llu rows, CAPs have %u", window,
                          (unsigned long long)group, arch->cap_rows);
    place(arch, c, outputs, group);
    if (!row->work)
        return no_mapping(l);
    base_status st = row->work(c, a, window, outputs, &result);
    if (st == BASE_OK && o < result) {
        st = sim_requant_program(c, result, o);
        result = o;
    }
    c->n_plane_reads += result;
    c->bus_bits += (double)outputs * result;
    /* Operands, a result field as wide as the widest intermediate, and two work columns. */
    c->row_cols = (unsigned)(c->n_plane_writes + 2 * (result > a ? result : a) + 2);
    if (c->row_cols > arch->cap_cols)
        return BASE_ERROR(BASE_ECAPACITY, "needs %u columns per row, CAPs have %u", c->row_cols,
                          arch->cap_cols);
    return st;
}

/* Conv/fc: one candidate per power-of-two chunking of K that fits. */
static base_status plan_gemm(const sim_plan *p, size_t li, sim_layer_plan *lp)
{
    const net_layer *l = &p->net->layers[li];
    net_layer_gemm(l, p->arch.batch, &lp->gemm_m, &lp->gemm_n, &lp->gemm_k);
    unsigned aw = sim_act_width(p->net, li, lp->bits.a_bits);
    for (uint64_t chunks = 1; lp->n_candidates < SIM_MAX_CANDIDATES; chunks *= 2) {
        sim_candidate *c = &lp->cand[lp->n_candidates];
        bool fits;
        base_status st =
            sim_gemm_candidate(&p->arch, lp->gemm_m, lp->gemm_n, lp->gemm_k, aw, lp->bits.a_bits,
                               lp->bits.w_bits, lp->bits.o_bits, chunks, c, &fits);
        if (st != BASE_OK)
            return st;
        if (fits)
            lp->n_candidates++;
        if (chunks >= lp->gemm_k)
            break;
    }
    if (lp->n_candidates == 0)
        return BASE_ERROR(BASE_ECAPACITY, "K=%llu at a=%u, w=%u bits fits no row of %u columns",
                          (unsigned long long)lp->gemm_k, lp->bits.a_bits, lp->bits.w_bits,
                          p->arch.cap_cols);
    return BASE_OK;
}

static base_status plan_layer(const sim_plan *p, size_t li, sim_layer_plan *lp)
{
    const net_layer *l = &p->net->layers[li];
    lp->bits = p->bits->bits[li];
    lp->n_candidates = 0;
    if (!kind_rows[l->kind].plan) {
        lp->n_candidates = 1;
        memset(&lp->cand[0], 0, sizeof lp->cand[0]);
        return no_mapping(l);
    }
    return kind_rows[l->kind].plan(p, li, lp);
}

base_status sim_plan_new(const net_network *net, const net_bitcfg *bits, const sim_arch *arch,
                         sim_plan **out)
{
    *out = NULL;
    if (bits->n_layers != net->n_layers)
        return BASE_ERROR(BASE_EINVAL, "bit configuration '%s' does not belong to network '%s'",
                          bits->name, net->name);
    sim_plan *p = base_calloc(1, sizeof *p);
    if (!p)
        return BASE_ERROR(BASE_ENOMEM, "out of memory planning %s", net->name);
    p->layers = base_calloc(net->n_layers, sizeof *p->layers);
    if (!p->layers) {
        base_free(p);
        return BASE_ERROR(BASE_ENOMEM, "out of memory planning %s", net->name);
    }
    p->net = net;
    p->bits = bits;
    p->arch = *arch;
    p->n_layers = net->n_layers;
    p->total_bits = (double)arch->n_caps * arch->cap_rows * arch->cap_cols +
                    (double)arch->n_maps * arch->map_rows * arch->map_cols;
    for (size_t i = 0; i < net->n_layers; i++) {
        /* Layers with the same shape and bits share their plan (ResNet repeats units). */
        size_t j;
        for (j = 0; j < i; j++)
            if (sim_layer_same_work(net, bits, i, j))
                break;
        base_status st = BASE_OK;
        if (j < i)
            p->layers[i] = p->layers[j];
        else
            st = plan_layer(p, i, &p->layers[i]);
        if (st != BASE_OK) {
            if (st == BASE_ECAPACITY || st == BASE_EUNSUPPORTED)
                st = base_error_wrap(st, net->path, net->layers[i].line, 0,
                                     "layer '%s': ", net->layers[i].name);
            sim_plan_free(p);
            return st;
        }
    }
    *out = p;
    return BASE_OK;
}

void sim_plan_free(sim_plan *plan)
{
    if (!plan)
        return;
    base_free(plan->layers);
    base_free(plan);
}

const sim_layer_plan *sim_plan_layer(const sim_plan *plan, size_t i)
{
    return &plan->layers[i];
}
size_t sim_plan_n_layers(const sim_plan *plan)
{
    return plan->n_layers;
}

/* Energy and latency of one candidate at the technology point. */
static void eval_candidate(const sim_plan *p, const tech_at_vdd *t, const sim_candidate *c,
                           sim_layer_result *r)
{
    const sim_arch *a = &p->arch;
    double rows = (double)c->n_rows, folds = (double)c->n_folds;
    double ml = a->ml_segment_cols;
    double cycles = (double)(c->n_compares + c->n_writes + c->n_plane_writes + c->n_plane_reads);
    double fold_ns = (double)(c->n_compares + c->n_plane_reads) * t->t_search_ns +
                     (double)(c->n_writes + c->n_plane_writes) * t->t_write_ns;
    double bus_ns = c->bus_bits / a->bus_bits_per_cycle / a->bus_clock_ghz;
    r->latency_ns = folds * fold_ns + bus_ns;
    /* fJ -> pJ: 1e-3. */
    /* Each compared column precharges its match-line segment (columns of one compare in
     * distinct segments: an upper bound), never more than the whole row. */
    double ml_cells = fmin((double)c->compared_cols * ml, (double)c->n_compares * a->cap_cols);
    r->energy_search_pj =
        1e-3 * rows * (ml_cells * t->e_ml_fj + (double)c->compared_cols * t->e_sl_fj);
    r->energy_write_pj = 1e-3 * rows * c->written_cells_per_row * t->e_write_fj;
    r->energy_move_pj = 1e-3 * rows *
                            ((double)c->n_plane_writes * t->e_write_fj +
                             (double)c->n_plane_reads * (ml * t->e_ml_fj + t->e_sl_fj)) +
                        c->bus_bits * (a->bus_energy_pj_per_bit + 1e-3 * a->map_access_fj_per_bit);
    r->energy_periph_pj = (double)c->n_cap_rounds * cycles * a->ctrl_energy_pj_per_cycle;
    /* nW x ns = 1e-18 J = 1e-6 pJ. */
    r->energy_leak_pj = 1e-6 * t->p_leak_nw * p->total_bits * r->latency_ns;
    r->energy_pj = r->energy_search_pj + r->energy_write_pj + r->energy_move_pj +
                   r->energy_leak_pj + r->energy_periph_pj;
    r->edp_pj_ns = r->energy_pj * r->latency_ns;
}

base_status sim_plan_eval(const sim_plan *plan, const tech_params *tech, double vdd_v,
                          sim_result *res)
{
    base_status st = tech_scale(tech, vdd_v, &res->at);
    if (st != BASE_OK)
        return st;
    const sim_arch *a = &plan->arch;
    res->net = plan->net;
    res->bits = plan->bits;
    res->tech = tech;
    res->arch = *a;
    res->n_layers = plan->n_layers;
    res->latency_ns = res->energy_pj = 0;
    res->energy_search_pj = res->energy_write_pj = res->energy_move_pj = 0;
    res->energy_leak_pj = res->energy_periph_pj = 0;
    res->macs = 0;
    for (size_t i = 0; i < plan->n_layers; i++) {
        const sim_layer_plan *lp = &plan->layers[i];
        sim_layer_result best, cur;
        memset(&best, 0, sizeof best);
        for (size_t k = 0; k < lp->n_candidates; k++) {
            eval_candidate(plan, &res->at, &lp->cand[k], &cur);
            cur.chosen = k;
            if (k == 0 || cur.edp_pj_ns < best.edp_pj_ns)
                best = cur;
        }
        best.layer = i;
        res->layers[i] = best;
        res->latency_ns += best.latency_ns;
        res->energy_search_pj += best.energy_search_pj;
        res->energy_write_pj += best.energy_write_pj;
        res->energy_move_pj += best.energy_move_pj;
        res->energy_leak_pj += best.energy_leak_pj;
        res->energy_periph_pj += best.energy_periph_pj;
        res->macs += plan->net->layers[i].macs * a->batch;
    }
    res->energy_pj = res->energy_search_pj + res->energy_write_pj + res->energy_move_pj +
                     res->energy_leak_pj + res->energy_periph_pj;
    res->edp_pj_ns = res->energy_pj * res->latency_ns;
    res->throughput_inf_s = res->latency_ns > 0 ? a->batch / (res->latency_ns * 1e-9) : 0;
    /* 2 ops per MAC; ops per pJ = 1e12 ops/J; TOPS/W = ops per J / 1e12 = ops per pJ. */
    res->tops_per_w = res->energy_pj > 0 ? 2.0 * (double)res->macs / res->energy_pj : 0;
    double cells = plan->total_bits;
    res->area_mm2 = cells * tech_cell_area_um2(tech) * tech->area_periph_factor.value *
                    (1.0 + a->ctrl_area_fraction) * 1e-6;
    res->gops_per_mm2 = res->latency_ns > 0 && res->area_mm2 > 0
                            ? 2.0 * (double)res->macs / res->latency_ns / res->area_mm2
                            : 0;
    return BASE_OK;
}

base_status sim_result_new(const sim_plan *plan, sim_result **out)
{
    sim_result *r = base_calloc(1, sizeof *r);
    if (r)
        r->layers = base_calloc(plan->n_layers ? plan->n_layers : 1, sizeof *r->layers);
    if (!r || !r->layers) {
        sim_result_free(r);
        *out = NULL;
        return BASE_ERROR(BASE_ENOMEM, "out of memory for results");
    }
    *out = r;
    return BASE_OK;
}

void sim_result_free(sim_result *res)
{
    if (!res)
        return;
    base_free(res->layers);
    base_free(res);
}

base_status sim_run(const net_network *net, const net_bitcfg *bits, const sim_arch *arch,
                    const tech_params *tech, double vdd_v, sim_result **out)
{
    sim_plan *plan;
    *out = NULL;
    base_status st = sim_plan_new(net, bits, arch, &plan);
    if (st != BASE_OK)
        return st;
    st = sim_result_new(plan, out);
    if (st == BASE_OK)
        st = sim_plan_eval(plan, tech, vdd_v, *out);
    if (st != BASE_OK) {
        sim_result_free(*out);
        *out = NULL;
    }
    sim_plan_free(plan);
    return st;
}

int sim_layer_same_work(const net_network *net, const net_bitcfg *bits, size_t i, size_t j)
{
    const net_layer *a = &net->layers[i], *b = &net->layers[j];
    const net_layer_bits *x = &bits->bits[i], *y = &bits->bits[j];
    return a->kind == b->kind && a->c_in == b->c_in && a->h_in == b->h_in && a->w_in == b->w_in &&
           a->c_out == b->c_out && a->h_out == b->h_out && a->w_out == b->w_out && a->kh == b->kh &&
           a->kw == b->kw && a->stride == b->stride && a->groups == b->groups &&
           x->w_bits == y->w_bits && x->a_bits == y->a_bits && x->o_bits == y->o_bits &&
           sim_input_nonneg(net, i) == sim_input_nonneg(net, j);
}
