/* sim.h - the system model: a BF-IMNA-style AP system (architecture), the plan of a network
 * on it (mappings with AP counts from ap_core's closed-form costs), its evaluation at a
 * technology and voltage (latency, energy, area, EDP), reports, and the rival accelerator
 * models bound to apsim networks. Model: docs/SIM_MODEL.md. */
#ifndef SIM_H
#define SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "accel/accel.h"
#include "ap_core/ap.h"
#include "base/base.h"
#include "networks/net.h"
#include "tech/tech.h"

/* EDP in J*s from energy in pJ and latency in ns (1e-12 x 1e-9). */
static inline double sim_edp_js(double energy_pj, double latency_ns)
{
    return energy_pj * latency_ns * 1e-21;
}

/* ---- Architecture (BF-IMNA-style AP system) -------------------------------------------
 * Loaded from YAML (sim/arch/bf_imna.yaml is the default preset); docs/SIM_MODEL.md gives
 * every parameter's meaning and why its default was chosen. */
typedef struct sim_arch {
    char name[64];
    unsigned n_caps;             /* computation APs (2D) */
    unsigned cap_rows;           /* rows per CAP */
    unsigned cap_cols;           /* bit-columns per CAP row */
    unsigned ml_segment_cols;    /* match-line segment: cells precharged per compared column */
    unsigned n_maps;             /* memory APs (1D) */
    unsigned map_rows, map_cols; /* words per MAP and bits per word */
    double map_access_fj_per_bit;
    double bus_bits_per_cycle; /* MAP <-> CAP interconnect width */
    double bus_clock_ghz;
    double bus_energy_pj_per_bit;
    double ctrl_energy_pj_per_cycle; /* per CAP per compare or write cycle */
    double ctrl_area_fraction;       /* periphery area as a fraction of cell area */
    unsigned batch;
} sim_arch;

/* The defaults every command and input file falls back to, named once: the technology table
 * (tech/<name>.yaml) and the architecture preset (sim/arch/<name>.yaml). */
#define SIM_DEFAULT_TECH "sram"
#define SIM_DEFAULT_ARCH "bf_imna"

/* Loads an architecture file; every key is required, unknown/duplicate keys are errors. */
base_status sim_arch_load(const char *path, sim_arch *out);
/* Resolves a name ("bf_imna") or a path to a file (sim/arch/<name>.yaml under the current
 * directory, $APSIM_DATA, or the install prefix) and loads it. */
base_status sim_arch_find(const char *name_or_path, sim_arch *out);

/* ---- Plans: the technology-independent part of a run ------------------------------------
 * For each layer, every candidate mapping (K-chunk per row) with its AP counts taken from
 * ap_core's closed-form costs. A plan is built once per (network, bits, architecture) and
 * evaluated cheaply at any technology and voltage (docs/SIM_MODEL.md). */
#define SIM_MAX_CANDIDATES 24

/* AP work of one candidate mapping. Per-fold counts are identical in every fold (all CAPs
 * run the same pass sequence in lockstep); energies scale with rows actually used. */
typedef struct sim_candidate {
    uint64_t chunk_k;      /* K elements accumulated per row (0 for non-GEMM layers) */
    uint64_t n_chunks;     /* rows per output element = ceil(K / chunk_k) */
    uint64_t n_slots;      /* operand pairs a row holds at once (reloaded as MACs use them) */
    unsigned acc_bits;     /* accumulator width */
    unsigned row_cols;     /* bit-columns a row needs */
    uint64_t n_rows;       /* rows used, summed over folds */
    uint64_t n_folds;      /* sequential rounds when rows run out */
    uint64_t n_cap_rounds; /* CAPs busy, summed over folds */
    /* Per fold, per CAP (cycles): */
    uint64_t n_passes, n_compares, n_writes, n_plane_writes, n_plane_reads;
    uint64_t compared_cols;       /* sum over compares of unmasked columns */
    double written_cells_per_row; /* expected written cells per used row (uniform data) */
    double bus_bits;              /* bits moved between MAPs and CAPs, whole layer */
} sim_candidate;

typedef struct sim_layer_plan {
    uint64_t gemm_m, gemm_n, gemm_k; /* 0 for non-GEMM layers */
    net_layer_bits bits;
    size_t n_candidates;
    sim_candidate cand[SIM_MAX_CANDIDATES];
} sim_layer_plan;

typedef struct sim_plan sim_plan;

/* Builds the plan of net under bits on arch. BASE_ECAPACITY when a layer fits no candidate
 * (operands wider than a row, accumulator above 32 bits), BASE_ENOMEM. The plan borrows net
 * and bits: keep them alive while it lives. Free with sim_plan_free. */
base_status sim_plan_new(const net_network *net, const net_bitcfg *bits, const sim_arch *arch,
                         sim_plan **out);
void sim_plan_free(sim_plan *plan);
const sim_layer_plan *sim_plan_layer(const sim_plan *plan, size_t i);

/* ---- Results -------------------------------------------------------------------------- */
typedef struct sim_layer_result {
    size_t layer;      /* index into the network */
    size_t chosen;     /* index of the chosen candidate in the layer plan */
    double latency_ns; /* per inference batch */
    double energy_search_pj, energy_write_pj, energy_move_pj, energy_leak_pj, energy_periph_pj;
    double energy_pj; /* sum of the five */
    double edp_pj_ns;
} sim_layer_result;

typedef struct sim_result {
    const net_network *net;
    const net_bitcfg *bits;
    const tech_params *tech;
    sim_arch arch;
    tech_at_vdd at; /* technology figures used, with the laws that produced them */
    size_t n_layers;
    sim_layer_result *layers;                /* owned */
    double latency_ns, energy_pj, edp_pj_ns; /* per batch */
    double energy_search_pj, energy_write_pj, energy_move_pj, energy_leak_pj, energy_periph_pj;
    uint64_t macs;           /* per batch */
    double throughput_inf_s; /* inferences per second */
    double tops_per_w;       /* 2 x MACs per joule / 1e12 */
    double area_mm2;         /* CAPs + MAPs incl. periphery and controller */
    double gops_per_mm2;     /* 2 x MACs per second per mm^2 / 1e9 */
} sim_result;

/* Evaluates plan on tech at vdd_v, choosing for each layer the candidate of least EDP.
 * res->layers must hold sim_plan_n_layers(plan) entries (sim_result_new does that).
 * Errors from tech_scale (BASE_ERANGE for Vdd outside the technology's range). No
 * allocation: safe inside sweeps. */
base_status sim_plan_eval(const sim_plan *plan, const tech_params *tech, double vdd_v,
                          sim_result *res);
size_t sim_plan_n_layers(const sim_plan *plan);
base_status sim_result_new(const sim_plan *plan, sim_result **out);
void sim_result_free(sim_result *res);

/* One-shot: plan + eval. Free *out with sim_result_free. */
base_status sim_run(const net_network *net, const net_bitcfg *bits, const sim_arch *arch,
                    const tech_params *tech, double vdd_v, sim_result **out);

/* Per-layer CSV (header with units), network summary CSV and JSON. BASE_EIO on write error.
 * plan must be the one res was evaluated from. */
base_status sim_result_write_layers_csv(FILE *fp, const sim_plan *plan, const sim_result *res);
base_status sim_result_write_summary_csv(FILE *fp, const sim_result *res, int header);
base_status sim_result_write_json(FILE *fp, const sim_result *res);

/* ---- Rival accelerators on apsim networks ----------------------------------------------- */
typedef struct sim_accel {
    const acc_model *model;
    acc_params *params; /* owned */
} sim_accel;

/* Opens a model by name ("sparq", "potacc", "bitsys", "axbxp") with its calibrated
 * parameters (accel/calibrated/<name>.yaml, found like other data files). Close with
 * sim_accel_close. */
base_status sim_accel_open(const char *name, sim_accel *out);
void sim_accel_close(sim_accel *a);
/* Converts the conv/FC layers of net under bits into acc_layers (layers must hold
 * net->n_layers entries); *n_out receives how many were written. */
base_status sim_accel_layers(const net_network *net, const net_bitcfg *bits, unsigned batch,
                             acc_layer *layers, size_t *n_out);
/* Whole-network cost on the model (conv/FC only, mode switches included). */
base_status sim_accel_run(sim_accel *a, const net_network *net, const net_bitcfg *bits,
                          unsigned batch, acc_cost *total);

/* Version of the cost model, folded into the sweep journal's header with the contents of
 * every input file (experiment, networks, bit configurations, technologies, architecture,
 * published table): a journal written under another version is not reused. Bump it whenever
 * a code change alters any cost figure. */
#define SIM_MODEL_VERSION "apsim-cost-model 2026-11-23"
/* ---- Mapping pieces shared with bit-exact execution (exec/) ----------------------------- */
/* Dyadic requantization (HAWQ-V3): an integer accumulator is scaled by b / 2^c and rounded.
 * With an m-bit multiplier b the scale's relative error is at most 2^-(m-1), so an o-bit
 * result is off by at most 2^(o-m) LSB: m = o + 1 keeps it within half an LSB. apsim uses
 * that width, capped at the widest AP multiply operand. */
#define SIM_REQUANT_SCALE_BITS_MAX 16u
unsigned sim_requant_scale_bits(unsigned to_bits);
/* Row columns the requantization from from_bits to to_bits needs (0 when widening). */
unsigned sim_requant_cols(unsigned from_bits, unsigned to_bits);

/* Smallest n with 2^n >= x (0 for x <= 1). */
unsigned sim_ceil_log2(uint64_t x);

/* 1 when layer's (first) input is non-negative (produced by a ReLU, possibly through pools
 * or a flatten): such activations are unsigned and enter the signed AP multiply with one
 * extra (zero) bit. */
int sim_input_nonneg(const net_network *net, size_t layer);
/* Width at which a layer's activations enter the signed multiply: a_bits, +1 if unsigned. */
unsigned sim_act_width(const net_network *net, size_t layer, unsigned a_bits);

/* The row layout of a GEMM mapping, the one source of where a row's fields lie: the planner
 * takes its column count and operand slots from it, bit-exact execution (exec/) its fields.
 * From column 0: the operand region (n_slots activation slots of a_width bits, then n_slots
 * weight slots of w_bits; the requantization reuses it once the MACs are done, so it is as
 * wide as the wider of the two), then the fixed fields: scratch (a MAC's product, the tree's
 * temporary), the row's accumulator, the tree's accumulator (only with n_chunks > 1) and a
 * carry column. */
typedef struct sim_gemm_layout {
    unsigned a_width, w_bits, acc_bits, o_bits; /* o_bits: the result's width (<= acc_bits) */
    unsigned prod_bits;                         /* a_width + w_bits */
    uint64_t n_slots;                           /* operand pairs a row holds at once */
    unsigned act_col;                           /* slot j's activation: act_col + j * a_width */
    unsigned wt_col;                            /* slot j's weight: wt_col + j * w_bits */
    unsigned requant_col;                       /* first column of the requantization's fields */
    unsigned requant_cols;
    ap_field scratch, mac_acc, tree_acc; /* tree_acc == mac_acc with one row per output */
    unsigned carry;
    unsigned fixed_cols; /* scratch, accumulators and carry */
    unsigned row_cols;   /* the whole row */
} sim_gemm_layout;

/* The layout of a row of cap_cols columns accumulating chunk_k elements of an acc_bits dot
 * product (n_chunks rows per output), requantized to o_bits: as many operand slots as fit (at
 * most chunk_k). false when the fixed fields with one operand pair or with the
 * requantization exceed cap_cols (out is then only partly set). */
bool sim_gemm_layout_make(unsigned a_width, unsigned w_bits, unsigned acc_bits, unsigned o_bits,
                          uint64_t n_chunks, uint64_t chunk_k, unsigned cap_cols,
                          sim_gemm_layout *out);
/* Slot j's activation and weight fields. */
ap_field sim_gemm_act_field(const sim_gemm_layout *lay, uint64_t slot);
ap_field sim_gemm_wt_field(const sim_gemm_layout *lay, uint64_t slot);

/* The GEMM mapping with n_chunks rows per output (a power of two): fills c and sets *fits, or
 * leaves *fits false when this candidate does not fit a CAP row (a result, not an error).
 * BASE_ECAPACITY (with a message) when the accumulator exceeds 32 bits, whatever the
 * mapping; errors of the op costs. */
base_status sim_gemm_candidate(const sim_arch *arch, uint64_t m, uint64_t n, uint64_t k,
                               unsigned a_width, unsigned a_bits, unsigned w_bits, unsigned o_bits,
                               uint64_t n_chunks, sim_candidate *c, bool *fits);
/* Adds the dyadic requantization from from_bits to to_bits (nothing when widening). */
base_status sim_requant_program(sim_candidate *c, unsigned from_bits, unsigned to_bits);
/* 1 when layers i and j do identical AP work (same shape, kind and bits). */
int sim_layer_same_work(const net_network *net, const net_bitcfg *bits, size_t i, size_t j);

/* Label of a bit configuration from its inner conv/FC layers (all but the first and the
 * last, which HAWQ-V3's INT4 and common practice keep at 8 bits; all of them when there are
 * two or fewer): "INT8" / "INT4" when every one is at w = a = 8 / 4, "INTn" for other equal
 * widths, "WxAy" for other uniform widths, "mixed" otherwise. Writes into buf; returns it. */
const char *sim_bits_label(const net_network *net, const net_bitcfg *bits, char *buf, size_t cap);
/* Name of a bit configuration in outputs: its scheme when it has one, else its name. */
static inline const char *sim_bits_name(const net_bitcfg *bits)
{
    return bits->scheme ? bits->scheme : bits->name;
}

#endif /* SIM_H */
