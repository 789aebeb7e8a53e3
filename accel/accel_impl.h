/* accel_impl.h - internals shared by the accel module's files: the model vtable, the
 * parameter-definition tables each model declares and the loaded parameter set.
 * Not a public header: only the accel .c files include it. */
#ifndef ACCEL_IMPL_H
#define ACCEL_IMPL_H

#include "accel/accel.h"
#include "cfg/cfg.h"

/* One parameter a model reads from its YAML file: name and allowed range. */
typedef struct acc_param_def {
    const char *name;
    double min, max;
} acc_param_def;

/* The model vtable: one static const row per model in accel.c's table. */
struct acc_model {
    const char *name;
    const char *title;
    const acc_param_def *defs;
    size_t n_defs;
    const char *const *baselines; /* NULL-terminated */
    /* Optional model-specific top-level section (e.g. Ax-BxP's "configs"): its key, a
     * loader and a destructor for p->ext. */
    const char *ext_key;
    base_status (*ext_load)(acc_params *p, const cfg_node *node);
    void (*ext_free)(void *ext);
    /* Cost of a checked layer: baseline < 0 is the design itself, else baselines[i]. out
     * arrives zeroed with n_macs already set to the layer's m * n * k. */
    base_status (*cost)(const acc_params *p, const acc_layer *l, int baseline, acc_cost *out);
    /* Cost of changing from the mode of layer a to that of layer b (both checked). */
    base_status (*mode_switch)(const acc_params *p, const acc_layer *a, const acc_layer *b,
                               acc_cost *out);
    /* Optional: checks the parameters against a whole network's layers before its cost. */
    base_status (*check_layers)(const acc_params *p, const acc_layer *layers, size_t n);
    /* Optional NULL-terminated parameter names only a file may set (acc_params_set refuses
     * them), e.g. those ext_load validated the model-specific section against. */
    const char *const *load_only;
};

/* A calibration target as read from the parameter file. */
typedef struct acc_target {
    char *name;
    int baseline; /* index into the model's baselines */
    acc_metric metric;
    char **workloads;
    size_t n_workloads;
    unsigned a_bits, w_bits; /* 0: keep each workload layer's own bits */
    double lo, hi;
} acc_target;

struct acc_params {
    const acc_model *model;
    double *v;  /* n_defs values, indexed like model->defs */
    char **src; /* their sources (owned) */
    char *path; /* file the parameters came from */
    size_t *free_idx;
    size_t n_free;
    acc_target *targets;
    size_t n_targets;
    void *ext;     /* model-specific data (ext_load/ext_free) */
    char *network; /* selected network or NULL */
};

struct acc_fit {
    double residual;
    size_t n_iter;
    size_t n_targets;
    double *model_ratio; /* per target */
    double *paper_ratio; /* per target (midpoint of a range) */
};

/* The model rows, defined in their own files. */
extern const acc_model acc_sparq_model;
extern const acc_model acc_potacc_model;
extern const acc_model acc_bitsys_model;
extern const acc_model acc_axbxp_model;

/* Helpers shared by the model files. */
double acc_ceil_div(double a, double b);
/* The layer's name for messages ("(unnamed)" when it has none). */
const char *acc_layer_name(const acc_layer *l);
/* Index of a baseline in m->baselines, -1 when m has none of that name. */
int acc_baseline_index(const acc_model *m, const char *name);
/* BASE_ENOMEM "out of memory loading <what>" (what: the file being loaded). */
base_status acc_nomem(const char *what);

#endif /* ACCEL_IMPL_H */
