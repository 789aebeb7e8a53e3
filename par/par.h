/* par.h - the parallel runtime: the ranks of an MPI job (Open MPI from Debian's
 * libopenmpi-dev, when the build has APSIM_MPI and a launcher such as mpirun or srun started
 * the process) or one rank otherwise, and the few collectives apsim's sharded commands need
 * (docs/PARALLEL.md). A build without MPI, or a process started without a launcher, is rank 0
 * of 1 and every collective is a no-op on the local values, so serial code calls the same
 * functions.
 *
 * Collectives (par_barrier, par_agree, par_sum_u64, par_max_double, par_merge) must be called
 * by every rank in the same order. Code that may fail on one rank only calls par_agree before
 * a branch that holds a collective, so that no rank waits for one that took the other way.
 * MPI's own failures come back as BASE_EIO naming the call. */
#ifndef PAR_H
#define PAR_H

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

/* Starts MPI when built with it and started by a launcher (the environment holds
 * OMPI_COMM_WORLD_SIZE, PMIX_RANK, PMI_RANK or PMI_SIZE); otherwise does nothing. argc and
 * argv are MPI_Init's. BASE_EIO when MPI fails to start. */
base_status par_init(int *argc, char ***argv);
/* Ends MPI when par_init started it; safe to call more than once. */
void par_finalize(void);

/* This process's rank (0-based) and the number of ranks: 0 and 1 when serial. */
int par_rank(void);
int par_size(void);

/* "MPI (Open MPI 4.1.4), 2 ranks", "MPI build (Open MPI 4.1.4), 1 rank (not started by an MPI
 * launcher)" or "serial (built without MPI)". Static storage. */
const char *par_describe(void);

/* Waits for every rank. */
base_status par_barrier(void);

/* Agrees on a status: BASE_OK when every rank passes BASE_OK, else the status and the error
 * of the lowest failing rank, which every other rank raises as its own last error (prefixed
 * "rank N: "), so any rank can report it and all take the same branch afterwards. */
base_status par_agree(base_status st);

/* In-place sums (uint64) and maxima (double) of n values over the ranks; every rank gets the
 * result. */
base_status par_sum_u64(uint64_t *v, size_t n);
base_status par_max_double(double *v, size_t n);

/* Merges shards of a buffer: each byte set by at most one rank, zero on the others, becomes on
 * every rank the value its owner set (a bitwise OR over ranks), so the result has the exact
 * bytes any type had on its owner. */
base_status par_merge(void *buf, size_t n_bytes);

/* This rank's contiguous block [*first, *end) of n items; blocks in rank order cover 0..n
 * and differ in length by at most one. */
void par_block(size_t n, size_t *first, size_t *end);

/* Test hook: this process acts as rank of size ranks whose collectives see only itself
 * (barriers return at once, sums, maxima and merges keep the local values, par_agree returns
 * its argument), so a test can play the ranks of a sharded run one after another.
 * par_simulate(0, 1) returns to the real ranks. */
void par_simulate(int rank, int size);

#endif /* PAR_H */
