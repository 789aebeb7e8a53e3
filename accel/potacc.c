/* potacc.c - PoTAcc (Saha, Haris, Cano, ICECS 2024, arXiv 2409.20403; github.com/gicLAB/PoTAcc):
 * power-of-two weights (<= 4 bits) on shift-PEs, int8 weights on multiplier PEs, in 4 GEMM
 * units x 64 MAC/cycle on a PYNQ-Z2 FPGA at 200 MHz; im2col and grouped convolutions on the
 * dual Cortex-A9. Latency = CPU im2col + DMA + GEMM; energy = board power x time + per-op. */
#include <string.h>

#include "accel/accel_impl.h"

#define POTACC_PARAMS(X)                                                                           \
    X(CLOCK_MHZ, "clock_mhz", 1, 1e4)                                                              \
    X(N_UNITS, "n_gemm_units", 1, 1024)                                                            \
    X(MULT_MACS, "mult_macs_per_unit_cycle", 1, 1e5)                                               \
    X(SHIFT_MACS, "shift_macs_per_unit_cycle", 1, 1e5)                                             \
    X(DMA_BPNS, "dma_bytes_per_ns", 1e-3, 1e3)                                                     \
    X(OUT_BYTES, "output_bytes", 1, 8)                                                             \
    X(IM2COL_BPNS, "cpu_im2col_bytes_per_ns", 1e-3, 1e3)                                           \
    X(CPU_MACS, "cpu_gemm_macs_per_ns", 1e-3, 1e3)                                                 \
    X(BOARD_MW, "board_static_mw", 0, 1e5)                                                         \
    X(CPU_MW, "cpu_active_mw", 0, 1e5)                                                             \
    X(FPGA_MW, "fpga_static_mw", 1e-3, 1e5)                                                        \
    X(E_MULT, "e_mult_mac_pj", 1e-4, 1e4)                                                          \
    X(E_SHIFT, "e_shift_mac_pj", 1e-4, 1e4)                                                        \
    X(E_DMA, "e_dma_pj_per_byte", 0, 1e4)                                                          \
    X(SWITCH_NS, "mode_switch_ns", 0, 1e9)

enum {
#define ENUM(id, name, lo, hi) PA_##id,
    POTACC_PARAMS(ENUM)
#undef ENUM
        PA_COUNT
};

static const acc_param_def defs[] = {
#define DEF(id, name, lo, hi) {name, lo, hi},
    POTACC_PARAMS(DEF)
#undef DEF
};

enum { B_MULT, B_CPU };
static const char *const baselines[] = {"mult", "cpu", NULL};

/* Grouped (depthwise) convolutions are not offloaded: the TFLite delegate PoTAcc builds on
 * offloads CONV_2D and FULLY_CONNECTED only. */
static int on_cpu(const acc_layer *l)
{
    return l->is_conv && l->groups > 1;
}

/* Whether the layer needs an im2col copy on the CPU: every conv except 1x1 stride 1. */
static int needs_im2col(const acc_layer *l)
{
    return l->is_conv && !(l->kh == 1 && l->kw == 1 && l->stride == 1);
}

static base_status cost(const acc_params *p, const acc_layer *l, int baseline, acc_cost *out)
{
    const double *v = p->v;
    if (l->a_bits > 8 || l->w_bits > 8)
        return BASE_ERROR(BASE_EUNSUPPORTED,
                          "potacc: layer '%s' A%uW%u: the datapath takes int8 activations and "
                          "at most 8-bit weights",
                          acc_layer_name(l), l->a_bits, l->w_bits);
    double macs = (double)out->n_macs;
    double cpu_mw = v[PA_BOARD_MW] + v[PA_CPU_MW];
    double t_im2col =
        needs_im2col(l) ? (double)l->m * (double)l->k * (double)l->groups / v[PA_IM2COL_BPNS] : 0;
    if (baseline == B_CPU || on_cpu(l)) {
        /* Everything on the CPU; on the accelerated systems the FPGA idles meanwhile. */
        double t = macs / v[PA_CPU_MACS] + t_im2col;
        double fpga = baseline == B_CPU ? 0 : v[PA_FPGA_MW];
        out->latency_ns = t;
        out->energy_pj = (cpu_mw + fpga) * t;
        out->n_cycles = t * v[PA_CLOCK_MHZ] * 1e-3;
        out->path = baseline == B_CPU ? "CPU-only" : "CPU (grouped conv)";
        return BASE_OK;
    }
    /* Shift path for PoT weights of up to 4 bits (sign + 3-bit exponent code, stored as 4
     * bits); int8 multipliers for wider weights and for the multiplier baseline. */
    int shift = baseline < 0 && l->w_bits <= 4;
    double w_bytes = shift ? 0.5 : 1.0;
    double bytes = (double)l->m * (double)l->k * (double)l->groups +
                   (double)l->k * (double)l->n * w_bytes +
                   (double)l->m * (double)l->n * v[PA_OUT_BYTES];
    double rate = v[PA_N_UNITS] * (shift ? v[PA_SHIFT_MACS] : v[PA_MULT_MACS]);
    double gemm_cycles = macs / rate;
    double t_gemm = gemm_cycles * 1e3 / v[PA_CLOCK_MHZ];
    double t_dma = bytes / v[PA_DMA_BPNS];
    double t = t_im2col + t_dma + t_gemm;
    out->latency_ns = t;
    out->n_cycles = t * v[PA_CLOCK_MHZ] * 1e-3;
    out->energy_pj = (v[PA_BOARD_MW] + v[PA_FPGA_MW]) * t + v[PA_CPU_MW] * t_im2col +
                     macs * (shift ? v[PA_E_SHIFT] : v[PA_E_MULT]) + bytes * v[PA_E_DMA];
    out->path = shift ? "PoT shift-PE" : "int8 multiplier";
    return BASE_OK;
}

static int mode_of(const acc_layer *l)
{
    return on_cpu(l) ? 2 : l->w_bits <= 4 ? 1 : 0;
}

/* Moving between the shift and multiplier GEMM paths rewrites the accelerator's
 * configuration registers and drains its pipeline; CPU-run layers change nothing. */
static base_status mode_switch(const acc_params *p, const acc_layer *a, const acc_layer *b,
                               acc_cost *out)
{
    int ma = mode_of(a), mb = mode_of(b);
    if (ma == mb || ma == 2 || mb == 2)
        return BASE_OK;
    out->latency_ns = p->v[PA_SWITCH_NS];
    out->n_cycles = out->latency_ns * p->v[PA_CLOCK_MHZ] * 1e-3;
    out->energy_pj = (p->v[PA_BOARD_MW] + p->v[PA_FPGA_MW]) * out->latency_ns;
    out->path = "PE path switch";
    return BASE_OK;
}

const acc_model acc_potacc_model = {
    .name = "potacc",
    .title = "PoTAcc power-of-two shift-PE GEMM accelerator on PYNQ-Z2 (Saha et al., ICECS 2024)",
    .defs = defs,
    .n_defs = PA_COUNT,
    .baselines = baselines,
    .cost = cost,
    .mode_switch = mode_switch,
};
