/* exec_gemm.c - the one GEMM row program on ap_core, shared by the single-conv path
 * (exec_conv.c, and through it the ONNX conformance runner) and whole-network inference
 * (exec_infer.c): fields where sim_gemm_layout puts them, chunk_k MACs through the operand
 * slots, the 2D-AP tree over each output's rows and the dyadic requantization (HAWQ-V3), the
 * same steps the planner counts in sim_gemm_candidate (docs/SIM_MODEL.md, docs/INFERENCE.md). */
#include "ap_core/ap.h"
#include "exec/exec.h"

uint32_t exec_mask_u(unsigned bits)
{
    return bits >= 32 ? 0xffffffffu : (uint32_t)((1ull << bits) - 1);
}

ap_field exec_take_field(unsigned *col, unsigned width)
{
    ap_field f = {*col, width};
    *col += width;
    return f;
}

base_status exec_ap_requant(ap_array *arr, uint32_t *vals, size_t rows, const exec_requant *rq,
                            ap_field src, unsigned o, unsigned *col, unsigned carry,
                            ap_field *result)
{
    base_status st = BASE_OK;
    unsigned m = sim_requant_scale_bits(o);
    if (src.width > SIM_REQUANT_SCALE_BITS_MAX) {
        ap_field pre = exec_take_field(col, SIM_REQUANT_SCALE_BITS_MAX);
        st = ap_shr_round(arr, src, rq->pre_shift, pre, carry, true);
        src = pre;
    }
    ap_field bf = exec_take_field(col, m), pf = exec_take_field(col, src.width + m),
             of = exec_take_field(col, o);
    for (size_t r = 0; r < rows; r++)
        vals[r] = (uint32_t)rq->scale_b & exec_mask_u(m);
    if (st == BASE_OK)
        st = ap_array_field_load(arr, bf, vals, rows);
    if (st == BASE_OK)
        st = ap_mul(arr, src, bf, pf, carry, true);
    if (st == BASE_OK)
        st = ap_shr_round(arr, pf, rq->shift, of, carry, true);
    *result = of;
    return st;
}

/* One operand of one MAC step, as ap_array_field_load_fn's producer. */
typedef struct operand {
    const exec_gemm_job *job;
    uint64_t j;
    bool weight;
} operand;

static void operand_values(void *ctx, size_t r0, size_t n, uint32_t *out)
{
    const operand *o = ctx;
    o->job->fill(o->job->ctx, o->j, o->weight, r0, n, out);
}

/* Loads MAC step j's operand (activations or weights) of every row into its slot field, 64
 * rows at a time (a field load takes the low f.width bits of each value: the two's complement
 * of a negative one). */
static base_status load_operand(ap_array *arr, const exec_gemm_job *job, uint64_t j, bool weight,
                                ap_field f)
{
    operand o = {job, j, weight};
    return ap_array_field_load_fn(arr, f, operand_values, &o, job->rows);
}

base_status exec_gemm_run(ap_array *arr, const exec_gemm_job *job, uint32_t *vals,
                          unsigned *result_bits)
{
    const sim_gemm_layout *lay = job->lay;
    const size_t rows = job->rows;
    /* The accumulator starts from vals; then for each of the chunk's pairs j: load it into
     * slot j % n_slots and MAC it. */
    base_status st = ap_array_field_load(arr, lay->mac_acc, vals, rows);
    ap_field prodf = {lay->scratch.col, lay->prod_bits};
    for (uint64_t j = 0; j < job->chunk_k && st == BASE_OK; j++) {
        ap_field act = sim_gemm_act_field(lay, j % lay->n_slots);
        ap_field wt = sim_gemm_wt_field(lay, j % lay->n_slots);
        st = load_operand(arr, job, j, false, act);
        if (st == BASE_OK)
            st = load_operand(arr, job, j, true, wt);
        if (st == BASE_OK)
            st = ap_mac(arr, act, wt, lay->mac_acc, prodf, lay->carry, true);
    }
    if (st == BASE_OK && job->group > 1) {
        ap_field tmp = {lay->scratch.col, lay->acc_bits};
        st = ap_reduce_sum_groups(arr, lay->mac_acc, lay->tree_acc, tmp, lay->carry, true,
                                  job->group);
    }
    ap_field result = lay->tree_acc;
    if (st == BASE_OK && lay->o_bits < lay->acc_bits) {
        /* Requantization in the (now dead) operand columns. */
        unsigned col = lay->requant_col;
        st = exec_ap_requant(arr, vals, rows, job->rq, lay->tree_acc, lay->o_bits, &col, lay->carry,
                             &result);
    }
    if (st == BASE_OK)
        st = ap_array_field_store(arr, result, vals, rows);
    *result_bits = result.width;
    return st;
}
