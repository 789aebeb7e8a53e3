/* sim_softmax.c - the integer softmax over channels as one AP program, run by bit-exact
 * execution (exec/exec_kinds.c) on real arrays and by the planner (sim_plan.c) on its trace
 * array, so its counts are its counters. An integer-only softmax on an associative processor
 * as SoftmAP proposes (Rakka et al., DATE 2025, arXiv:2411.17847; only its abstract-level
 * design is relied on): the maximum subtracted, an integer exponential, the sum, the division.
 * The exponential is a table lookup (the associative evaluation of a function, Foster,
 * "Content Addressable Parallel Processors", 1976) instead of the shift-and-polynomial
 * integer exponential of I-BERT (Kim et al., ICML 2021); docs/INFERENCE.md. */
#include <string.h>

#include "ap_core/ap.h"
#include "sim/sim_impl.h"

static ap_field take(unsigned *col, unsigned width)
{
    ap_field f = {*col, width};
    *col += width;
    return f;
}

bool sim_softmax_layout_make(unsigned a, uint64_t channels, sim_softmax_layout *out)
{
    sim_softmax_layout *l = out;
    memset(l, 0, sizeof *l);
    l->a = a;
    l->k = sim_ceil_log2(channels);
    l->p = a - 1;
    unsigned e = a;
    if (l->k + 2 > SIM_OPERAND_BITS_MAX || l->p + 2 > SIM_OPERAND_BITS_MAX)
        return false;
    if (e > SIM_OPERAND_BITS_MAX - l->k) /* the sum S: e + k bits */
        e = SIM_OPERAND_BITS_MAX - l->k;
    if (e > SIM_OPERAND_BITS_MAX - l->p) /* the numerator E 2^p: e + p bits */
        e = SIM_OPERAND_BITS_MAX - l->p;
    if (e < 2) /* the result takes the quotient's low p + 2 bits */
        return false;
    l->e = e;
    unsigned col = 0, s = e + l->k;
    l->x = take(&col, a);
    l->valid = take(&col, 1);
    l->m = take(&col, a);
    l->tmp_m = take(&col, a);
    l->num = take(&col, l->p + e);
    l->exp = (ap_field){l->num.col + l->p, e};
    l->sum = take(&col, s);
    l->tmp_s = take(&col, s);
    l->quot = take(&col, l->p + e);
    l->rem = take(&col, s);
    l->work = col++;
    l->result = (ap_field){l->quot.col, l->p + 2};
    l->cols = col;
    return true;
}

base_status sim_softmax_program(ap_array *arr, const sim_softmax_layout *l,
                                const uint32_t *exp_table)
{
    size_t g = (size_t)1 << l->k;
    uint32_t *zeros = NULL;
    if (!exp_table) {
        zeros = base_calloc((size_t)1 << l->a, sizeof *zeros);
        if (!zeros)
            return BASE_ERROR(BASE_ENOMEM, "out of memory for a softmax table");
        exp_table = zeros;
    }
    unsigned char key0 = 0, zero[32] = {0};
    unsigned num_cols[32];
    for (unsigned i = 0; i < l->num.width; i++)
        num_cols[i] = l->num.col + i;
    base_status st = ap_reduce_max_groups(arr, l->x, l->m, l->tmp_m, l->work, true, g);
    if (st == BASE_OK)
        st = ap_broadcast_groups(arr, l->m, l->tmp_m, l->work, g);
    if (st == BASE_OK) /* d = m - x, 0 .. 2^a - 1: exact as an a-bit unsigned value */
        st = ap_sub(arr, l->x, l->m, l->work);
    if (st == BASE_OK)
        st = ap_lookup(arr, l->m, l->num, exp_table);
    if (st == BASE_OK) /* padding rows add nothing to the sum */
        st = ap_array_compare(arr, &l->valid.col, &key0, 1, AP_TAG_SET);
    if (st == BASE_OK)
        st = ap_array_write(arr, num_cols, zero, l->num.width);
    if (st == BASE_OK)
        st = ap_reduce_sum_groups(arr, l->exp, l->sum, l->tmp_s, l->work, false, g);
    if (st == BASE_OK)
        st = ap_broadcast_groups(arr, l->sum, l->tmp_s, l->work, g);
    if (st == BASE_OK)
        st = ap_divmod_u(arr, l->num, l->sum, l->quot, l->rem, l->work);
    base_free(zeros);
    return st;
}

/* A table of the input's 2^a values (ap_lookup): the result has the input's a bits. The
 * table's values do not change the count, so a zero table is traced. */
base_status sim_work_sigmoid(sim_trace *t, sim_candidate *c, unsigned a, unsigned window,
                             ap_field *result, unsigned *col)
{
    (void)window;
    ap_field x = {0, a};
    *result = (ap_field){a, a};
    *col = 2 * a;
    uint32_t *zeros = base_calloc((size_t)1 << a, sizeof *zeros);
    if (!zeros)
        return BASE_ERROR(BASE_ENOMEM, "out of memory for a sigmoid table");
    sim_trace_phase(t, &c->work[SIM_PHASE_OPERAND_LOAD], 1);
    base_status st = ap_array_field_load(t->arr, x, NULL, 0);
    sim_trace_phase(t, &c->work[SIM_PHASE_ELEMENTWISE], 1);
    if (st == BASE_OK)
        st = ap_lookup(t->arr, x, *result, zeros);
    base_free(zeros);
    return st != BASE_OK
               ? st
               : sim_add_written(&c->work[SIM_PHASE_ELEMENTWISE], 1, AP_OP_LOOKUP, a, 0, a, 1);
}

/* One pixel's channels (window = C) in a group of 2^ceil(log2 C) rows: sim_softmax_program. */
base_status sim_work_softmax(sim_trace *t, sim_candidate *c, unsigned a, unsigned window,
                             ap_field *result, unsigned *col)
{
    sim_softmax_layout l;
    if (!sim_softmax_layout_make(a, window, &l))
        return BASE_ERROR(BASE_EUNSUPPORTED,
                          "softmax over %u channels of %u bits does not fit the AP's %u-bit "
                          "division (a_bits 2..15, at most 2^14 channels)",
                          window, a, SIM_OPERAND_BITS_MAX);
    size_t g = (size_t)1 << l.k;
    sim_work *w = &c->work[SIM_PHASE_ELEMENTWISE];
    base_status st = sim_trace_rows(t, g);
    sim_trace_phase(t, &c->work[SIM_PHASE_OPERAND_LOAD], 1);
    if (st == BASE_OK)
        st = ap_array_field_load(t->arr, l.x, NULL, 0);
    if (st == BASE_OK)
        st = ap_array_field_load(t->arr, l.valid, NULL, 0);
    sim_trace_phase(t, w, 1);
    if (st == BASE_OK)
        st = sim_softmax_program(t->arr, &l, NULL);
    if (st == BASE_OK)
        st = sim_trace_rows(t, 1);
    /* Expected written cells of each op; the padding clear writes num in G - C rows. */
    unsigned s = l.sum.width, n = l.num.width;
    w->written_cells += (double)(g - window) / (double)g * n;
    if (st == BASE_OK)
        st = sim_add_written(w, 1, AP_OP_REDUCE_MAX_S, a, 0, 0, g);
    if (st == BASE_OK)
        st = sim_add_written(w, 1, AP_OP_BROADCAST, a, 0, 0, g);
    if (st == BASE_OK)
        st = sim_add_written(w, 1, AP_OP_SUB, a, 0, 0, 1);
    if (st == BASE_OK)
        st = sim_add_written(w, 1, AP_OP_LOOKUP, a, 0, n, 1);
    if (st == BASE_OK)
        st = sim_add_written(w, 1, AP_OP_REDUCE_SUM_U, l.e, 0, s, g);
    if (st == BASE_OK)
        st = sim_add_written(w, 1, AP_OP_BROADCAST, s, 0, 0, g);
    if (st == BASE_OK)
        st = sim_add_written(w, 1, AP_OP_DIVMOD_U, n, s, 0, 1);
    *result = l.result;
    *col = l.cols;
    return st;
}
