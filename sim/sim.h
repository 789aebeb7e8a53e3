/* sim.h - the simulator: wires technology tables, the AP core, networks and the rival
 * accelerator models together into runs, sweeps and reports, and owns the command line.
 * Everything users run goes through here; the lower modules know nothing of it. */
#ifndef SIM_H
#define SIM_H

#include <stdio.h>

#include "sim/sim_base.h"

/* ---- Atomic output files -------------------------------------------------------------
 * Outputs are written to "<path>.tmp.<pid>" and renamed over path on commit, so a failed run
 * never leaves a half-written file. */
typedef struct sim_outfile {
    FILE *fp;       /* write here */
    char *path;     /* final path (owned) */
    char *tmp_path; /* temporary path (owned) */
} sim_outfile;

/* Opens a temporary file next to path. SIM_EIO or SIM_ENOMEM on failure. */
sim_status sim_outfile_open(sim_outfile *f, const char *path);
/* Flushes, closes and renames onto the final path; on any failure removes the temporary
 * file and returns SIM_EIO. Always releases f's memory. */
sim_status sim_outfile_commit(sim_outfile *f);
/* Closes and removes the temporary file; releases f's memory. Safe on a zeroed f. */
void sim_outfile_abort(sim_outfile *f);

/* Creates a directory and its parents (mkdir -p). SIM_EIO on failure. */
sim_status sim_mkdir_p(const char *path);

/* ---- Architecture (BF-IMNA-style AP system) -------------------------------------------
 * Loaded from YAML (sim/arch/bf_imna.yaml is the default preset); docs/SIM_MODEL.md gives
 * every parameter's meaning and why its default was chosen. */
typedef struct sim_arch {
    char name[64];
    unsigned n_caps;             /* computation APs (2D) */
    unsigned cap_rows;           /* rows per CAP */
    unsigned cap_cols;           /* bit-columns per CAP row */
    unsigned ml_segment_cols;    /* match-line cells evaluated per row per compare */
    unsigned n_maps;             /* memory APs (1D) */
    unsigned map_rows, map_cols; /* words per MAP and bits per word */
    double map_access_fj_per_bit;
    double bus_bits_per_cycle;  /* MAP <-> CAP interconnect width */
    double bus_clock_ghz;
    double bus_energy_pj_per_bit;
    double ctrl_energy_pj_per_cycle; /* per CAP per compare or write cycle */
    double ctrl_area_fraction;       /* periphery area as a fraction of cell area */
    unsigned batch;
} sim_arch;

/* Loads an architecture file; every key is required, unknown/duplicate keys are errors. */
sim_status sim_arch_load(const char *path, sim_arch *out);
/* Resolves a name ("bf_imna") or a path to a file (sim/arch/<name>.yaml under the current
 * directory, $APSIM_DATA, or the install prefix) and loads it. */
sim_status sim_arch_find(const char *name_or_path, sim_arch *out);

/* Searches for a data file: name as given, then $APSIM_DATA/<rel>, then
 * APSIM_PREFIX/share/apsim/<rel>. Writes the first readable path into out. SIM_ENOTFOUND
 * otherwise. */
sim_status sim_data_path(const char *rel, char *out, size_t cap);

/* ---- Command line ---------------------------------------------------------------------
 * Each subcommand takes argc/argv after the subcommand name and returns the process exit
 * status: 0 success, 1 run failure, 2 usage or input error. */
typedef int (*sim_cli_fn)(int argc, char **argv);

/* Exit status for a failed status code: input errors -> 2, others -> 1. */
int sim_exit_code(sim_status status);

#endif /* SIM_H */
