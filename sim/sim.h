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

/* ---- Command line ---------------------------------------------------------------------
 * Each subcommand takes argc/argv after the subcommand name and returns the process exit
 * status: 0 success, 1 run failure, 2 usage or input error. */
typedef int (*sim_cli_fn)(int argc, char **argv);

/* Exit status for a failed status code: input errors -> 2, others -> 1. */
int sim_exit_code(sim_status status);

#endif /* SIM_H */
