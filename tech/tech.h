/* tech.h - technology parameter tables for CAM-based associative processors and their
 * supply-voltage scaling: dynamic energy (V/V0)^k, delay by the alpha-power law (Sakurai and
 * Newton 1990), DIBL-style leakage, device-fixed NVM writes, or GSL interpolation of measured
 * per-voltage points. Figures, laws and their public sources: docs/TECH.md.
 * This module knows nothing of YAML: tech_load.c (on cfg/) fills a tech_params from a table file.
 */
#ifndef TECH_H
#define TECH_H

#include <stddef.h>

#include "base/base.h"

/* Technology family: CMOS logic-supply cells, or non-volatile devices whose write voltage and
 * pulse are set by the device, not by the logic Vdd. */
typedef enum tech_family { TECH_CMOS, TECH_NVM } tech_family;

/* Which family a parameter belongs to (bit mask). */
enum { TECH_FOR_CMOS = 1, TECH_FOR_NVM = 2, TECH_FOR_ALL = 3 };
/* How a parameter may be absent: TECH_REQUIRED (error), TECH_DEFAULT (the default below is
 * used, labelled [est] with the law it belongs to), TECH_ONE_OF_AREA (exactly one of
 * cell_area_um2 and cell_area_f2 must be given). */
enum { TECH_REQUIRED = 0, TECH_DEFAULT = 1, TECH_ONE_OF_AREA = 2 };

/* The one list of numeric parameters: X(field, unit, family mask, presence, min, max,
 * default, source of the default (NULL for rows without one), one-line meaning). min/max are the
 * physically meaningful bounds a table value must lie in (a value outside is an error). The default
 * is only used for TECH_DEFAULT rows. */
#define TECH_PARAM_LIST(X)                                                                         \
    X(node_nm, "nm", TECH_FOR_ALL, TECH_REQUIRED, 1.0, 1000.0, 0.0, NULL, "technology node")       \
    X(vdd_nom_v, "V", TECH_FOR_ALL, TECH_REQUIRED, 0.1, 5.0, 0.0, NULL,                            \
      "nominal logic supply at which the table's figures hold")                                    \
    X(vth_v, "V", TECH_FOR_ALL, TECH_REQUIRED, 0.0, 2.0, 0.0, NULL,                                \
      "threshold voltage of the alpha-power delay law")                                            \
    X(alpha, "", TECH_FOR_ALL, TECH_REQUIRED, 1.0, 2.0, 0.0, NULL, "alpha-power law exponent")     \
    X(vdd_min_v, "V", TECH_FOR_ALL, TECH_REQUIRED, 0.1, 5.0, 0.0, NULL, "lowest valid logic Vdd")  \
    X(vdd_max_v, "V", TECH_FOR_ALL, TECH_REQUIRED, 0.1, 5.0, 0.0, NULL, "highest valid logic Vdd") \
    X(energy_exponent_k, "", TECH_FOR_ALL, TECH_REQUIRED, 1.0, 3.0, 0.0, NULL,                     \
      "dynamic energy exponent: E(V) = E(V0) (V/V0)^k")                                            \
    X(e_ml_fj, "fJ", TECH_FOR_ALL, TECH_REQUIRED, 0.0, 1e6, 0.0, NULL,                             \
      "compare energy per evaluated row-cell (match line)")                                        \
    X(e_sl_fj, "fJ", TECH_FOR_ALL, TECH_REQUIRED, 0.0, 1e6, 0.0, NULL,                             \
      "compare energy per unmasked column-cell (search line)")                                     \
    X(e_read_fj, "fJ", TECH_FOR_ALL, TECH_REQUIRED, 0.0, 1e6, 0.0, NULL,                           \
      "energy per bit read by a word access (1D/memory use of the array)")                         \
    X(t_search_ns, "ns", TECH_FOR_ALL, TECH_REQUIRED, 1e-6, 1e6, 0.0, NULL, "compare latency")     \
    X(p_leak_nw, "nW", TECH_FOR_ALL, TECH_REQUIRED, 0.0, 1e6, 0.0, NULL,                           \
      "leakage power per bit at vdd_nom_v")                                                        \
    X(leak_eta, "", TECH_FOR_ALL, TECH_DEFAULT, 0.0, 1.0, 0.1,                                     \
      "[est] apsim default eta ~ 0.1, leakage law of Roy et al., Proc. IEEE 91(2), 2003",          \
      "DIBL coefficient of the leakage law")                                                       \
    X(leak_n, "", TECH_FOR_ALL, TECH_DEFAULT, 1.0, 3.0, 1.5,                                       \
      "[est] apsim default n ~ 1.5, leakage law of Roy et al., Proc. IEEE 91(2), 2003",            \
      "subthreshold slope factor of the leakage law")                                              \
    X(cell_area_um2, "um^2", TECH_FOR_ALL, TECH_ONE_OF_AREA, 1e-6, 1e6, 0.0, NULL,                 \
      "cell area per bit (give this or cell_area_f2)")                                             \
    X(cell_area_f2, "F^2", TECH_FOR_ALL, TECH_ONE_OF_AREA, 1.0, 1e6, 0.0, NULL,                    \
      "cell area per bit in feature squares, F = node_nm")                                         \
    X(area_periph_factor, "", TECH_FOR_ALL, TECH_REQUIRED, 1.0, 100.0, 0.0, NULL,                  \
      "array area including periphery divided by cell area")                                       \
    X(e_write_fj, "fJ", TECH_FOR_CMOS, TECH_REQUIRED, 0.0, 1e9, 0.0, NULL,                         \
      "CMOS write energy per written bit")                                                         \
    X(t_write_ns, "ns", TECH_FOR_CMOS, TECH_REQUIRED, 1e-6, 1e6, 0.0, NULL,                        \
      "CMOS write latency per pass")                                                               \
    X(e_switch_fj, "fJ", TECH_FOR_NVM, TECH_REQUIRED, 0.0, 1e9, 0.0, NULL,                         \
      "NVM energy per device switch (fixed by the device)")                                        \
    X(n_switch_per_bit, "", TECH_FOR_NVM, TECH_REQUIRED, 0.0, 16.0, 0.0, NULL,                     \
      "NVM device switches per written bit")                                                       \
    X(e_write_periph_fj, "fJ", TECH_FOR_NVM, TECH_REQUIRED, 0.0, 1e9, 0.0, NULL,                   \
      "NVM write periphery energy per written bit at vdd_nom_v (scales with Vdd)")                 \
    X(n_write_phases, "", TECH_FOR_NVM, TECH_REQUIRED, 1.0, 16.0, 0.0, NULL,                       \
      "NVM write phases per pass (SET and RESET: 2)")                                              \
    X(t_pulse_ns, "ns", TECH_FOR_NVM, TECH_REQUIRED, 1e-6, 1e6, 0.0, NULL,                         \
      "NVM write pulse per phase (fixed by the device)")                                           \
    X(t_write_periph_ns, "ns", TECH_FOR_NVM, TECH_REQUIRED, 0.0, 1e6, 0.0, NULL,                   \
      "NVM write periphery latency per pass at vdd_nom_v (alpha law)")                             \
    X(endurance_writes, "", TECH_FOR_NVM, TECH_REQUIRED, 1.0, 1e20, 0.0, NULL,                     \
      "device write endurance, write cycles per cell before wear-out")                             \
    X(pump_efficiency, "", TECH_FOR_NVM, TECH_DEFAULT, 0.01, 1.0, 1.0,                             \
      "[est] apsim default: a separate high-voltage write rail, no charge pump",                   \
      "write supply efficiency: 1 separate rail, 0.3-0.5 on-chip charge pump")                     \
    X(search_scaled_fraction, "", TECH_FOR_NVM, TECH_DEFAULT, 0.0, 1.0, 0.7,                       \
      "[est] apsim default f = 0.7: precharge, sense amps and drivers scale",                      \
      "fraction f of NVM compare energy that scales with Vdd")

/* Parameter ids: TECH_P_node_nm, TECH_P_vdd_nom_v, ... */
typedef enum tech_param_id {
#define TECH_X_ID(field, unit, fam, pres, lo, hi, def, def_src, doc) TECH_P_##field,
    TECH_PARAM_LIST(TECH_X_ID)
#undef TECH_X_ID
        TECH_N_PARAMS
} tech_param_id;

/* Static description of one parameter (a row of TECH_PARAM_LIST). */
typedef struct tech_param_info {
    const char *key;        /* the field name, also the YAML key */
    const char *unit;       /* "" for ratios and exponents */
    int families;           /* TECH_FOR_* mask */
    int presence;           /* TECH_REQUIRED, TECH_DEFAULT or TECH_ONE_OF_AREA */
    double min, max;        /* valid range, inclusive */
    double def;             /* default for TECH_DEFAULT rows */
    const char *def_source; /* its source label; NULL for rows without a default */
    const char *doc;        /* one-line meaning */
} tech_param_info;

/* One figure of a table: its value and its source ("[pub] ...", "[model] ...",
 * "[derived] ...", "[est] ..."). source is NULL while the value is unset. */
typedef struct tech_value {
    double value;
    char *source; /* owned by the tech_params */
} tech_value;

/* Measured per-voltage points (optional). The scales are ratios to any reference voltage:
 * tech_scale() divides by the interpolated value at vdd_nom_v, so published ratios can be
 * copied verbatim. A column that is absent (NULL) falls back to the law. */
typedef struct tech_points {
    size_t n_points;
    double *vdd_v;        /* strictly increasing, n_points entries */
    double *energy_scale; /* dynamic-energy ratio per point, or NULL */
    double *delay_scale;  /* delay ratio per point, or NULL */
    char *energy_source;  /* source of energy_scale (non-NULL iff energy_scale is) */
    char *delay_source;   /* source of delay_scale (non-NULL iff delay_scale is) */
} tech_points;

struct tech_interp; /* GSL interpolation state, private to tech.c */

/* A technology table. Create with tech_params_new, fill with tech_params_set*, then
 * tech_params_validate before tech_scale. Every string is owned by the struct. */
typedef struct tech_params {
    char *name;        /* short name, e.g. "sram" */
    char *description; /* one line, may be NULL */
    char *origin;      /* where the table came from (file path or "<builtin>"), may be NULL */
    tech_family family;
#define TECH_X_FIELD(field, unit, fam, pres, lo, hi, def, def_src, doc) tech_value field;
    TECH_PARAM_LIST(TECH_X_FIELD)
#undef TECH_X_FIELD
    tech_points points;
    int validated;              /* set by tech_params_validate, cleared by every setter */
    struct tech_interp *interp; /* private */
} tech_params;

/* Figures of a technology at one logic supply, each produced by the law named beside it. */
typedef struct tech_at_vdd {
    double vdd_v;
    double e_ml_fj;           /* compare energy per evaluated row-cell */
    double e_sl_fj;           /* compare energy per unmasked column-cell */
    double e_read_fj;         /* energy per bit read by a word access: (V/V0)^k (or the energy
                               * points) for both families, NVM reads being CMOS periphery */
    double e_write_fj;        /* write energy per written bit = device + periphery */
    double e_write_device_fj; /* NVM: switches x e_switch / pump (Vdd-independent); CMOS: 0 */
    double e_write_periph_fj; /* Vdd-dependent part of e_write_fj (all of it for CMOS) */
    double t_search_ns;       /* compare latency */
    double t_write_ns;        /* write latency per pass = device + periphery */
    double t_write_device_ns; /* NVM: phases x pulse (Vdd-independent); CMOS: 0 */
    double t_write_periph_ns; /* Vdd-dependent part of t_write_ns (all of it for CMOS) */
    double p_leak_nw;         /* leakage per bit */
    double endurance_writes;  /* NVM: write cycles per cell (Vdd-independent); CMOS: 0, meaning
                               * unlimited */
    double energy_scale;      /* dynamic-energy factor vs vdd_nom_v (1 at nominal) */
    double delay_scale;       /* delay factor vs vdd_nom_v (1 at nominal) */
    double leak_scale;        /* leakage factor vs vdd_nom_v */
    const char *energy_law;   /* compare energies (e_ml_fj, e_sl_fj); static strings */
    const char *delay_law;    /* t_search_ns and the Vdd-dependent write latency */
    const char *leak_law;     /* p_leak_nw */
    const char *write_law;    /* e_write_fj and t_write_ns as a whole */
    const char *periph_law;   /* e_write_periph_fj and e_read_fj: (V/V0)^k or the energy points */
} tech_at_vdd;

/* The row of TECH_PARAM_LIST for id (NULL when id is out of range). */
const tech_param_info *tech_param_info_of(tech_param_id id);
/* The id whose key is key; TECH_N_PARAMS when there is none. */
tech_param_id tech_param_lookup(const char *key);
/* "cmos" / "nvm"; NULL for an invalid value. */
const char *tech_family_name(tech_family family);
/* Parses "cmos" / "nvm"; BASE_EINVAL otherwise. */
base_status tech_family_parse(const char *s, tech_family *out);

/* A new empty table named name (copied), family CMOS. BASE_ENOMEM, or BASE_EINVAL for an
 * empty name. The caller frees it with tech_params_free. */
base_status tech_params_new(const char *name, tech_params **out);
void tech_params_free(tech_params *t);
/* Copies s into description / origin (s may be NULL). BASE_ENOMEM. */
base_status tech_params_set_description(tech_params *t, const char *s);
base_status tech_params_set_origin(tech_params *t, const char *s);
/* Sets parameter id to value with its source, which must start with [pub], [model],
 * [derived] or [est] and cite something after the label (BASE_EINVAL). A value outside the
 * parameter's [min, max] is BASE_ERANGE. BASE_ENOMEM. */
base_status tech_params_set(tech_params *t, tech_param_id id, double value, const char *source);
/* Parameter id of t (never NULL for a valid id; source NULL means unset). */
const tech_value *tech_params_get(const tech_params *t, tech_param_id id);
/* Copies n measured points (energy_scale or delay_scale may be NULL, each with its source,
 * which follows the rules of tech_params_set). Checks are left to tech_params_validate.
 * BASE_EINVAL for n < 2, a column without a source, or no column; BASE_ENOMEM. */
base_status tech_params_set_points(tech_params *t, size_t n, const double *vdd_v,
                                   const double *energy_scale, const char *energy_source,
                                   const double *delay_scale, const char *delay_source);

/* Checks the table is complete and physical, fills TECH_DEFAULT values that are unset, and
 * builds the GSL interpolators for measured points (so tech_scale allocates nothing).
 * Errors name the technology: BASE_EKEY (required value missing, both or neither area keys,
 * a key of the other family), BASE_ERANGE (vth_v < vdd_min_v <= vdd_nom_v <= vdd_max_v
 * violated, vdd_min_v below the hard floor, points not covering [vdd_min_v, vdd_max_v] or not
 * strictly increasing, non-positive scales, compare, write or read energy or a latency that
 * is zero in total, fractional n_write_phases), BASE_ENOMEM. On an error *bad (when bad is not
 * NULL) is the parameter at fault, or TECH_N_PARAMS when the fault lies in the points or the
 * whole table. */
base_status tech_params_validate(tech_params *t, tech_param_id *bad);

/* max(vth_v + 0.15 V, 0.45 V): below it the alpha law and cell stability fail
 * (docs/TECH.md, "Scaling laws"). */
double tech_vdd_floor_v(const tech_params *t);
/* Cell area per bit in um^2 (from cell_area_um2, or cell_area_f2 x (node_nm / 1000)^2). */
double tech_cell_area_um2(const tech_params *t);

/* The figures of t at logic supply vdd_v. Errors (BASE_ERANGE, message naming the technology
 * and its valid range): vdd_v <= vth_v, vdd_v outside [vdd_min_v, vdd_max_v] (vdd_min_v is
 * never below the hard floor), a non-finite vdd_v. BASE_EINVAL if t was not validated. */
base_status tech_scale(const tech_params *t, double vdd_v, tech_at_vdd *out);

/* ---- Technology nodes (tech_node.c; docs/TECH.md, "Nodes") ------------------------------
 * The CMOS scaling fits of Stillmaker and Baas (Integration 58, 2017), 7..180 nm, with the
 * nominal supply per node of github.com/VerticalResearchGroup/upcycle; 28 and 22 nm are
 * interpolated in log(node). */
typedef struct tech_node_factors_t {
    double delay, energy, power, area; /* target over source */
} tech_node_factors_t;
/* The nominal supply of a node. BASE_ERANGE outside 7..180 nm. */
base_status tech_node_vdd(double node_nm, double *vdd_v);
/* Factors moving a CMOS figure from (from_nm, from_vdd) to (to_nm, to_vdd). BASE_ERANGE for
 * a node outside the fits or a supply where a fit is not positive. */
base_status tech_node_factors(double from_nm, double from_vdd, double to_nm, double to_vdd,
                              tech_node_factors_t *out);
/* A validated copy of src moved to node_nm: supplies in proportion to the nodes' nominal
 * supplies, CMOS energies, delays, leakage and cell area by the fits' factors; an NVM table
 * keeps its device's write switch and pulse and the unscaled share of its compare energy.
 * Each moved figure's source says so. BASE_EUNSUPPORTED for a table with measured per-voltage
 * points; errors of tech_node_factors. Free with tech_params_free. */
base_status tech_params_at_node(const tech_params *src, double node_nm, tech_params **out);

/* ---- Loading tables from YAML (tech_load.c; format in docs/TECH.md) ------------------ */
/* Loads and validates the table in path. On success *out is a validated tech_params whose
 * origin is path; the caller frees it with tech_params_free. Errors (*out stays NULL):
 * BASE_EIO (cannot read), BASE_EPARSE (YAML syntax), BASE_EKEY (unknown, duplicate or missing
 * key, a key of the other family), BASE_ETYPE (wrong type), BASE_ERANGE (value outside its
 * physical range, voltages out of order), BASE_EINVAL (bad source label, unknown family),
 * BASE_ENOMEM. Messages read "path:line:col: error: ...". */
base_status tech_load(const char *path, tech_params **out);
/* Same from memory; name is used in messages and as the origin. */
base_status tech_load_string(const char *name, const char *text, size_t len, tech_params **out);

/* Resolves a technology name or path to a file with base_resolve: an existing file or a value
 * containing '/' or ending in ".yaml" is a path and must be readable. Otherwise it is a name
 * ([A-Za-z0-9._-]+, e.g. "sram", "reram", "fefet") looked up as tech/<name>.yaml under
 * $APSIM_DATA (when set), then in the data directory next to the binary (the search of
 * base_find_data). *path_out is a new string the caller
 * frees with base_free. BASE_ENOTFOUND (message lists the places searched), BASE_EINVAL
 * (malformed name), BASE_ERANGE (name too long), BASE_ENOMEM. */
base_status tech_find(const char *name_or_path, char **path_out);
/* tech_find then tech_load. */
base_status tech_open(const char *name_or_path, tech_params **out);

/* Writes the figures of t at one supply as CSV, one row per figure (endurance_writes for NVM
 * tables only, CMOS being unlimited), with the header
 * "technology,vdd_v,quantity,value,unit,law,source,law_sources": the value at that Vdd, the
 * law that produced it, the table source of its nominal figure (and of the measured points,
 * " | "-joined) and "key: source" of each law constant the figure depends on (k, vth_v and
 * alpha, leak_eta and leak_n, search_scaled_fraction, pump_efficiency; " | "-joined, empty
 * when none). Fields are quoted with base_csv_field. BASE_EIO on a write error, BASE_ENOMEM. */
base_status tech_print_csv(FILE *fp, const tech_params *t, const tech_at_vdd *at);

#endif /* TECH_H */
