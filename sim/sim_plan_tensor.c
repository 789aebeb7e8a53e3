/* sim_plan_tensor.c - the planner's rows of the kinds that rearrange or combine whole tensors
 * (docs/SIM_MODEL.md, "Other layers").
 * - concat: its inputs brought to one scale, every element multiplied by its input's scale
 *   multiplier and requantized (no view: the producers' calibrated scales differ in general).
 * - nearest resize: a copy, every output element loaded into a row and read back out (the
 *   data movement, charged as operand loads and a transfer).
 * - bilinear resize, deconv, matmul: the GEMM row program of conv/fc (sim_gemm_candidate);
 *   bilinear as a 4-tap dot product with fixed-point weights; deconv as a stride-1 conv over
 *   the zero-inserted input, every one of its c_in kh kw taps charged (the rows of a fold run
 *   one program, and rows of different output phases have their non-zero taps at different K
 *   positions); matmul with both operands loaded from activations (no weight reuse across
 *   images). */
#include <math.h>
#include <string.h>

#include "sim/sim_impl.h"

unsigned sim_bilinear_w_bits(int scale)
{
    uint64_t d = 2 * (uint64_t)scale;
    return sim_ceil_log2(d * d + 1) + 1;
}

bool sim_layer_ap_gemm(const net_network *net, size_t li, const net_layer_bits *b, unsigned batch,
                       sim_ap_gemm *g)
{
    const net_layer *l = &net->layers[li];
    memset(g, 0, sizeof *g);
    g->a_width = sim_act_width(net, li, b->a_bits);
    if (l->kind == NET_DECONV) {
        g->m = (uint64_t)l->h_out * (uint64_t)l->w_out * batch;
        g->n = (uint64_t)l->c_out;
        g->k = (uint64_t)(l->c_in / l->groups) * (uint64_t)l->kh * (uint64_t)l->kw;
        g->w_bits = b->w_bits;
    } else if (l->kind == NET_MATMUL) {
        g->m = (uint64_t)l->c_in * (uint64_t)l->h_in * batch;
        g->n = (uint64_t)l->w_out;
        g->k = (uint64_t)l->w_in;
        g->w_bits = b->a_bits;
    } else if (l->kind == NET_RESIZE && l->mode == NET_RESIZE_BILINEAR) {
        g->m = net_layer_out_elems(l) * batch;
        g->n = 1;
        g->k = 4;
        g->w_bits = sim_bilinear_w_bits(l->scale);
    } else {
        return false;
    }
    return true;
}

/* A concat's row: its element (a bits) and its input's scale multiplier (m bits) loaded, their
 * signed product (a + m bits), a carry (exec_kinds_tensor.c's elt_concat). */
static base_status work_concat(sim_trace *t, sim_candidate *c, unsigned a, unsigned window,
                               ap_field *result, unsigned *col)
{
    (void)window;
    const unsigned m = sim_requant_scale_bits(a);
    ap_field x = {0, a}, b = {a, m};
    unsigned carry = 2 * (a + m);
    *result = (ap_field){a + m, a + m};
    *col = carry + 1;
    sim_trace_phase(t, &c->work[SIM_PHASE_OPERAND_LOAD], 1);
    base_status st = ap_array_field_load(t->arr, x, NULL, 0);
    if (st == BASE_OK)
        st = ap_array_field_load(t->arr, b, NULL, 0);
    sim_trace_phase(t, &c->work[SIM_PHASE_ELEMENTWISE], 1);
    if (st == BASE_OK)
        st = ap_mul(t->arr, x, b, *result, carry, true);
    return st != BASE_OK
               ? st
               : sim_add_written(&c->work[SIM_PHASE_ELEMENTWISE], 1, AP_OP_MUL_S, a, m, 0, 1);
}

/* Concat: every element brought to the common scale (a multiply) and requantized to o. */
base_status sim_plan_concat(const sim_plan *p, size_t li, sim_layer_plan *lp)
{
    const net_layer *l = &p->net->layers[li];
    lp->n_candidates = 1;
    if (lp->bits.a_bits > SIM_OPERAND_BITS_MAX)
        return BASE_ERROR(BASE_ECAPACITY,
                          "concat operands of %u bits exceed the AP's %u-bit multiply (an input "
                          "stored wider for another consumer)",
                          lp->bits.a_bits, SIM_OPERAND_BITS_MAX);
    return sim_elt_candidate(&p->arch, work_concat, net_layer_out_elems(l) * p->arch.batch,
                             lp->bits.a_bits, lp->bits.o_bits, &lp->cand[0]);
}

/* Resize: nearest copies each output element from its source; bilinear is a GEMM. */
base_status sim_plan_resize(const sim_plan *p, size_t li, sim_layer_plan *lp)
{
    const net_layer *l = &p->net->layers[li];
    if (l->mode == NET_RESIZE_BILINEAR)
        return sim_plan_ap_gemm(p, li, lp);
    lp->n_candidates = 1;
    return sim_copy_candidate(&p->arch, net_layer_out_elems(l) * p->arch.batch, lp->bits.a_bits,
                              lp->bits.o_bits, &lp->cand[0]);
}

/* Elements of the layer's inputs over the batch. */
static double input_elems(const net_network *net, size_t li, unsigned batch)
{
    const net_layer *l = &net->layers[li];
    double n = 0;
    for (int j = 0; j < l->n_inputs; j++) {
        int c, h, w;
        int src = l->inputs[j];
        c = src < 0 ? net->c_in : net->layers[src].c_out;
        h = src < 0 ? net->h_in : net->layers[src].h_out;
        w = src < 0 ? net->w_in : net->layers[src].w_out;
        n += (double)c * h * w;
    }
    return n * batch;
}

/* One candidate per power-of-two chunking of K that fits, as conv/fc. A deconv's weights are
 * broadcast to the rows of their output channel as a conv's; a matmul's operand b and the
 * bilinear weights are loaded row by row (no broadcast counted). */
base_status sim_plan_ap_gemm(const sim_plan *p, size_t li, sim_layer_plan *lp)
{
    const net_layer *l = &p->net->layers[li];
    sim_ap_gemm g;
    if (!sim_layer_ap_gemm(p->net, li, &lp->bits, p->arch.batch, &g))
        return BASE_ERROR(BASE_EUNSUPPORTED, "layer kind '%s' has no GEMM mapping",
                          net_kind_name(l->kind));
    const bool shared = l->kind == NET_DECONV;
    lp->gemm_m = g.m;
    lp->gemm_n = g.n;
    lp->gemm_k = g.k;
    double in_elems = input_elems(p->net, li, p->arch.batch);
    for (uint64_t chunks = 1; lp->n_candidates < SIM_MAX_CANDIDATES; chunks *= 2) {
        sim_candidate *c = &lp->cand[lp->n_candidates];
        bool fits;
        base_status st = sim_gemm_candidate(&p->arch, g.m, g.n, g.k, g.a_width, lp->bits.a_bits,
                                            g.w_bits, lp->bits.o_bits, chunks, c, &fits);
        if (st != BASE_OK)
            return st;
        if (fits) {
            double wt = shared ? sim_broadcast_weight_bits(&p->arch, c, g.m, g.n, g.k, g.w_bits)
                               : c->wt_bits_row;
            c->act_bits_mcast =
                fmin(c->act_bits_row, in_elems * lp->bits.a_bits * (double)c->n_folds);
            c->wt_bits_bcast = fmin(c->wt_bits_row, wt);
            c->map_touched_bits = in_elems * lp->bits.a_bits +
                                  (shared ? (double)g.n * (double)g.k * g.w_bits : 0) + c->out_bits;
            lp->n_candidates++;
        }
        if (chunks >= g.k)
            break;
    }
    int src = l->inputs[0]; /* a deconv's input stored wider than a_bits: narrowed first */
    unsigned in_bits = src < 0 ? p->bits->input_bits : p->bits->bits[src].o_bits;
    if (lp->n_candidates > 0 && shared && in_bits > lp->bits.a_bits) {
        base_status st =
            sim_copy_candidate(&p->arch, (uint64_t)in_elems, in_bits, lp->bits.a_bits, &lp->pre);
        if (st != BASE_OK)
            return st;
        lp->has_pre = true;
    }
    if (lp->n_candidates == 0)
        return BASE_ERROR(BASE_ECAPACITY, "K=%llu at a=%u, w=%u bits fits no row of %u columns",
                          (unsigned long long)g.k, lp->bits.a_bits, g.w_bits, p->arch.cap_cols);
    return BASE_OK;
}
