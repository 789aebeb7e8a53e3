/* sim_act.c - the row programs of MobileNetV3's hard activations (hard-swish and hard-sigmoid,
 * Howard et al., "Searching for MobileNetV3", ICCV 2019: h-swish(x) = x relu6(x + 3) / 6) and
 * of the element-wise product (the squeeze-and-excite scale, Hu et al., CVPR 2018), built from
 * ap_core's add, relu, max, sub and mul. The planner traces them (sim_plan.c) and bit-exact
 * execution runs them (exec/exec_kinds.c), so their counters agree by construction. Integer
 * semantics: docs/INFERENCE.md. min(t, six) is six - relu(six - t): two subtractions and a
 * one-pass relu, cheaper than a max between an add and a subtraction. */
#include "sim/sim_impl.h"

static ap_field take(unsigned *col, unsigned width)
{
    ap_field f = {*col, width};
    *col += width;
    return f;
}

void sim_act_layout(net_kind kind, unsigned a, sim_act_fields *f)
{
    unsigned col = 0, w = a + 1;
    *f = (sim_act_fields){{0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, 0, 0};
    if (kind != NET_HARDSIGMOID)
        f->x = take(&col, a);
    if (kind == NET_MUL) {
        f->y = take(&col, a);
        f->prod = take(&col, 2 * a);
        f->result = f->prod;
    } else {
        f->t = take(&col, w);
        f->three = take(&col, w);
        f->six = take(&col, w);
        f->top = take(&col, w);
        f->result = f->top;
        if (kind == NET_HARDSWISH) {
            f->prod = take(&col, a + w);
            f->result = f->prod;
        }
    }
    f->carry = col++;
    f->cols = col;
}

base_status sim_act_ops(ap_array *arr, net_kind kind, const sim_act_fields *f)
{
    if (kind == NET_MUL)
        return ap_mul(arr, f->x, f->y, f->prod, f->carry, true);
    base_status st = ap_add(arr, f->three, f->t, f->carry); /* t = x + three */
    if (st == BASE_OK)
        st = ap_relu(arr, f->t);
    if (st == BASE_OK)
        st = ap_sub(arr, f->t, f->six, f->carry); /* six - t */
    if (st == BASE_OK)
        st = ap_relu(arr, f->six); /* max(six - t, 0) */
    if (st == BASE_OK)
        st = ap_sub(arr, f->six, f->top, f->carry); /* six - max(six - t, 0) = min(t, six) */
    if (st == BASE_OK && kind == NET_HARDSWISH)
        st = ap_mul(arr, f->x, f->top, f->prod, f->carry, true);
    return st;
}

unsigned sim_act_result_bits(net_kind kind, unsigned a)
{
    return kind == NET_HARDSIGMOID ? a + 1 : kind == NET_HARDSWISH ? 2 * a + 1 : 2 * a;
}

/* The hard activations and the product (sim_act.c): the operands and, for the hard ones,
 * the constants three and six loaded in every row, then the shared op program. */
static base_status work_act(sim_trace *t, sim_candidate *c, net_kind kind, unsigned a,
                            ap_field *result, unsigned *col)
{
    sim_act_fields f;
    sim_act_layout(kind, a, &f);
    unsigned widest = f.t.width > a ? f.t.width : a;
    if (widest > SIM_OPERAND_BITS_MAX)
        return BASE_ERROR(BASE_ECAPACITY,
                          "%s reads %u-bit inputs: its program needs %u-bit operands, the AP's "
                          "are at most %u bits",
                          net_kind_name(kind), a, widest, SIM_OPERAND_BITS_MAX);
    const ap_field loads[] = {f.x, f.y, f.t, f.three, f.six, f.top};
    base_status st = BASE_OK;
    sim_trace_phase(t, &c->work[SIM_PHASE_OPERAND_LOAD], 1);
    for (size_t i = 0; i < sizeof loads / sizeof loads[0] && st == BASE_OK; i++)
        if (loads[i].width)
            st = ap_array_field_load(t->arr, loads[i], NULL, 0);
    sim_trace_phase(t, &c->work[SIM_PHASE_ELEMENTWISE], 1);
    if (st == BASE_OK)
        st = sim_act_ops(t->arr, kind, &f);
    sim_work *w = &c->work[SIM_PHASE_ELEMENTWISE];
    unsigned tw = f.t.width;
    if (st == BASE_OK && kind != NET_MUL) {
        static const ap_op ops[] = {AP_OP_ADD, AP_OP_RELU, AP_OP_SUB, AP_OP_RELU, AP_OP_SUB};
        for (size_t i = 0; i < sizeof ops / sizeof ops[0] && st == BASE_OK; i++)
            st = sim_add_written(w, 1, ops[i], tw, 0, 0, 1);
    }
    if (st == BASE_OK && kind != NET_HARDSIGMOID)
        st = sim_add_written(w, 1, AP_OP_MUL_S, a, kind == NET_MUL ? a : tw, 0, 1);
    *result = f.result;
    *col = f.cols;
    return st;
}

base_status sim_work_hardswish(sim_trace *t, sim_candidate *c, unsigned a, unsigned window,
                               ap_field *result, unsigned *col)
{
    (void)window;
    return work_act(t, c, NET_HARDSWISH, a, result, col);
}

base_status sim_work_hardsigmoid(sim_trace *t, sim_candidate *c, unsigned a, unsigned window,
                                 ap_field *result, unsigned *col)
{
    (void)window;
    return work_act(t, c, NET_HARDSIGMOID, a, result, col);
}

base_status sim_work_mul(sim_trace *t, sim_candidate *c, unsigned a, unsigned window,
                         ap_field *result, unsigned *col)
{
    (void)window;
    return work_act(t, c, NET_MUL, a, result, col);
}
