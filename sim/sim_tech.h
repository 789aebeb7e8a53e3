/* sim_tech.h - technology tables from YAML files (tech/<name>.yaml) into tech_params.
 * The table format is described in docs/TECH.md; loading is strict (cfg/cfg.h): unknown,
 * duplicate or missing keys, wrong types and non-physical values are file:line:col errors. */
#ifndef SIM_TECH_H
#define SIM_TECH_H

#include <stddef.h>
#include <stdio.h>

#include "sim/sim_base.h"
#include "tech/tech.h"

/* Loads and validates the table in path. On success *out is a validated tech_params whose
 * origin is path; the caller frees it with tech_params_free. Errors (*out stays NULL):
 * SIM_EIO (cannot read), SIM_EPARSE (YAML syntax), SIM_EKEY (unknown, duplicate or missing
 * key, a key of the other family), SIM_ETYPE (wrong type), SIM_ERANGE (value outside its
 * physical range, voltages out of order), SIM_EINVAL (bad source label, unknown family),
 * SIM_ENOMEM. Messages read "path:line:col: error: ...". */
sim_status sim_tech_load(const char *path, tech_params **out);
/* Same from memory; name is used in messages and as the origin. */
sim_status sim_tech_load_string(const char *name, const char *text, size_t len, tech_params **out);

/* Resolves a technology name or path to a file. A value containing '/' or ending in ".yaml"
 * is a path and must be readable. Otherwise it is a name ([A-Za-z0-9_-]+, e.g. "sram",
 * "reram", "fefet") looked up as tech/<name>.yaml under, in order, the current directory,
 * $APSIM_DATA (when set) and APSIM_PREFIX/share/apsim (the search of net_find_data; the
 * Makefile passes -DAPSIM_PREFIX). *path_out is a new string the caller
 * frees with sim_free. SIM_ENOTFOUND (message lists the places searched), SIM_EINVAL
 * (malformed name), SIM_ERANGE (name too long), SIM_ENOMEM. */
sim_status sim_tech_find(const char *name_or_path, char **path_out);
/* sim_tech_find then sim_tech_load. */
sim_status sim_tech_open(const char *name_or_path, tech_params **out);

/* Writes the figures of t at one supply as CSV, one row per figure, with the header
 * "technology,vdd_v,quantity,value,unit,law,source,law_sources": the value at that Vdd, the
 * law that produced it, the table source of its nominal figure (and of the measured points,
 * " | "-joined) and "key: source" of each law constant the figure depends on (k, vth_v and
 * alpha, leak_eta and leak_n, search_scaled_fraction, pump_efficiency; " | "-joined, empty
 * when none). Fields are quoted with sim_csv_field. SIM_EIO on a write error, SIM_ENOMEM. */
sim_status sim_tech_print_csv(FILE *fp, const tech_params *t, const tech_at_vdd *at);

#endif /* SIM_TECH_H */
