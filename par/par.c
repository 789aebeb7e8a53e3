/* par.c - the parallel runtime of par.h: MPI-3 calls on MPI_COMM_WORLD when the build has
 * APSIM_MPI (the Makefile sets it when pkg-config finds Open MPI's ompi-c), trivial one-rank
 * versions otherwise. Errors of MPI calls are returned (MPI_ERRORS_RETURN), never fatal. */
#include "par/par.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if APSIM_MPI
#include <mpi.h>
#endif

static int g_mpi;                  /* 1 between a par_init that started MPI and par_finalize */
static int g_rank, g_size = 1;     /* the real ranks */
static int g_sim_rank, g_sim_size; /* par_simulate; size 0: off */
static char g_describe[256];

#if APSIM_MPI
/* BASE_EIO naming the MPI call and its error text when rc is not MPI_SUCCESS. */
static base_status mpi_status(int rc, const char *call)
{
    if (rc == MPI_SUCCESS)
        return BASE_OK;
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(rc, text, &len) != MPI_SUCCESS)
        snprintf(text, sizeof text, "error %d", rc);
    return BASE_ERROR(BASE_EIO, "%s failed: %s", call, text);
}

/* 1 when collectives talk to other ranks (MPI started, no simulation). */
static int remote(void)
{
    return g_mpi && !g_sim_size && g_size > 1;
}

/* 1 when a launcher started this process: its environment names the job's ranks. */
static int launched(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if (getenv(vars[i]))
            return 1;
    return 0;
}
#endif

base_status par_init(int *argc, char ***argv)
{
#if APSIM_MPI
    int started = 0;
    if (g_mpi || !launched())
        return BASE_OK;
    base_status st = mpi_status(MPI_Initialized(&started), "MPI_Initialized");
    if (st == BASE_OK && !started)
        st = mpi_status(MPI_Init(argc, argv), "MPI_Init");
    if (st != BASE_OK)
        return st;
    g_mpi = 1;
    st = mpi_status(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN),
                    "MPI_Comm_set_errhandler");
    if (st == BASE_OK)
        st = mpi_status(MPI_Comm_rank(MPI_COMM_WORLD, &g_rank), "MPI_Comm_rank");
    if (st == BASE_OK)
        st = mpi_status(MPI_Comm_size(MPI_COMM_WORLD, &g_size), "MPI_Comm_size");
    return st;
#else
    (void)argc;
    (void)argv;
    return BASE_OK;
#endif
}

void par_finalize(void)
{
#if APSIM_MPI
    int done = 0;
    if (g_mpi && MPI_Finalized(&done) == MPI_SUCCESS && !done)
        MPI_Finalize();
#endif
    g_mpi = 0;
    g_rank = 0;
    g_size = 1;
}

int par_rank(void)
{
    return g_sim_size ? g_sim_rank : g_rank;
}

int par_size(void)
{
    return g_sim_size ? g_sim_size : g_size;
}

const char *par_describe(void)
{
#if APSIM_MPI
    char lib[MPI_MAX_LIBRARY_VERSION_STRING] = "";
    int len = 0;
    if (MPI_Get_library_version(lib, &len) != MPI_SUCCESS)
        snprintf(lib, sizeof lib, "unknown library");
    lib[strcspn(lib, ",\n")] = '\0'; /* "Open MPI v4.1.4, package: ..." -> "Open MPI v4.1.4" */
    char *v = strstr(lib, " v");
    if (v && v[2] >= '0' && v[2] <= '9')
        memmove(v + 1, v + 2, strlen(v + 2) + 1);
    int n = par_size();
    if (g_mpi)
        snprintf(g_describe, sizeof g_describe, "MPI (%.120s), %d rank%s", lib, n,
                 n == 1 ? "" : "s");
    else
        snprintf(g_describe, sizeof g_describe,
                 "MPI build (%.120s), 1 rank (not started by an MPI launcher)", lib);
#else
    snprintf(g_describe, sizeof g_describe, "serial (built without MPI)");
#endif
    return g_describe;
}

base_status par_barrier(void)
{
#if APSIM_MPI
    if (remote())
        return mpi_status(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier");
#endif
    return BASE_OK;
}

base_status par_agree(base_status st)
{
#if APSIM_MPI
    if (!remote())
        return st;
    int mine = st != BASE_OK ? g_rank : g_size, first = g_size;
    base_status ms = mpi_status(MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD),
                                "MPI_Allreduce");
    if (ms != BASE_OK || first == g_size)
        return ms;
    base_error e;
    memset(&e, 0, sizeof e);
    if (first == g_rank) {
        e = *base_error_last();
        e.status = st;
    }
    ms = mpi_status(MPI_Bcast(&e, (int)sizeof e, MPI_BYTE, first, MPI_COMM_WORLD), "MPI_Bcast");
    if (ms != BASE_OK || first == g_rank)
        return ms != BASE_OK ? ms : st;
    e.file[sizeof e.file - 1] = e.message[sizeof e.message - 1] = '\0';
    return base_error_at(e.status, e.file[0] ? e.file : NULL, e.line, e.col, "rank %d: %s", first,
                         e.message);
#else
    return st;
#endif
}

/* The reductions of par.h, in place on every rank. */
typedef enum reduction { SUM_U64, MAX_DOUBLE, OR_BYTES } reduction;

static base_status reduce(void *v, size_t n, reduction r)
{
#if APSIM_MPI
    static const size_t size[] = {sizeof(uint64_t), sizeof(double), 1};
    enum { CHUNK = 1 << 30 }; /* an MPI count is an int */
    MPI_Datatype type = r == SUM_U64 ? MPI_UINT64_T : r == MAX_DOUBLE ? MPI_DOUBLE : MPI_BYTE;
    MPI_Op op = r == SUM_U64 ? MPI_SUM : r == MAX_DOUBLE ? MPI_MAX : MPI_BOR;
    unsigned char *b = v;
    for (size_t off = 0; remote() && off < n; off += CHUNK) {
        size_t k = n - off < CHUNK ? n - off : CHUNK;
        base_status st = mpi_status(
            MPI_Allreduce(MPI_IN_PLACE, b + off * size[r], (int)k, type, op, MPI_COMM_WORLD),
            "MPI_Allreduce");
        if (st != BASE_OK)
            return st;
    }
#else
    (void)v;
    (void)n;
    (void)r;
#endif
    return BASE_OK;
}

base_status par_sum_u64(uint64_t *v, size_t n)
{
    return reduce(v, n, SUM_U64);
}

base_status par_max_double(double *v, size_t n)
{
    return reduce(v, n, MAX_DOUBLE);
}

base_status par_merge(void *buf, size_t n_bytes)
{
    return reduce(buf, n_bytes, OR_BYTES);
}

void par_block(size_t n, size_t *first, size_t *end)
{
    size_t r = (size_t)par_rank(), s = (size_t)par_size(), q = n / s, extra = n % s;
    *first = r * q + (r < extra ? r : extra);
    *end = *first + q + (r < extra ? 1 : 0);
}

void par_simulate(int rank, int size)
{
    int off = size <= 1 && rank == 0;
    g_sim_size = off ? 0 : size;
    g_sim_rank = off ? 0 : rank;
}
