/* sparq.c - Sparq (Dupuis et al., NEWCAS 2023, arXiv 2306.09905): a 4-lane RISC-V vector
 * processor (modified Ara) with a multiply-shift-accumulate instruction for ULPPACK-style
 * packed sub-byte conv2d. Per MAC and lane: 1/peak(container) compute cycles, plus a load
 * term proportional to the stored activation bits, plus an unpack term for sub-16-bit data. */
#include <string.h>

#include "accel/accel_impl.h"

#define SPARQ_PARAMS(X)                                                                            \
    X(CLOCK_GHZ, "clock_ghz", 0.01, 10.0)                                                          \
    X(N_LANES, "n_lanes", 1, 64)                                                                   \
    X(MACS_16, "macs_lane_cycle_16", 0.1, 64)                                                      \
    X(MACS_P16, "macs_lane_cycle_packed16", 0.1, 64)                                               \
    X(MACS_P8, "macs_lane_cycle_packed8", 0.1, 64)                                                 \
    X(P16_MAX, "packed16_max_product", 1, 1e6)                                                     \
    X(P8_MAX, "packed8_max_product", 1, 1e6)                                                       \
    X(BASE_BITS, "baseline_bits", 1, 16)                                                           \
    X(MEM_CYC, "load_cycles_per_bit", 1e-9, 10)                                                    \
    X(UNPACK_CYC, "unpack_cycles", 1e-9, 10)                                                       \
    X(E_CYCLE, "energy_per_cycle_pj", 1e-3, 1e6)                                                   \
    X(SWITCH_CYC, "mode_switch_cycles", 0, 1e6)

enum {
#define ENUM(id, name, lo, hi) SP_##id,
    SPARQ_PARAMS(ENUM)
#undef ENUM
        SP_COUNT
};

static const acc_param_def defs[] = {
#define DEF(id, name, lo, hi) {name, lo, hi},
    SPARQ_PARAMS(DEF)
#undef DEF
};

static const char *const baselines[] = {"conv16", NULL};

typedef enum container { C_PLAIN16, C_PACKED16, C_PACKED8 } container;
static const char *const container_name[] = {"16-bit", "16-bit packed", "8-bit packed"};

/* ULPPACK's no-overflow rule: a 2-term dot product of a-bit by w-bit unsigned values must
 * fit its field, i.e. (2^a-1)(2^w-1) <= the container's limit (127 for 16-bit; the 8-bit
 * container is limited to the paper's A1W1, A2W1, A1W2, whose largest product is 3). */
static container pick_container(const double *v, unsigned a, unsigned w)
{
    if (a > 8 || w > 8)
        return C_PLAIN16;
    double prod = (double)((1u << a) - 1u) * (double)((1u << w) - 1u);
    if (prod <= v[SP_P8_MAX])
        return C_PACKED8;
    if (prod <= v[SP_P16_MAX])
        return C_PACKED16;
    return C_PLAIN16;
}

/* Bits an activation occupies in memory: sub-byte data is stored packed at the next power
 * of two (1, 2, 4, 8, 16). */
static double storage_bits(unsigned bits)
{
    unsigned s = 1;
    while (s < bits)
        s *= 2;
    return (double)s;
}

static base_status cost(const acc_params *p, const acc_layer *l, int baseline, acc_cost *out)
{
    const double *v = p->v;
    container c = C_PLAIN16;
    double store = v[SP_BASE_BITS];
    if (baseline < 0) {
        c = pick_container(v, l->a_bits, l->w_bits);
        store = storage_bits(l->a_bits);
    }
    double peak = c == C_PACKED8 ? v[SP_MACS_P8] : c == C_PACKED16 ? v[SP_MACS_P16] : v[SP_MACS_16];
    double per_mac = 1.0 / peak + v[SP_MEM_CYC] * store;
    if (store < 16.0)
        per_mac += v[SP_UNPACK_CYC];
    out->n_cycles = (double)out->n_macs * per_mac / v[SP_N_LANES];
    out->latency_ns = out->n_cycles / v[SP_CLOCK_GHZ];
    out->energy_pj = out->n_cycles * v[SP_E_CYCLE];
    out->path = baseline < 0 ? container_name[c] : "16-bit conv2d baseline";
    return BASE_OK;
}

/* Changing container means a new vsetvli and differently packed operands (packed offline):
 * a fixed number of cycles. */
static base_status mode_switch(const acc_params *p, const acc_layer *a, const acc_layer *b,
                               acc_cost *out)
{
    if (pick_container(p->v, a->a_bits, a->w_bits) == pick_container(p->v, b->a_bits, b->w_bits))
        return BASE_OK;
    out->n_cycles = p->v[SP_SWITCH_CYC];
    out->latency_ns = out->n_cycles / p->v[SP_CLOCK_GHZ];
    out->energy_pj = out->n_cycles * p->v[SP_E_CYCLE];
    out->path = "container switch";
    return BASE_OK;
}

const acc_model acc_sparq_model = {
    .name = "sparq",
    .title = "Sparq RISC-V vector processor, packed sub-byte vmacsr (Dupuis et al., NEWCAS 2023)",
    .defs = defs,
    .n_defs = SP_COUNT,
    .baselines = baselines,
    .cost = cost,
    .mode_switch = mode_switch,
};
