/* sim_impl.h - internals shared by the planner (sim_plan.c), its op traces (sim_trace.c) and
 * the evaluation (sim_eval.c). Not part of the public API. */
#ifndef SIM_IMPL_H
#define SIM_IMPL_H

#include "cfg/cfg.h"
#include "sim/sim.h"

/* Widest array a trace runs on (columns): 16 x the widest CAP row the architecture loader
 * accepts (4,096), so only an absurd pooling window is refused before its layout is. */
#define SIM_TRACE_COLS_MAX (16u * 4096u)

struct sim_plan {
    const net_network *net;
    const net_bitcfg *bits;
    sim_arch arch;
    size_t n_layers;
    sim_layer_plan *layers;
    tech_params *map_tech;   /* owned; NULL when the MAPs use the CAP technology */
    double map_bits;         /* MAP capacity holding data (auto-sized or whole banks) */
    struct sim_plan *batch1; /* owned: the same network at batch 1 (batch > 1 only) */
    sim_result *batch1_res;  /* owned: its result, evaluated beside each evaluation */
};

/* ---- Traces: an op program run on a one-group array, counted by phase ----------------------
 * The planner runs each op of a mapping with the layout's real columns on an array of one
 * row group; the array's observer adds every compare, write, plane access, match-line segment
 * and written column into the phase being traced. Pass sequences do not depend on the data,
 * so the counts are those of any row of the real array (bit-exact execution, tests). */
typedef struct sim_trace {
    ap_array *arr;
    unsigned seg_cols;
    sim_work *work;      /* the phase being counted */
    sim_placement place; /* which ml_segments entry */
    bool count_all;      /* false: only match-line segments (a second placement) */
    double weight;       /* how many times the traced op runs per fold */
    double *col_writes;  /* per column: writes aimed at it, per fold */
    unsigned n_cols;
} sim_trace;

/* Opens a trace over an array of rows x n_cols (BASE_ENOMEM); close with sim_trace_close. */
base_status sim_trace_open(sim_trace *t, size_t rows, unsigned n_cols, unsigned seg_cols);
void sim_trace_close(sim_trace *t);
/* Replaces the trace's array by one of rows rows (the tree runs over a row group). */
base_status sim_trace_rows(sim_trace *t, size_t rows);
/* Directs the following ops into work[phase] with multiplicity weight. */
void sim_trace_phase(sim_trace *t, sim_work *work, double weight);
/* The largest entry of col_writes. */
double sim_trace_max_writes(const sim_trace *t);

/* An op program to trace: runs on t->arr (it may call sim_trace_rows), adds its expected
 * written cells to t->work, and leaves its result field. */
typedef base_status (*sim_trace_fn)(sim_trace *t, const void *ctx, ap_field *result);
/* Traces fn into the current phase times the weight, remembering the trace under key (the
 * op's fields; n_key <= 10) so that later calls with the same key replay it. */
base_status sim_trace_cached(sim_trace *t, const unsigned *key, unsigned n_key, sim_trace_fn fn,
                             const void *ctx, ap_field *result);
/* Traces one signed MAC (ap_mac) into the current phase, remembered across calls. */
base_status sim_trace_mac(sim_trace *t, ap_field a, ap_field b, ap_field acc, ap_field tmp,
                          unsigned carry);
/* Adds `times` x the expected written cells per row of one op (ap_op_cost) to w. */
base_status sim_add_written(sim_work *w, double times, ap_op op, unsigned wa, unsigned wb,
                            unsigned wacc, size_t n_rows);

/* Traces the dyadic requantization of field src to o bits with fields from *col on
 * (exec_ap_requant's placement), into the trace's current phase; *result receives the
 * result field. Nothing when o >= src.width. */
base_status sim_trace_requant(sim_trace *t, ap_field src, unsigned o, unsigned *col, unsigned carry,
                              ap_field *result);

/* ---- Architecture files (sim_arch.c) -------------------------------------------------------
 * A required number of a section map (file:line:col errors), and a required section whose
 * keys must be among keys. */
base_status sim_cfg_double(const cfg_node *map, const char *sec, const char *key, double min,
                           double max, double *out);
base_status sim_cfg_uint(const cfg_node *map, const char *sec, const char *key, long min, long max,
                         unsigned *out);
base_status sim_cfg_section(const cfg_node *root, const char *name, const char *const keys[],
                            const cfg_node **out);

/* ---- Results (sim_eval.c) --------------------------------------------------------------------
 * Adds layer i's result into res (its entry, latency, breakdowns, MACs), and the totals
 * derived from the sums (energy, EDP, throughput, TOPS/W) once every layer is in. */
void sim_result_add_layer(sim_result *res, const sim_plan *plan, size_t i,
                          const sim_layer_result *lr);
void sim_result_totals(sim_result *res, unsigned batch);

/* ---- Measured-table architectures (sim_vec.c) ----------------------------------------------
 * The rest of an architecture file of kind "measured" (root: the whole document); the plan of
 * one layer on it; the evaluation of a whole plan into res (its per-layer results and totals;
 * the caller has set the fields every evaluation shares); its energy-per-action rows. */
base_status sim_vec_parse(const cfg_node *root, sim_arch *a);
/* Work functions (one row group's loads and ops, as exec/ runs them) of the hard activations
 * and the product (sim_act.c) and of the table kinds (sim_softmax.c). */
base_status sim_work_hardswish(sim_trace *t, sim_candidate *c, unsigned a, unsigned window,
                               ap_field *result, unsigned *col);
base_status sim_work_hardsigmoid(sim_trace *t, sim_candidate *c, unsigned a, unsigned window,
                                 ap_field *result, unsigned *col);
base_status sim_work_mul(sim_trace *t, sim_candidate *c, unsigned a, unsigned window,
                         ap_field *result, unsigned *col);
base_status sim_work_sigmoid(sim_trace *t, sim_candidate *c, unsigned a, unsigned window,
                             ap_field *result, unsigned *col);
base_status sim_work_softmax(sim_trace *t, sim_candidate *c, unsigned a, unsigned window,
                             ap_field *result, unsigned *col);

/* Planner rows of concat, resize, deconv and matmul (sim_plan_tensor.c), and what they use of
 * sim_plan.c: one row per output loading a bits and requantizing to o when narrower (a copy);
 * one row per output running a work function; a GEMM candidate's weight broadcast bits. */
base_status sim_plan_concat(const sim_plan *p, size_t li, sim_layer_plan *lp);
base_status sim_plan_resize(const sim_plan *p, size_t li, sim_layer_plan *lp);
base_status sim_plan_ap_gemm(const sim_plan *p, size_t li, sim_layer_plan *lp);
base_status sim_copy_candidate(const sim_arch *arch, uint64_t outputs, unsigned a, unsigned o,
                               sim_candidate *c);
/* One row per output running work (a kind's loads and ops on a-bit operands, as plan_eltwise's
 * work functions), its result requantized to o bits when wider, then read out. */
typedef base_status (*sim_elt_work_fn)(sim_trace *t, sim_candidate *c, unsigned a, unsigned window,
                                       ap_field *result, unsigned *col);
base_status sim_elt_candidate(const sim_arch *arch, sim_elt_work_fn work, uint64_t outputs,
                              unsigned a, unsigned o, sim_candidate *c);
double sim_broadcast_weight_bits(const sim_arch *arch, const sim_candidate *c, uint64_t m,
                                 uint64_t n, uint64_t k, unsigned w_bits);
base_status sim_vec_plan_layer(const sim_plan *p, size_t li, sim_layer_plan *lp);
void sim_vec_eval(const sim_plan *plan, sim_result *res);
size_t sim_vec_ert(const sim_result *res, sim_ert_row *rows);

#endif /* SIM_IMPL_H */
