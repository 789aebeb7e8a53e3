/* sim_plan.c - maps each layer of a network onto the CAPs and counts its AP work from
 * ap_core's closed-form costs (technology independent), then evaluates a plan at a
 * technology and supply voltage. The mapping and energy model are in docs/SIM_MODEL.md:
 * GEMM rows accumulate a chunk of K each (BF-IMNA-style bit-serial, word-parallel CAPs),
 * partial sums meet in a 2D-AP tree, and results are requantized dyadically (HAWQ-V3). */
#include <math.h>
#include <string.h>

#include "ap_core/ap.h"
#include "sim/sim_impl.h"

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

uint64_t sim_group_span(const sim_arch *arch, uint64_t group_rows)
{
    uint64_t cap = 1ull << sim_ceil_log2(arch->cap_rows);
    cap = cap > arch->cap_rows ? cap / 2 : cap;
    return group_rows <= arch->cap_rows ? 1 : ceil_div(group_rows, cap);
}

uint64_t sim_outputs_per_fold(const sim_arch *arch, uint64_t group_rows)
{
    if (group_rows <= arch->cap_rows)
        return (uint64_t)(arch->cap_rows / group_rows) * arch->n_caps;
    return arch->n_caps / sim_group_span(arch, group_rows);
}

/* Places `outputs` output elements of `group_rows` rows each onto the CAPs: groups within a
 * CAP pack it; a larger group (a pooling tree) spans sim_group_span CAPs, which the caller
 * checks the architecture has. */
static void place(const sim_arch *arch, sim_candidate *c, uint64_t outputs, uint64_t group_rows)
{
    uint64_t span = sim_group_span(arch, group_rows);
    c->n_rows = outputs * group_rows;
    c->n_cap_rounds = span > 1 ? outputs * span : ceil_div(outputs, arch->cap_rows / group_rows);
    c->n_folds = ceil_div(outputs, sim_outputs_per_fold(arch, group_rows));
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

void sim_gemm_layout_place(sim_gemm_layout *lay, sim_placement placement)
{
    lay->placement = placement;
    lay->wt_col =
        placement == SIM_PLACE_PAIRED ? lay->a_width : (unsigned)lay->n_slots * lay->a_width;
}

/* Grouped: activations at act_col + j a, weights at wt_col + j w. Paired: slot j occupies
 * j (a + w) .. with its activation first. */
ap_field sim_gemm_act_field(const sim_gemm_layout *lay, uint64_t slot)
{
    unsigned stride = lay->placement == SIM_PLACE_PAIRED ? lay->prod_bits : lay->a_width;
    return (ap_field){lay->act_col + (unsigned)slot * stride, lay->a_width};
}

ap_field sim_gemm_wt_field(const sim_gemm_layout *lay, uint64_t slot)
{
    unsigned stride = lay->placement == SIM_PLACE_PAIRED ? lay->prod_bits : lay->w_bits;
    return (ap_field){lay->wt_col + (unsigned)slot * stride, lay->w_bits};
}

/* Sums the phase counts of c into its totals. Every compare of the programs is a pass's
 * (plane reads are counted apart), so passes = compares. */
static void total_counts(sim_candidate *c)
{
    sim_work *t = &c->total;
    memset(t, 0, sizeof *t);
    for (int p = 0; p < SIM_PHASE_COUNT; p++) {
        const sim_work *w = &c->work[p];
        t->n_compares += w->n_compares;
        t->n_writes += w->n_writes;
        t->n_plane_writes += w->n_plane_writes;
        t->n_plane_reads += w->n_plane_reads;
        t->compared_cols += w->compared_cols;
        for (int q = 0; q < SIM_PLACE_COUNT; q++) {
            t->ml_segments[q] += w->ml_segments[q];
            t->ml_pipelined[q] += w->ml_pipelined[q];
        }
        t->written_cells += w->written_cells;
        t->driven_cells += w->driven_cells;
    }
    c->n_compares = t->n_compares;
    c->n_writes = t->n_writes;
    c->n_plane_writes = t->n_plane_writes;
    c->n_plane_reads = t->n_plane_reads;
    c->n_passes = c->n_compares;
}

/* The 2D-AP tree over a GEMM output's n_chunks rows (ap_reduce_sum_groups), on a group of
 * that many rows. */
typedef struct tree_args {
    const sim_gemm_layout *lay;
    uint64_t n_chunks;
} tree_args;

static base_status run_tree(sim_trace *t, const void *ctx, ap_field *result)
{
    const tree_args *g = ctx;
    const sim_gemm_layout *lay = g->lay;
    ap_field tmp = {lay->scratch.col, lay->acc_bits};
    *result = lay->tree_acc;
    base_status st = sim_trace_rows(t, (size_t)g->n_chunks);
    if (st == BASE_OK)
        st = ap_reduce_sum_groups(t->arr, lay->mac_acc, lay->tree_acc, tmp, lay->carry, true,
                                  (size_t)g->n_chunks);
    if (st == BASE_OK)
        st = sim_trace_rows(t, 1);
    if (st == BASE_OK)
        st = sim_add_written(t->work, t->weight, AP_OP_REDUCE_SUM_S, lay->acc_bits, 0,
                             lay->acc_bits, (size_t)g->n_chunks);
    return st;
}

/* Traces the GEMM row program (exec_gemm_run's steps) of layout lay: operand loads, chunk_k
 * MACs spread over the slots, the tree over n_chunks rows, the requantization, the read-out.
 * With count_all false only the MACs' match-line segments are added for t->place (the only
 * compares whose columns the placement moves; the caller copies the rest). */
static base_status trace_gemm(sim_trace *t, sim_candidate *c, const sim_gemm_layout *lay)
{
    base_status st = BASE_OK;
    ap_field prodf = {lay->scratch.col, lay->prod_bits};
    sim_trace_phase(t, &c->work[SIM_PHASE_OPERAND_LOAD], 1);
    st = ap_array_field_load(t->arr, lay->mac_acc, NULL, 0);
    for (uint64_t s = 0; s < lay->n_slots && st == BASE_OK; s++) {
        /* slot s serves MACs s, s + n_slots, ... */
        double uses = (double)((c->chunk_k - s + lay->n_slots - 1) / lay->n_slots);
        ap_field act = sim_gemm_act_field(lay, s), wt = sim_gemm_wt_field(lay, s);
        sim_trace_phase(t, &c->work[SIM_PHASE_OPERAND_LOAD], uses);
        if (t->count_all)
            st = ap_array_field_load(t->arr, act, NULL, 0);
        if (st == BASE_OK && t->count_all)
            st = ap_array_field_load(t->arr, wt, NULL, 0);
        sim_trace_phase(t, &c->work[SIM_PHASE_MAC], uses);
        if (st == BASE_OK)
            st = sim_trace_mac(t, act, wt, lay->mac_acc, prodf, lay->carry);
    }
    ap_field result = lay->tree_acc;
    if (!t->count_all)
        return st;
    if (st == BASE_OK && c->n_chunks > 1) {
        const unsigned key[] = {
            3,          lay->mac_acc.col,     lay->acc_bits, lay->tree_acc.col, lay->scratch.col,
            lay->carry, (unsigned)c->n_chunks};
        const tree_args args = {lay, c->n_chunks};
        sim_trace_phase(t, &c->work[SIM_PHASE_REDUCTION], 1);
        st = sim_trace_cached(t, key, 7, run_tree, &args, &result);
    }
    if (st == BASE_OK && lay->o_bits < lay->acc_bits) {
        unsigned col = lay->requant_col;
        sim_trace_phase(t, &c->work[SIM_PHASE_REQUANT], 1);
        st = sim_trace_requant(t, lay->tree_acc, lay->o_bits, &col, lay->carry, &result);
    }
    sim_trace_phase(t, &c->work[SIM_PHASE_TRANSFER], 1);
    if (st == BASE_OK)
        st = ap_array_field_store(t->arr, result, NULL, 0);
    return st;
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
    sim_gemm_layout lay;
    if (n_chunks > arch->cap_rows ||
        !sim_gemm_layout_make(a_width, w_bits, c->acc_bits, o_bits, n_chunks, c->chunk_k,
                              arch->cap_cols, &lay))
        return BASE_OK; /* this candidate does not fit: a result, not an error */
    c->n_slots = lay.n_slots;
    c->row_cols = lay.row_cols;
    place(arch, c, m * n, n_chunks);

    sim_trace t;
    base_status st = sim_trace_open(&t, 1, arch->cap_cols, arch->ml_segment_cols);
    if (st != BASE_OK)
        return st;
    for (int p = 0; p < SIM_PLACE_COUNT && st == BASE_OK; p++) {
        sim_gemm_layout_place(&lay, (sim_placement)p);
        t.place = (sim_placement)p;
        t.count_all = p == 0;
        st = trace_gemm(&t, c, &lay);
    }
    c->max_col_writes = sim_trace_max_writes(&t);
    sim_trace_close(&t);
    for (int ph = 0; ph < SIM_PHASE_COUNT; ph++) /* the placement moves only the MACs' columns */
        if (ph != SIM_PHASE_MAC) {
            c->work[ph].ml_segments[SIM_PLACE_PAIRED] = c->work[ph].ml_segments[SIM_PLACE_GROUPED];
            c->work[ph].ml_pipelined[SIM_PLACE_PAIRED] =
                c->work[ph].ml_pipelined[SIM_PLACE_GROUPED];
        }
    if (st == BASE_OK)
        st = sim_add_written(&c->work[SIM_PHASE_MAC], (double)c->chunk_k, AP_OP_MAC_S, a_width,
                             w_bits, c->acc_bits, 1);
    if (st != BASE_OK)
        return st;
    total_counts(c);
    unsigned o = o_bits < c->acc_bits ? o_bits : c->acc_bits;
    c->has_dataflow = true;
    c->act_bits_row = c->act_bits_mcast = (double)c->n_rows * (double)c->chunk_k * a_bits;
    c->wt_bits_row = c->wt_bits_bcast = (double)c->n_rows * (double)c->chunk_k * w_bits;
    c->out_bits = (double)(m * n) * o;
    *fits = true;
    return BASE_OK;
}

/* ---- Element-wise and pooling layers: one row per output element ------------------------
 * A kind's work, traced with the fields bit-exact execution uses (exec/exec_kinds.c): the
 * operands it loads (OPERAND_LOAD) and the ops one row group runs (ELEMENTWISE); *result is
 * the field it leaves, requantized to o bits afterwards when wider. *col is the next free
 * column. */
typedef base_status (*elt_work_fn)(sim_trace *t, sim_candidate *c, unsigned a, unsigned window,
                                   ap_field *result, unsigned *col);

static base_status work_relu(sim_trace *t, sim_candidate *c, unsigned a, unsigned window,
                             ap_field *result, unsigned *col)
{
    (void)window;
    *result = (ap_field){0, a};
    *col = a;
    sim_trace_phase(t, &c->work[SIM_PHASE_OPERAND_LOAD], 1);
    base_status st = ap_array_field_load(t->arr, *result, NULL, 0);
    sim_trace_phase(t, &c->work[SIM_PHASE_ELEMENTWISE], 1);
    if (st == BASE_OK)
        st = ap_relu(t->arr, *result);
    return st != BASE_OK
               ? st
               : sim_add_written(&c->work[SIM_PHASE_ELEMENTWISE], 1, AP_OP_RELU, a, 0, 0, 1);
}

static base_status work_maxpool(sim_trace *t, sim_candidate *c, unsigned a, unsigned window,
                                ap_field *result, unsigned *col)
{
    base_status st = BASE_OK;
    sim_trace_phase(t, &c->work[SIM_PHASE_OPERAND_LOAD], 1);
    for (unsigned i = 0; i < window && st == BASE_OK; i++)
        st = ap_array_field_load(t->arr, (ap_field){i * a, a}, NULL, 0);
    *result = (ap_field){0, a};
    unsigned flag = window * a;
    *col = flag + 1;
    sim_trace_phase(t, &c->work[SIM_PHASE_ELEMENTWISE], 1);
    for (unsigned i = 1; i < window && st == BASE_OK; i++)
        st = ap_max(t->arr, (ap_field){i * a, a}, *result, flag, true);
    return st != BASE_OK ? st
                         : sim_add_written(&c->work[SIM_PHASE_ELEMENTWISE], window - 1.0,
                                           AP_OP_MAX_S, a, 0, 0, 1);
}

/* One input element per row and a 2D-AP tree over each window's rows (groups padded to a
 * power of two): a sum (average pool: the 1/window is folded into the dyadic requantization)
 * or a maximum (a max pool window too wide for im2col's columns; padding rows hold the most
 * negative value). */
static base_status work_window_tree(sim_trace *t, sim_candidate *c, unsigned a, unsigned window,
                                    ap_field *result, unsigned *col, bool is_max)
{
    unsigned w = is_max ? a : a + sim_ceil_log2(window);
    size_t group = (size_t)1 << sim_ceil_log2(window);
    ap_field in = {0, a}, acc = {a, w}, tmp = {a + w, w};
    unsigned flag = a + 2 * w;
    *col = flag + 1;
    *result = acc;
    base_status st = sim_trace_rows(t, group);
    sim_trace_phase(t, &c->work[SIM_PHASE_OPERAND_LOAD], 1);
    if (st == BASE_OK)
        st = ap_array_field_load(t->arr, in, NULL, 0);
    sim_trace_phase(t, &c->work[SIM_PHASE_ELEMENTWISE], 1);
    if (st == BASE_OK)
        st = is_max ? ap_reduce_max_groups(t->arr, in, acc, tmp, flag, true, group)
                    : ap_reduce_sum_groups(t->arr, in, acc, tmp, flag, true, group);
    if (st == BASE_OK)
        st = sim_trace_rows(t, 1);
    return st != BASE_OK ? st
                         : sim_add_written(&c->work[SIM_PHASE_ELEMENTWISE], 1,
                                           is_max ? AP_OP_REDUCE_MAX_S : AP_OP_REDUCE_SUM_S, a, 0,
                                           is_max ? 0 : w, group);
}

static base_status work_avgpool(sim_trace *t, sim_candidate *c, unsigned a, unsigned window,
                                ap_field *result, unsigned *col)
{
    return work_window_tree(t, c, a, window, result, col, false);
}

static base_status work_maxpool_tree(sim_trace *t, sim_candidate *c, unsigned a, unsigned window,
                                     ap_field *result, unsigned *col)
{
    return work_window_tree(t, c, a, window, result, col, true);
}

static base_status work_add(sim_trace *t, sim_candidate *c, unsigned a, unsigned window,
                            ap_field *result, unsigned *col)
{
    (void)window;
    ap_field f0 = {0, a}, f1 = {a, a};
    *col = 2 * a + 1;
    *result = f0;
    sim_trace_phase(t, &c->work[SIM_PHASE_OPERAND_LOAD], 1);
    base_status st = ap_array_field_load(t->arr, f0, NULL, 0);
    if (st == BASE_OK)
        st = ap_array_field_load(t->arr, f1, NULL, 0);
    sim_trace_phase(t, &c->work[SIM_PHASE_ELEMENTWISE], 1);
    if (st == BASE_OK)
        st = ap_add(t->arr, f1, f0, 2 * a);
    return st != BASE_OK
               ? st
               : sim_add_written(&c->work[SIM_PHASE_ELEMENTWISE], 1, AP_OP_ADD, a, 0, 0, 1);
}

static base_status plan_gemm(const sim_plan *p, size_t li, sim_layer_plan *lp);
static base_status plan_eltwise(const sim_plan *p, size_t li, sim_layer_plan *lp);
static base_status plan_view(const sim_plan *p, size_t li, sim_layer_plan *lp);
static base_status plan_softmax(const sim_plan *p, size_t li, sim_layer_plan *lp);

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
    [NET_HARDSWISH] = {SIGN_ANY, plan_eltwise, sim_work_hardswish, false},
    [NET_HARDSIGMOID] = {SIGN_ANY, plan_eltwise, sim_work_hardsigmoid, false},
    [NET_MUL] = {SIGN_ANY, plan_eltwise, sim_work_mul, false},
    [NET_CONCAT] = {SIGN_ANY, sim_plan_concat, NULL, false},
    [NET_RESIZE] = {SIGN_KEEPS, sim_plan_resize, NULL, false},
    [NET_DECONV] = {SIGN_ANY, sim_plan_ap_gemm, NULL, false},
    [NET_MATMUL] = {SIGN_ANY, sim_plan_ap_gemm, NULL, false},
    [NET_SIGMOID] = {SIGN_NONNEG, plan_eltwise, sim_work_sigmoid, false},
    [NET_SOFTMAX] = {SIGN_NONNEG, plan_softmax, sim_work_softmax, false},
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

/* A stored tensor read back at a narrower width: loaded, then requantized (below). */
static base_status work_narrow(sim_trace *t, sim_candidate *c, unsigned a, unsigned window,
                               ap_field *result, unsigned *col)
{
    (void)window;
    *result = (ap_field){0, a};
    *col = a;
    sim_trace_phase(t, &c->work[SIM_PHASE_OPERAND_LOAD], 1);
    return ap_array_field_load(t->arr, *result, NULL, 0);
}

/* One row group per output: traces work (a-bit operands, n_inputs of them per output),
 * requantizes a wider result to o bits and reads it out. */
static base_status elt_candidate(const sim_arch *arch, elt_work_fn work, unsigned window,
                                 uint64_t group, uint64_t outputs, unsigned n_inputs, unsigned a,
                                 unsigned o, sim_candidate *c)
{
    memset(c, 0, sizeof *c);
    place(arch, c, outputs, group);
    /* Trace on a row wide enough for any kind's layout: the window's operand fields (max
     * pooling), then at most four result-sized fields and the requantization's (each under
     * a + 32 columns, the widest accumulator), then work columns. The layout's real width is
     * checked against the CAP row below; this bound only keeps the trace array finite. A
     * pooling tree loads one element per row. */
    bool tree = work == work_avgpool || work == work_maxpool_tree;
    if (work == work_maxpool_tree)
        c->n_chunks = group; /* bit-exact execution's rows per output */
    unsigned fields = tree ? 1 : window;
    if ((uint64_t)fields * a > SIM_TRACE_COLS_MAX)
        return BASE_ERROR(BASE_ECAPACITY,
                          "a %u-element window of %u bits needs more columns than a CAP row has "
                          "(%u)",
                          window, a, arch->cap_cols);
    unsigned trace_cols = fields * a + 4 * (a + AP_ACC_WIDTH_MAX) + 64;
    sim_trace t;
    base_status st = sim_trace_open(&t, 1, trace_cols, arch->ml_segment_cols);
    if (st != BASE_OK)
        return st;
    ap_field result = {0, a};
    unsigned col = 0;
    st = work(&t, c, a, window, &result, &col);
    if (st == BASE_OK && o < result.width) {
        unsigned carry = col++;
        sim_trace_phase(&t, &c->work[SIM_PHASE_REQUANT], 1);
        st = sim_trace_requant(&t, result, o, &col, carry, &result);
    }
    sim_trace_phase(&t, &c->work[SIM_PHASE_TRANSFER], 1);
    if (st == BASE_OK)
        st = ap_array_field_store(t.arr, result, NULL, 0);
    c->max_col_writes = sim_trace_max_writes(&t);
    sim_trace_close(&t);
    if (st != BASE_OK)
        return st;
    for (int k = 0; k < SIM_PHASE_COUNT; k++) /* one placement only: copy it */
    {
        c->work[k].ml_segments[SIM_PLACE_PAIRED] = c->work[k].ml_segments[SIM_PLACE_GROUPED];
        c->work[k].ml_pipelined[SIM_PLACE_PAIRED] = c->work[k].ml_pipelined[SIM_PLACE_GROUPED];
    }
    total_counts(c);
    c->row_cols = col;
    c->act_bits_row = c->act_bits_mcast = (double)outputs * n_inputs * a;
    c->out_bits = (double)outputs * result.width;
    c->map_touched_bits = c->act_bits_row + c->out_bits;
    if (c->row_cols > arch->cap_cols)
        return BASE_ERROR(BASE_ECAPACITY, "needs %u columns per row, CAPs have %u", c->row_cols,
                          arch->cap_cols);
    return BASE_OK;
}

static base_status plan_eltwise(const sim_plan *p, size_t li, sim_layer_plan *lp)
{
    const sim_arch *arch = &p->arch;
    const net_layer *l = &p->net->layers[li];
    const struct sim_kind_row *row = &kind_rows[l->kind];
    uint64_t outputs = net_layer_out_elems(l) * p->arch.batch;
    lp->n_candidates = 1;
    memset(&lp->cand[0], 0, sizeof lp->cand[0]);
    unsigned window = (unsigned)(l->kh * l->kw);
    elt_work_fn work = row->work;
    unsigned a = lp->bits.a_bits, o = lp->bits.o_bits;
    /* Max pooling's im2col row (window fields, a flag, the requantization) too wide for a CAP
     * row: the max tree instead. */
    uint64_t im2col_cols = (uint64_t)window * a + 1 + (o < a ? 1 + sim_requant_cols(a, o) : 0);
    if (l->kind == NET_MAXPOOL && im2col_cols > arch->cap_cols)
        work = work_maxpool_tree;
    bool tree = row->window_group || work == work_maxpool_tree;
    uint64_t group = tree ? 1ull << sim_ceil_log2(window) : 1;
    uint64_t span = sim_group_span(arch, group);
    if (span > arch->n_caps)
        return BASE_ERROR(BASE_ECAPACITY,
                          "a %u-element pooling window needs %llu rows, %llu CAPs of %u rows, the "
                          "architecture has %u",
                          window, (unsigned long long)group, (unsigned long long)span,
                          arch->cap_rows, arch->n_caps);
    if (!row->work)
        return no_mapping(l);
    unsigned n_in = l->kind == NET_ADD || l->kind == NET_MUL           ? 2u
                    : l->kind == NET_MAXPOOL || l->kind == NET_AVGPOOL ? window
                                                                       : 1u;
    base_status st = elt_candidate(arch, work, window, group, outputs, n_in, a, o, &lp->cand[0]);
    /* A tree spanning CAPs: its steps past a CAP's rows move the partial results between CAPs
     * over the bus, span - 1 per output into its first CAP (a window sum, or an a-bit max). */
    if (span > 1)
        lp->cand[0].tree_bus_bits = (double)outputs * (double)(span - 1) *
                                    (l->kind == NET_AVGPOOL ? a + sim_ceil_log2(window) : a);
    return st;
}

/* Softmax: one group of 2^ceil(log2 C) rows per pixel (sim_work_softmax). */
static base_status plan_softmax(const sim_plan *p, size_t li, sim_layer_plan *lp)
{
    const sim_arch *arch = &p->arch;
    const net_layer *l = &p->net->layers[li];
    uint64_t pixels = (uint64_t)l->h_out * (uint64_t)l->w_out * arch->batch;
    uint64_t group = 1ull << sim_ceil_log2((uint64_t)l->c_in);
    lp->n_candidates = 1;
    memset(&lp->cand[0], 0, sizeof lp->cand[0]);
    if (group > arch->cap_rows)
        return BASE_ERROR(BASE_ECAPACITY,
                          "a softmax over %d channels needs %llu rows, CAPs have %u", l->c_in,
                          (unsigned long long)group, arch->cap_rows);
    sim_candidate *c = &lp->cand[0];
    base_status st = elt_candidate(arch, sim_work_softmax, (unsigned)l->c_in, group, pixels,
                                   (unsigned)l->c_in, lp->bits.a_bits, lp->bits.o_bits, c);
    c->out_bits *= (double)l->c_in; /* every channel's result, not one per group */
    c->map_touched_bits = c->act_bits_row + c->out_bits;
    return st;
}

/* Bits of weights broadcast over a layer: each fold sends every output channel it holds its
 * K weights once (outputs lie channel by channel, m of each, as bit-exact execution places
 * them), to every row of that channel at once. */
static double broadcast_weight_bits(const sim_arch *arch, const sim_candidate *c, uint64_t m,
                                    uint64_t n, uint64_t k, unsigned w_bits)
{
    uint64_t per_fold = (uint64_t)arch->n_caps * (arch->cap_rows / c->n_chunks), total = m * n;
    double channels = 0;
    for (uint64_t s = 0; s < total; s += per_fold) {
        uint64_t e = s + per_fold < total ? s + per_fold : total;
        channels += (double)((e - 1) / m - s / m + 1);
    }
    return channels * (double)k * w_bits;
}

/* The width a layer's first input is stored at (its producer's o_bits, or the network
 * input's). */
static unsigned stored_input_bits(const sim_plan *p, size_t li)
{
    int src = p->net->layers[li].inputs[0];
    return src < 0 ? p->bits->input_bits : p->bits->bits[src].o_bits;
}

/* Conv/fc: one candidate per power-of-two chunking of K that fits. Its input is requantized
 * first when its producer stores it wider than a_bits (a residual sum feeding a conv). */
static base_status plan_gemm(const sim_plan *p, size_t li, sim_layer_plan *lp)
{
    const net_layer *l = &p->net->layers[li];
    net_layer_gemm(l, p->arch.batch, &lp->gemm_m, &lp->gemm_n, &lp->gemm_k);
    unsigned aw = sim_act_width(p->net, li, lp->bits.a_bits);
    unsigned in_bits = stored_input_bits(p, li);
    double in_elems = (double)l->c_in * l->h_in * l->w_in * p->arch.batch;
    for (uint64_t chunks = 1; lp->n_candidates < SIM_MAX_CANDIDATES; chunks *= 2) {
        sim_candidate *c = &lp->cand[lp->n_candidates];
        bool fits;
        base_status st =
            sim_gemm_candidate(&p->arch, lp->gemm_m, lp->gemm_n, lp->gemm_k, aw, lp->bits.a_bits,
                               lp->bits.w_bits, lp->bits.o_bits, chunks, c, &fits);
        if (st != BASE_OK)
            return st;
        if (fits) {
            c->act_bits_mcast =
                fmin(c->act_bits_row, in_elems * lp->bits.a_bits * (double)c->n_folds);
            c->wt_bits_bcast =
                fmin(c->wt_bits_row, broadcast_weight_bits(&p->arch, c, lp->gemm_m, lp->gemm_n,
                                                           lp->gemm_k, lp->bits.w_bits));
            c->map_touched_bits = in_elems * in_bits +
                                  (double)lp->gemm_n * (double)lp->gemm_k * lp->bits.w_bits +
                                  c->out_bits;
            lp->n_candidates++;
        }
        if (chunks >= lp->gemm_k)
            break;
    }
    if (lp->n_candidates > 0 && in_bits > lp->bits.a_bits) {
        base_status st = elt_candidate(&p->arch, work_narrow, 1, 1, (uint64_t)in_elems, 1, in_bits,
                                       lp->bits.a_bits, &lp->pre);
        if (st != BASE_OK)
            return st;
        lp->has_pre = true;
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

/* Bits the MAPs must hold: every weight at its width, and two activation buffers (the
 * layer being read and the one being written, ping-pong) as large as the largest tensor any
 * layer reads or writes, over the batch. */
static double map_data_bits(const net_network *net, const net_bitcfg *bits, unsigned batch)
{
    double weights = 0, act = 0;
    for (size_t i = 0; i < net->n_layers; i++) {
        const net_layer *l = &net->layers[i];
        weights += (double)l->n_params * bits->bits[i].w_bits;
        double in = (double)l->c_in * l->h_in * l->w_in * bits->bits[i].a_bits;
        double out = (double)net_layer_out_elems(l) * bits->bits[i].o_bits;
        act = fmax(act, fmax(in, out));
    }
    return weights + 2.0 * act * batch;
}

/* The MAP technology: "cap" (the CAPs' own), "auto" (a low-standby SRAM for CMOS CAPs, the
 * CAPs' own non-volatile memory otherwise: resolved at evaluation) or a table name. */
static base_status open_map_tech(sim_plan *p)
{
    const char *name = p->arch.map_tech;
    if (!strcmp(name, "cap"))
        return BASE_OK;
    if (!strcmp(name, "auto"))
        name = SIM_MAP_TECH_CMOS;
    base_status st = tech_open(name, &p->map_tech);
    if (st == BASE_OK && p->arch.node_nm > 0) {
        tech_params *moved = NULL;
        st = tech_params_at_node(p->map_tech, p->arch.node_nm, &moved);
        tech_params_free(p->map_tech);
        p->map_tech = moved;
    }
    return st == BASE_OK ? st : base_error_wrap(st, NULL, 0, 0, "MAP technology: ");
}

/* With a node asked for, the architecture's CMOS figures move from SIM_ARCH_NODE_NM to it at
 * the nodes' nominal supplies by the fits' energy and delay factors (tech_node_factors). */
static base_status move_arch(sim_arch *a)
{
    if (!(a->node_nm > 0))
        return BASE_OK;
    double v0, v1;
    tech_node_factors_t f;
    base_status st = tech_node_vdd(SIM_ARCH_NODE_NM, &v0);
    if (st == BASE_OK)
        st = tech_node_vdd(a->node_nm, &v1);
    if (st == BASE_OK)
        st = tech_node_factors(SIM_ARCH_NODE_NM, v0, a->node_nm, v1, &f);
    if (st != BASE_OK)
        return base_error_wrap(st, NULL, 0, 0, "architecture '%s': ", a->name);
    a->bus_energy_pj_per_bit *= f.energy;
    a->bus_broadcast_energy_pj_per_bit *= f.energy;
    a->ctrl_energy_pj_per_cycle *= f.energy;
    a->map_periphery_fj_per_bit *= f.energy;
    a->wake_energy_fj_per_bit *= f.energy;
    a->bus_clock_ghz /= f.delay;
    a->wake_latency_ns *= f.delay;
    return BASE_OK;
}

/* The plan's last step, after its layers (status st so far): energy per inference should not
 * rise with the batch, so the same network at batch 1 is planned to be evaluated beside every
 * evaluation, saying so or naming the cause (sim_eval.c). On failure p is freed. */
static base_status finish_plan(sim_plan *p, base_status st, sim_plan **out)
{
    if (st == BASE_OK && p->arch.batch > 1) {
        sim_arch one = p->arch;
        one.batch = 1;
        st = sim_plan_new(p->net, p->bits, &one, &p->batch1);
        if (st == BASE_OK)
            st = sim_result_new(p->batch1, &p->batch1_res);
    }
    if (st != BASE_OK) {
        sim_plan_free(p);
        return st;
    }
    *out = p;
    return BASE_OK;
}

/* A layer's planning error, placed at the layer's line in the network file. */
static base_status at_layer(const sim_plan *p, size_t i, base_status st)
{
    if (st == BASE_ECAPACITY || st == BASE_EUNSUPPORTED)
        st = base_error_wrap(st, p->net->path, p->net->layers[i].line, 0,
                             "layer '%s': ", p->net->layers[i].name);
    return st;
}

/* A measured-table chip: every layer mapped by sim_vec.c (no MAPs, no node move). */
static base_status plan_measured(sim_plan *p, sim_plan **out)
{
    base_status st = BASE_OK;
    for (size_t i = 0; i < p->n_layers && st == BASE_OK; i++)
        st = at_layer(p, i, sim_vec_plan_layer(p, i, &p->layers[i]));
    return finish_plan(p, st, out);
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
    p->layers = base_calloc(net->n_layers ? net->n_layers : 1, sizeof *p->layers);
    if (!p->layers) {
        base_free(p);
        return BASE_ERROR(BASE_ENOMEM, "out of memory planning %s", net->name);
    }
    p->net = net;
    p->bits = bits;
    p->arch = *arch;
    p->n_layers = net->n_layers;
    if (arch->kind == SIM_ARCH_MEASURED)
        return plan_measured(p, out);
    double data_bits = map_data_bits(net, bits, arch->batch);
    double bank = (double)arch->map_rows * arch->map_cols;
    double banks = ceil(data_bits / bank);
    if (!arch->map_auto && banks > arch->n_maps) {
        base_status st =
            BASE_ERROR(BASE_ECAPACITY,
                       "%s under '%s' needs %.1f Mbit of MAP (weights and two "
                       "activation buffers), the architecture has %u banks of %.4g "
                       "Mbit; size the MAPs from the network with map: {count: auto}",
                       net->name, sim_bits_name(bits), data_bits / 1e6, arch->n_maps, bank / 1e6);
        sim_plan_free(p);
        return st;
    }
    p->map_bits = banks * bank;
    base_status st = move_arch(&p->arch);
    if (st == BASE_OK)
        st = open_map_tech(p);
    for (size_t i = 0; i < net->n_layers && st == BASE_OK; i++) {
        /* Layers with the same shape and bits share their plan (ResNet repeats units). */
        size_t j;
        for (j = 0; j < i; j++)
            if (sim_layer_same_work(net, bits, i, j))
                break;
        if (j < i)
            p->layers[i] = p->layers[j];
        else
            st = at_layer(p, i, plan_layer(p, i, &p->layers[i]));
    }
    return finish_plan(p, st, out);
}

void sim_plan_free(sim_plan *plan)
{
    if (!plan)
        return;
    tech_params_free(plan->map_tech);
    sim_result_free(plan->batch1_res);
    sim_plan_free(plan->batch1);
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
    int si = a->inputs[0], sj = b->inputs[0];
    unsigned in_i = si < 0 ? bits->input_bits : bits->bits[si].o_bits;
    unsigned in_j = sj < 0 ? bits->input_bits : bits->bits[sj].o_bits;
    return in_i == in_j && a->kind == b->kind && a->c_in == b->c_in && a->h_in == b->h_in &&
           a->w_in == b->w_in && a->c_out == b->c_out && a->h_out == b->h_out &&
           a->w_out == b->w_out && a->kh == b->kh && a->kw == b->kw && a->stride == b->stride &&
           a->groups == b->groups && a->scale == b->scale && a->mode == b->mode &&
           x->w_bits == y->w_bits && x->a_bits == y->a_bits && x->o_bits == y->o_bits &&
           sim_input_nonneg(net, i) == sim_input_nonneg(net, j);
}

/* ---- What the kinds of sim_plan_tensor.c share ------------------------------------------- */
base_status sim_copy_candidate(const sim_arch *arch, uint64_t outputs, unsigned a, unsigned o,
                               sim_candidate *c)
{
    return elt_candidate(arch, work_narrow, 1, 1, outputs, 1, a, o, c);
}

base_status sim_elt_candidate(const sim_arch *arch, sim_elt_work_fn work, uint64_t outputs,
                              unsigned a, unsigned o, sim_candidate *c)
{
    return elt_candidate(arch, work, 1, 1, outputs, 1, a, o, c);
}

double sim_broadcast_weight_bits(const sim_arch *arch, const sim_candidate *c, uint64_t m,
                                 uint64_t n, uint64_t k, unsigned w_bits)
{
    return broadcast_weight_bits(arch, c, m, n, k, w_bits);
}
