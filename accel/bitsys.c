/* bitsys.c - the bitwise systolic array (Liu, Ullah, Kumar, ISQED 2025, arXiv 2602.23334;
 * github.com/liuyh-Horizon/BitSys): each multiplier is an 8x8 grid of 1-bit PEs masked into
 * 8/p products of precision p in {1,2,4,8}, one operand pair per cycle, ~17 cycles of
 * pipeline fill, 250 MHz on an Ultra96; baseline: a fixed 8-bit multiplier tree. */
#include <string.h>

#include "accel/accel_impl.h"

#define BITSYS_PARAMS(X)                                                                           \
    X(CLOCK_MHZ, "clock_mhz", 1, 1e4)                                                              \
    X(GRID, "pe_grid", 1, 64)                                                                      \
    X(PIPE, "pipeline_cycles", 0, 1e4)                                                             \
    X(N_UNITS, "n_units", 1, 1e5)                                                                  \
    X(BASE_CLOCK, "baseline_clock_mhz", 1, 1e4)                                                    \
    X(BASE_PIPE, "baseline_pipeline_cycles", 0, 1e4)                                               \
    X(E_BITPE, "e_bit_pe_pj", 1e-6, 1e3)                                                           \
    X(E_MULT8, "e_mult8_pj", 1e-6, 1e3)                                                            \
    X(E_MEM, "e_mem_pj_per_bit", 0, 1e3)                                                           \
    X(SWITCH_CYC, "mode_switch_cycles", 0, 1e6)

enum {
#define ENUM(id, name, lo, hi) BS_##id,
    BITSYS_PARAMS(ENUM)
#undef ENUM
        BS_COUNT
};

static const acc_param_def defs[] = {
#define DEF(id, name, lo, hi) {name, lo, hi},
    BITSYS_PARAMS(DEF)
#undef DEF
};

static const char *const baselines[] = {"mult8", NULL};
static const char *const path_name[] = {"1-bit x8", "2-bit x4", "4-bit x2", "8-bit x1"};

/* p = the smallest of {1, 2, 4, 8} holding both operands; 0 when neither fits. */
static unsigned precision(const acc_layer *l)
{
    unsigned need = l->a_bits > l->w_bits ? l->a_bits : l->w_bits;
    for (unsigned p = 1; p <= 8; p *= 2)
        if (p >= need)
            return p;
    return 0;
}

static unsigned log2u(unsigned p)
{
    return p == 1 ? 0 : p == 2 ? 1 : p == 4 ? 2 : 3;
}

static base_status cost(const acc_params *p, const acc_layer *l, int baseline, acc_cost *out)
{
    const double *v = p->v;
    unsigned prec = precision(l);
    if (prec == 0)
        return BASE_ERROR(BASE_EUNSUPPORTED,
                          "bitsys: layer '%s' A%uW%u: the 8x8 bit-PE grid takes at most 8 bits",
                          acc_layer_name(l), l->a_bits, l->w_bits);
    double m = (double)l->m, n = (double)l->n, k = (double)l->k;
    double macs = (double)out->n_macs;
    /* Each unit owns one output column at a time and streams its m x k operand pairs. */
    double col_tiles = acc_ceil_div(n, v[BS_N_UNITS]);
    if (baseline < 0) {
        double lanes = v[BS_GRID] / (double)prec;
        out->n_cycles = col_tiles * acc_ceil_div(m * k, lanes) + v[BS_PIPE];
        out->latency_ns = out->n_cycles * 1e3 / v[BS_CLOCK_MHZ];
        /* A p-bit product lights p*p bit-PEs; operands are fetched at p bits. */
        out->energy_pj = macs * (double)(prec * prec) * v[BS_E_BITPE] +
                         (m * k + k * n) * (double)prec * v[BS_E_MEM];
        out->path = path_name[log2u(prec)];
        return BASE_OK;
    }
    out->n_cycles = col_tiles * m * k + v[BS_BASE_PIPE];
    out->latency_ns = out->n_cycles * 1e3 / v[BS_BASE_CLOCK];
    out->energy_pj = macs * v[BS_E_MULT8] + (m * k + k * n) * 8.0 * v[BS_E_MEM];
    out->path = "8-bit multiplier tree";
    return BASE_OK;
}

/* Changing p rewrites the PE mask register; the pipeline fill is already charged per layer. */
static base_status mode_switch(const acc_params *p, const acc_layer *a, const acc_layer *b,
                               acc_cost *out)
{
    unsigned pa = precision(a), pb = precision(b);
    if (pa == pb || pa == 0 || pb == 0)
        return BASE_OK;
    out->n_cycles = p->v[BS_SWITCH_CYC];
    out->latency_ns = out->n_cycles * 1e3 / p->v[BS_CLOCK_MHZ];
    out->path = "precision mask switch";
    return BASE_OK;
}

const acc_model acc_bitsys_model = {
    .name = "bitsys",
    .title = "bitwise systolic array, 8x8 1-bit PEs per multiplier (Liu et al., ISQED 2025)",
    .defs = defs,
    .n_defs = BS_COUNT,
    .baselines = baselines,
    .cost = cost,
    .mode_switch = mode_switch,
};
