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
/* How a compare precharges the match lines (cap.ml_precharge): the whole row, only the
 * segments its compared columns lie in, or those segments in column order, each only in the
 * rows whose earlier segments matched (pipelined hierarchical search, Pagiamtzis and
 * Sheikholeslami, IEEE JSSC 39(9), 2004). */
typedef enum sim_precharge {
    SIM_PRECHARGE_SELECTIVE,
    SIM_PRECHARGE_FULL,
    SIM_PRECHARGE_PIPELINED
} sim_precharge;

/* What an architecture is: a BF-IMNA-style AP whose costs come from pass programs and
 * technology tables, or a chip whose vector operations' costs come from a measured table
 * (sim/arch/gsi_apu.yaml; model in sim_vec.c and docs/SIM_MODEL.md, "Measured-table
 * architectures"). */
typedef enum sim_arch_kind { SIM_ARCH_AP, SIM_ARCH_MEASURED } sim_arch_kind;

/* Whole-register vector operations of a measured-table architecture, X(ENUM, "yaml key"):
 * cycles per call on every lane of one core's register, at the table's element width. */
#define SIM_VOP_LIST(X)                                                                            \
    X(ADD, "add", "element-wise add")                                                              \
    X(MUL, "mul", "element-wise multiply")                                                         \
    X(COMPARE, "compare", "compare into a marker (carry or sign or max)")                          \
    X(MASKED_COPY, "masked_copy", "copy where a marker is set")                                    \
    X(MARKER_ADD, "marker_add", "add an immediate where a marker is set (carry in)")               \
    X(SHIFT, "shift", "shift right by an immediate")                                               \
    X(RESET, "reset", "clear a register")                                                          \
    X(LOAD, "load", "one L1 vector-memory register into a register")                               \
    X(STORE, "store", "a register into L1")                                                        \
    X(INDEX, "index", "build the subgroup index a duplicate uses")                                 \
    X(DUPLICATE, "duplicate", "replicate one subgroup across its group")

#define SIM_X_ENUM(e, name, what) SIM_VOP_##e,
typedef enum sim_vop { SIM_VOP_LIST(SIM_X_ENUM) SIM_VOP_COUNT } sim_vop;
#undef SIM_X_ENUM

/* Where a GEMM's weights live on a measured chip: the planner's choice (auto: resident in
 * L1 when they fit, else streamed, whichever has the least EDP), or one of the two forced. */
typedef enum sim_vec_weights {
    SIM_VEC_WEIGHTS_AUTO,
    SIM_VEC_WEIGHTS_RESIDENT,
    SIM_VEC_WEIGHTS_STREAMED
} sim_vec_weights;

/* A linear cost fit, cycles = fixed + per_unit x units (DMA per byte, lookup per entry). */
typedef struct sim_fit {
    double fixed_cycles, cycles_per_unit;
} sim_fit;

/* The measured table of a SIM_ARCH_MEASURED architecture (every figure from its file, each
 * with its source there). */
typedef struct sim_measured {
    char technology[64];     /* the chip's process, as reports name it */
    double node_nm;          /* its CMOS node */
    double clock_mhz;        /* the clock the cycle counts are at */
    unsigned cores;          /* cores, each with its own registers, L1 and controller */
    unsigned lanes;          /* elements per vector register of one core */
    unsigned element_bits;   /* the width every measured op works at */
    unsigned group_lanes;    /* GEMM outputs one vector op produces (lanes one layout fills) */
    unsigned copies;         /* copies of each loaded operand a core receives (one per APC) */
    double l1_bytes;         /* L1 vector memory per core */
    sim_vec_weights weights; /* the weight dataflows the planner may choose from */
    double op_cycles[SIM_VOP_COUNT];
    sim_fit lookup;           /* gather from L3 into a register, per table entry */
    sim_fit l4_l3;            /* bulk DMA device memory -> L3, per byte */
    sim_fit l4_l2;            /* DMA device memory -> L2, per byte of one transfer */
    double l4_l2_chunk_bytes; /* bytes per L4 -> L2 transfer */
    double l2_l1_cycles;      /* one register's worth L2 -> L1 */
    double l4_l1_cycles;      /* one register's worth device memory -> L1 (direct) */
    double l1_l4_cycles;      /* one register's worth L1 -> device memory (direct) */
    double idle_w, running_w; /* measured board power, idle and running */
} sim_measured;

typedef struct sim_arch {
    char name[64];
    sim_arch_kind kind;
    sim_measured measured;           /* SIM_ARCH_MEASURED only */
    unsigned n_caps;                 /* computation APs (2D) */
    unsigned cap_rows;               /* rows per CAP */
    unsigned cap_cols;               /* bit-columns per CAP row */
    unsigned ml_segment_cols;        /* match-line segment width (columns) */
    sim_precharge ml_precharge;      /* which segments a compare precharges */
    bool map_auto;                   /* MAP capacity sized from the network (else n_maps banks) */
    unsigned n_maps;                 /* memory APs (1D): banks of map_rows x map_cols bits */
    unsigned map_rows, map_cols;     /* words per MAP and bits per word */
    char map_tech[64];               /* MAP technology table, "auto" or "cap" (docs/SIM_MODEL.md) */
    double map_periphery_fj_per_bit; /* bank decoders, sense amps, routing per bit accessed */
    double bus_bits_per_cycle;       /* MAP <-> CAP interconnect width */
    double bus_clock_ghz;            /* at the technology's nominal Vdd (delay law elsewhere) */
    double bus_energy_pj_per_bit;    /* point to point, at nominal Vdd */
    double bus_broadcast_energy_pj_per_bit; /* one bit to every CAP, at nominal Vdd */
    double ctrl_energy_pj_per_cycle;        /* per CAP per cycle, at nominal Vdd */
    double ctrl_area_fraction;              /* periphery area as a fraction of array area */
    bool power_gating;                      /* idle CAPs and unused MAP banks are gated */
    double wake_energy_fj_per_bit;          /* waking a gated array, per bit, at nominal Vdd */
    double wake_latency_ns;                 /* per layer that wakes CAPs */
    unsigned batch;
    double node_nm; /* 0: as written; else the CMOS node the plan moves the MAP table and the
                       CMOS figures above to from SIM_ARCH_NODE_NM (bus, controller, MAP
                       periphery, wake-up; sim_plan_new), set by --node and node_nm; the CAP
                       table is the caller's, moved with tech_params_at_node (docs/TECH.md) */
} sim_arch;

/* The defaults every command and input file falls back to, named once: the technology table
 * (tech/<name>.yaml) and the architecture preset (sim/arch/<name>.yaml). */
#define SIM_DEFAULT_TECH "sram"
#define SIM_DEFAULT_ARCH "bf_imna"
/* The MAP technology "auto" picks for CMOS CAPs (tech/<name>.yaml): memory leaks, so
 * low-standby devices. Non-volatile CAPs keep their MAPs in the same device. */
#define SIM_MAP_TECH_CMOS "sram_lstp"
/* The node at which the shipped architecture's CMOS figures (bus, controller, MAP periphery,
 * wake-up energies; bus clock) are estimated: sim/arch/bf_imna.yaml's 28 nm design point. */
#define SIM_ARCH_NODE_NM 28.0

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

/* ---- Phases, components and placements: the rows of every breakdown ---------------------
 * X(ENUM, "name"). Phases say what the energy was spent on (energy_by_phase_mj), components
 * which hardware spent it (energy_by_component_mj); both sum to the total. Model and hand
 * calculation: docs/SIM_MODEL.md, docs/VALIDATION.md. */
#define SIM_PHASE_LIST(X)                                                                          \
    X(MAC, "mac")                   /* multiply-accumulate passes */                               \
    X(REDUCTION, "reduction")       /* the 2D-AP tree over an output's rows */                     \
    X(REQUANT, "requant")           /* dyadic requantization (and its multiplier load) */          \
    X(ELEMENTWISE, "elementwise")   /* ReLU, pooling, residual add passes */                       \
    X(OPERAND_LOAD, "operand_load") /* operands into CAP rows, read from the MAP */                \
    X(TRANSFER, "transfer")         /* interconnect, result read-out, MAP writes */                \
    X(STATIC, "static")             /* leakage and wake-up over the run time */

#define SIM_COMPONENT_LIST(X)                                                                      \
    X(CAP_MATCHLINE, "cap_matchline")   /* match-line segments precharged by compares */           \
    X(CAP_SEARCHLINE, "cap_searchline") /* search lines driven for compared columns */             \
    X(CAP_WRITE, "cap_write")           /* cells written by passes, clears and loads */            \
    X(CAP_LEAKAGE, "cap_leakage")       /* CAP cells powered during the run */                     \
    X(CAP_WAKEUP, "cap_wakeup")         /* waking power-gated CAPs */                              \
    X(MAP_ACCESS, "map_access")         /* MAP word reads and writes */                            \
    X(MAP_LEAKAGE, "map_leakage")       /* MAP cells holding data */                               \
    X(BUS, "bus")                       /* MAP <-> CAP interconnect */                             \
    X(CONTROLLER, "controller")         /* key/mask registers and drivers, per CAP cycle */        \
    X(MEASURED, "measured_dynamic")     /* a measured chip: its dynamic power over busy time */

#define SIM_AREA_LIST(X)                                                                           \
    X(CAP_CELLS, "cap_cells")                                                                      \
    X(CAP_PERIPHERY, "cap_periphery")                                                              \
    X(MAP_CELLS, "map_cells")                                                                      \
    X(MAP_PERIPHERY, "map_periphery")                                                              \
    X(CONTROLLER, "controller")

/* Where a GEMM row's operand slots lie: all activations then all weights (grouped), or each
 * slot's activation beside its weight (paired). A mapping choice: it decides how many
 * match-line segments the multiply's compares span. */
#define SIM_PLACEMENT_LIST(X)                                                                      \
    X(GROUPED, "grouped")                                                                          \
    X(PAIRED, "paired")

/* How a GEMM layer's operands reach the rows (a mapping choice, docs/SIM_MODEL.md):
 * weights per row or broadcast once to every row that needs them; activations per row
 * (im2col copies) or fetched once per fold and multicast. */
#define SIM_DATAFLOW_LIST(X)                                                                       \
    X(ROW_ROW, "w_row+a_row")                                                                      \
    X(BCAST_ROW, "w_bcast+a_row")                                                                  \
    X(ROW_MCAST, "w_row+a_mcast")                                                                  \
    X(BCAST_MCAST, "w_bcast+a_mcast")

#define SIM_X_ENUM(e, name) SIM_PHASE_##e,
typedef enum sim_phase { SIM_PHASE_LIST(SIM_X_ENUM) SIM_PHASE_COUNT } sim_phase;
#undef SIM_X_ENUM
#define SIM_X_ENUM(e, name) SIM_COMP_##e,
typedef enum sim_component { SIM_COMPONENT_LIST(SIM_X_ENUM) SIM_COMP_COUNT } sim_component;
#undef SIM_X_ENUM
#define SIM_X_ENUM(e, name) SIM_AREA_##e,
typedef enum sim_area_part { SIM_AREA_LIST(SIM_X_ENUM) SIM_AREA_COUNT } sim_area_part;
#undef SIM_X_ENUM
#define SIM_X_ENUM(e, name) SIM_PLACE_##e,
typedef enum sim_placement { SIM_PLACEMENT_LIST(SIM_X_ENUM) SIM_PLACE_COUNT } sim_placement;
#undef SIM_X_ENUM
#define SIM_X_ENUM(e, name) SIM_FLOW_##e,
typedef enum sim_dataflow { SIM_DATAFLOW_LIST(SIM_X_ENUM) SIM_FLOW_COUNT } sim_dataflow;
#undef SIM_X_ENUM

const char *sim_phase_name(sim_phase p);
const char *sim_component_name(sim_component c);
const char *sim_area_name(sim_area_part a);
const char *sim_placement_name(sim_placement p);
const char *sim_dataflow_name(sim_dataflow d);

/* CAP work of one phase, per fold, per used row (every CAP runs the same pass sequence in
 * lockstep). Counted from the op programs run on a one-row-group array with the layout's
 * real columns (sim_plan.c), which bit-exact execution equals (tests). */
typedef struct sim_work {
    uint64_t n_compares, n_writes;          /* cycles; a pass is one of each */
    uint64_t n_plane_writes, n_plane_reads; /* cycles; a plane read is a one-column compare */
    uint64_t compared_cols;                 /* search lines driven, summed over compares */
    double ml_segments[SIM_PLACE_COUNT];    /* match-line segments spanned, summed over compares */
    double ml_pipelined[SIM_PLACE_COUNT];   /* expected segments precharged when pipelined */
    double written_cells; /* cells written by passes and clears (expected, uniform data) */
    double driven_cells;  /* cells driven by plane writes (operand loads, tree moves) */
} sim_work;

/* AP work and data movement of one candidate mapping. */
typedef struct sim_candidate {
    uint64_t chunk_k;      /* K elements accumulated per row (0 for non-GEMM layers) */
    uint64_t n_chunks;     /* rows per output element = ceil(K / chunk_k) */
    uint64_t n_slots;      /* operand pairs a row holds at once (reloaded as MACs use them) */
    unsigned acc_bits;     /* accumulator width */
    unsigned row_cols;     /* bit-columns a row needs */
    uint64_t n_rows;       /* rows used, summed over folds */
    uint64_t n_folds;      /* sequential rounds when rows run out */
    uint64_t n_cap_rounds; /* CAPs busy, summed over folds */
    /* Per fold, per CAP (cycles), all phases together: */
    uint64_t n_passes, n_compares, n_writes, n_plane_writes, n_plane_reads;
    sim_work work[SIM_PHASE_COUNT]; /* STATIC holds nothing */
    sim_work total;                 /* the phases summed: what the mapping search scores */
    double max_col_writes;          /* per fold: writes into a row's most written column */
    /* Data movement, whole layer (bits). Activations and weights per dataflow choice: */
    double act_bits_row, act_bits_mcast; /* per-row im2col copies / once per fold */
    double wt_bits_row, wt_bits_bcast;   /* per row / once per fold to every row */
    double out_bits;                     /* results back to the MAP */
    double tree_bus_bits;    /* partial sums a tree spanning CAPs moves between them (avgpool) */
    double map_touched_bits; /* distinct MAP bits the layer reads or writes */
    bool has_dataflow;       /* GEMM: the dataflow choice applies */
    /* Measured-table architectures (sim_vec.c) instead of the AP work above: busy cycles per
     * phase summed over cores (energy), the busiest core's cycles (latency), and the weights'
     * dataflow ("w_resident" in L1 or "w_streamed" per group; NULL for other layers); n_passes
     * holds the vector ops issued over the whole layer (n_folds 1). */
    double vec_cycles[SIM_PHASE_COUNT];
    double vec_latency_cycles;
    const char *vec_flow;
} sim_candidate;

typedef struct sim_layer_plan {
    uint64_t gemm_m, gemm_n, gemm_k; /* 0 for non-GEMM layers */
    net_layer_bits bits;
    size_t n_candidates;
    sim_candidate cand[SIM_MAX_CANDIDATES];
    /* A GEMM whose input is stored wider than a_bits (a residual sum feeding a conv)
     * requantizes it first: one row per input element (has_pre). */
    bool has_pre;
    sim_candidate pre;
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
    size_t layer;  /* index into the network */
    size_t chosen; /* index of the chosen candidate in the layer plan */
    sim_placement placement;
    sim_dataflow dataflow;
    double latency_ns; /* per batch */
    double energy_pj;  /* sum of either breakdown */
    double by_component_pj[SIM_COMP_COUNT];
    double by_phase_pj[SIM_PHASE_COUNT];
    double edp_pj_ns;
    double cap_cell_writes; /* CAP cells written (NVM: flipped), whole layer */
    double max_cell_writes; /* upper bound on writes into one CAP cell, whole layer */
    double map_write_bits;  /* MAP bits written (results) */
    double active_caps;     /* CAPs powered per fold (mean) */
} sim_layer_result;

/* Peak: every row of every CAP running the network's MAC programs back to back (100%
 * utilisation, no loads, trees, requantization or transfers), weighted by each layer's MACs. */
typedef struct sim_peak {
    double tops_per_w, gops_per_mm2;
    double energy_per_mac_pj; /* array + controller + CAP leakage at full occupancy */
} sim_peak;

/* Wear of one run: writes per cell per inference and the lifetime they leave a technology of
 * finite endurance (0 and +inf for CMOS). max is an upper bound: every write aimed at the most
 * written column counts, tagged or not. */
typedef struct sim_wear {
    double cap_mean, cap_max, map_mean, map_max; /* writes per cell per inference */
    double endurance_writes;                     /* CAP technology; 0 = unlimited */
    double lifetime_inferences;                  /* +inf when unlimited */
} sim_wear;

typedef struct sim_result {
    const net_network *net;
    const net_bitcfg *bits;
    const tech_params *tech;     /* the CAPs' */
    const tech_params *map_tech; /* the MAPs' (may equal tech) */
    sim_arch arch;
    tech_at_vdd at;     /* CAP technology figures used, with the laws that produced them */
    tech_at_vdd map_at; /* MAP technology figures */
    size_t n_layers;
    sim_layer_result *layers;                /* owned */
    double latency_ns, energy_pj, edp_pj_ns; /* per batch */
    double by_component_pj[SIM_COMP_COUNT];
    double by_phase_pj[SIM_PHASE_COUNT];
    double area_by_part_mm2[SIM_AREA_COUNT];
    uint64_t macs;           /* per batch */
    double throughput_inf_s; /* inferences per second */
    double tops_per_w;       /* achieved: 2 x MACs per joule / 1e12 */
    double area_mm2;         /* CAPs + MAPs incl. periphery and controller */
    double gops_per_mm2;     /* achieved: 2 x MACs per second per mm^2 / 1e9 */
    double map_bits;         /* MAP capacity in use (auto-sized or the banks holding data) */
    sim_peak peak;
    sim_wear wear;
    double idle_energy_pj; /* a measured chip's idle power over the run: apart from energy_pj */
    char note[256];        /* a capacity or model effect the user should know, or "" */
} sim_result;

/* The technology a result names: the CAP table's, or a measured chip's process. */
const char *sim_result_tech_name(const sim_result *res);
const char *sim_result_map_tech_name(const sim_result *res);

/* One row of the energy-per-action table (like Accelergy's ERT) at the result's Vdd. */
typedef struct sim_ert_row {
    sim_component component;
    const char *action; /* static string */
    double energy_pj;
} sim_ert_row;
#define SIM_ERT_MAX 16
/* Fills rows (SIM_ERT_MAX entries) from res; returns how many. */
size_t sim_result_ert(const sim_result *res, sim_ert_row *rows);

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
/* The energy-per-action table as CSV (component,action,energy_pj). */
base_status sim_result_write_ert_csv(FILE *fp, const sim_result *res);

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

/* ---- Rivals on one basis (sim_accel.c; docs/ACCEL.md, "One basis") ---------------------
 * Each rival's model gives energy and latency on its own platform. On the AP's basis a rival
 * is moved to the AP technology's node and supply: an FPGA design first becomes an ASIC at the
 * FPGA's node by the FPGA-to-ASIC gap of Kuon and Rose (IEEE TCAD 26(2), 2007), then every
 * ASIC is moved with the Stillmaker-Baas node factors (tech_node_factors). */
#define SIM_FPGA_GAP_DELAY 3.5  /* critical-path delay, FPGA/ASIC: "roughly 3 to 4" */
#define SIM_FPGA_GAP_POWER 14.0 /* dynamic power at one clock, FPGA/ASIC: "approximately 14" */
#define SIM_FPGA_GAP_AREA  35.0 /* logic-only area, FPGA/ASIC: "on average 35" */
/* Energy per operation: Kuon and Rose compare dynamic power at the same clock, so power over
 * the same time is energy over the same work: the energy gap is the power gap. The ASIC's
 * shorter delay changes latency, not the energy of an operation. */
#define SIM_FPGA_GAP_ENERGY SIM_FPGA_GAP_POWER

/* The platform a rival's figures belong to, with public sources (table in sim_accel.c). */
typedef struct sim_accel_platform {
    const char *model;  /* accel/ model name */
    int fpga;           /* 1: an FPGA design */
    double node_nm;     /* 0: not published; the rival is assumed at the basis [est] */
    double vdd_v;       /* core supply; 0: the node's nominal (tech_node_vdd) [est] */
    const char *device; /* e.g. "GF 22FDX" (no commas) */
    const char *source; /* where the node and supply come from */
} sim_accel_platform;

/* How a rival's native figures become figures on the basis: native x latency (energy, area). */
typedef struct sim_accel_basis {
    int native; /* 1: left on the rival's own platform */
    const sim_accel_platform *platform;
    double node_nm, vdd_v;                  /* the basis: the AP technology's node and supply */
    double from_vdd_v;                      /* the platform's supply used (nominal when unknown) */
    int vdd_est;                            /* from_vdd_v is the node's nominal [est] */
    double gap_delay, gap_energy, gap_area; /* FPGA-to-ASIC divisors; 1 for an ASIC */
    tech_node_factors_t node;               /* platform node and supply -> basis; 1 when unknown */
    double latency, energy, area;           /* total factors applied to the native figures */
    char label[200];                        /* the conversion in words, CSV-safe (no commas) */
} sim_accel_basis;

/* The platform record of model (one per accel/ model); BASE_ENOTFOUND for another name. */
base_status sim_accel_platform_of(const char *model, const sim_accel_platform **out);
/* The conversion of model's figures to (node_nm, vdd_v); native != 0 gives factors of 1 and
 * the label "native <platform>". Errors: sim_accel_platform_of's, tech_node_factors' (a node
 * outside 7..180 nm or a supply where the fits are not positive), wrapped with the model. */
base_status sim_accel_basis_at(const char *model, double node_nm, double vdd_v, int native,
                               sim_accel_basis *out);
/* The basis of an AP technology at supply vdd_v: its node and that supply. */
base_status sim_accel_basis_of_tech(const char *model, const tech_params *tech, double vdd_v,
                                    int native, sim_accel_basis *out);
/* Multiplies c's latency and energy by the basis' factors (cycles and MACs unchanged). */
void sim_accel_basis_apply(const sim_accel_basis *b, acc_cost *c);

/* Version of the cost model, folded into the sweep journal's header with the contents of
 * every input file (experiment, networks, bit configurations, technologies, architecture,
 * published table): a journal written under another version is not reused. Bump it whenever
 * a code change alters any cost figure. */
#define SIM_MODEL_VERSION "apsim-cost-model 2026-12-01"
/* ---- Mapping pieces shared with bit-exact execution (exec/) ----------------------------- */
/* Widest operand field the planner's layer programs use (the executor stages row values in
 * 32-bit buffers and requantizes through 16-bit multiplies). ap_core takes fields up to
 * AP_WIDTH_MAX (64) bits, which the ONNX integer conformance cases use. */
#define SIM_OPERAND_BITS_MAX 16u
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
/* CAPs one group of group_rows rows spans: 1 when it fits a CAP, else group_rows over the
 * largest power of two within cap_rows (group_rows a power of two; sim_plan.c). */
uint64_t sim_group_span(const sim_arch *arch, uint64_t group_rows);
/* Output groups of group_rows rows one fold holds: cap_rows / group_rows per CAP on every CAP,
 * or n_caps / span when a group spans CAPs (0: a group needs more CAPs than there are). */
uint64_t sim_outputs_per_fold(const sim_arch *arch, uint64_t group_rows);

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
    unsigned fixed_cols;     /* scratch, accumulators and carry */
    unsigned row_cols;       /* the whole row */
    sim_placement placement; /* GROUPED unless sim_gemm_layout_place says otherwise */
} sim_gemm_layout;

/* The layout of a row of cap_cols columns accumulating chunk_k elements of an acc_bits dot
 * product (n_chunks rows per output), requantized to o_bits: as many operand slots as fit (at
 * most chunk_k). false when the fixed fields with one operand pair or with the
 * requantization exceed cap_cols (out is then only partly set). */
bool sim_gemm_layout_make(unsigned a_width, unsigned w_bits, unsigned acc_bits, unsigned o_bits,
                          uint64_t n_chunks, uint64_t chunk_k, unsigned cap_cols,
                          sim_gemm_layout *out);
/* Places the operand slots (the region is the same size either way). */
void sim_gemm_layout_place(sim_gemm_layout *lay, sim_placement placement);
/* Slot j's activation and weight fields. */
ap_field sim_gemm_act_field(const sim_gemm_layout *lay, uint64_t slot);
ap_field sim_gemm_wt_field(const sim_gemm_layout *lay, uint64_t slot);

/* The row program of the hard activations and the element-wise product (sim_act.c), one
 * output per row, shared by the planner's trace and bit-exact execution (exec/exec_kinds.c):
 * the fields, then the ops after the loads. hardsigmoid: t := x + three (x sign-extended to
 * w = a + 1 bits), t := max(t, 0), then min(t, six) as six - max(six - t, 0) (six := six - t,
 * six := max(six, 0), top := top - six, top a second copy of six); hardswish: then
 * p := x * top (a + w bits); mul: p := x * y (2a bits). */
typedef struct sim_act_fields {
    ap_field x;     /* hardswish, mul: x at a bits */
    ap_field y;     /* mul: the second operand at a bits */
    ap_field t;     /* hard*: x sign-extended to a + 1 bits, then x + three */
    ap_field three; /* hard*: the constant three, loaded in every row */
    ap_field six;   /* hard*: the constant six = 2 three, then max(six - t, 0) */
    ap_field top;   /* hard*: six again, then min(t, six) */
    ap_field prod;  /* hardswish, mul: the product */
    ap_field result;
    unsigned carry;
    unsigned cols; /* columns used: the next free column */
} sim_act_fields;
/* The fields of kind (NET_HARDSWISH, NET_HARDSIGMOID or NET_MUL) at a-bit inputs. */
void sim_act_layout(net_kind kind, unsigned a, sim_act_fields *f);
/* The kind's ops on arr after its fields are loaded; the result is left in f->result.
 * ap_core's errors (BASE_EINVAL for operands past 16 bits). */
base_status sim_act_ops(ap_array *arr, net_kind kind, const sim_act_fields *f);
/* Result bits before requantization: hardsigmoid a + 1, hardswish 2a + 1, mul 2a. */
unsigned sim_act_result_bits(net_kind kind, unsigned a);

/* The GEMM mapping with n_chunks rows per output (a power of two): fills c and sets *fits, or
 * leaves *fits false when this candidate does not fit a CAP row (a result, not an error).
 * BASE_ECAPACITY (with a message) when the accumulator exceeds 32 bits, whatever the
 * mapping; errors of the op costs. */
base_status sim_gemm_candidate(const sim_arch *arch, uint64_t m, uint64_t n, uint64_t k,
                               unsigned a_width, unsigned a_bits, unsigned w_bits, unsigned o_bits,
                               uint64_t n_chunks, sim_candidate *c, bool *fits);
/* The GEMM the AP runs for a layer of a kind mapped onto the GEMM row program other than
 * conv/fc (sim_plan_tensor.c): a deconv as a stride-1 conv over its zero-inserted input
 * (M = output pixels x batch, N = c_out, K = c_in kh kw / groups), a matmul (M = C H x batch,
 * N, K; its "weights" are operand b, at a_bits), a bilinear resize (M = outputs x batch, N =
 * 1, K = 4 taps, the fixed-point weights at sim_bilinear_w_bits). Operand widths: a_width
 * (sim_act_width) and w_bits; the accumulator is a_width + w_bits + ceil(log2 K). false for
 * other kinds. */
typedef struct sim_ap_gemm {
    uint64_t m, n, k;
    unsigned a_width, w_bits;
} sim_ap_gemm;
bool sim_layer_ap_gemm(const net_network *net, size_t li, const net_layer_bits *b, unsigned batch,
                       sim_ap_gemm *out);
/* Signed width of the 2-D bilinear weights of an integer factor s (half_pixel): products of
 * per-axis weights in 0..2s (units of 1/(2s)), at most (2s)^2. */
unsigned sim_bilinear_w_bits(int scale);

/* ---- Table kinds (sim_softmax.c): the integer softmax over channels and its row layout -----
 * One group of G = 2^ceil(log2 C) rows per pixel, row j holding channel j (rows j >= C are
 * padding: the most negative input, a cleared valid flag). With a-bit signed inputs x, the
 * group maximum m (tree, then broadcast), d = m - x (a-bit unsigned), the exponential by
 * table E = T[d] (e bits; T[d] = round(exp(-d s) (2^e - 1)), built in exec/), written as the
 * numerator E * 2^p (p = a - 1), padding cleared, the group sum S (e + log2 G bits, tree, then
 * broadcast) and the quotient y = floor(E 2^p / S) in 0 .. 2^p: a non-negative a + 1-bit
 * result (docs/INFERENCE.md). The widths keep the division within the AP's operand limit. */
typedef struct sim_softmax_layout {
    unsigned a, e, p, k; /* input, exp and fraction bits; log2 G */
    ap_field x, valid, m, tmp_m, num, exp, sum, tmp_s, quot, rem;
    unsigned work;   /* flag, borrow, carry and scratch column */
    ap_field result; /* quot's low p + 2 bits */
    unsigned cols;   /* the whole row */
} sim_softmax_layout;

/* The layout for a-bit inputs over `channels` channels; false when the division would need
 * operands wider than SIM_OPERAND_BITS_MAX, or the exponential would get fewer than 2 bits (a = 1).
 */
bool sim_softmax_layout_make(unsigned a, uint64_t channels, sim_softmax_layout *out);
/* The softmax's AP ops on arr after its operands (x, valid) are loaded, groups of 2^k rows;
 * exp_table holds 2^a entries of e bits, shifted left by p (NULL: a zero table, for tracing).
 * ap_core's errors, BASE_ENOMEM. */
base_status sim_softmax_program(ap_array *arr, const sim_softmax_layout *l,
                                const uint32_t *exp_table);

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
