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
