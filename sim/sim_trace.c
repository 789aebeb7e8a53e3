/* sim_trace.c - counts an op program by running it on a one-group array and observing it
 * (ap_array_set_observer): compares, writes, plane accesses, the match-line segments each
 * compare spans (selective precharge, Pagiamtzis and Sheikholeslami, IEEE JSSC 41(3), 2006)
 * and how often each column is written (wear). Model: docs/SIM_MODEL.md. */
#include <math.h>
#include <string.h>

#include "sim/sim_impl.h"

/* Expected segments a pipelined compare precharges in a row of uniform data: its segments in
 * column order, each evaluated only where every earlier one matched; a segment with c
 * compared columns matches with probability 2^-c. */
static double pipelined_segments(const unsigned *cols, unsigned n, unsigned seg_cols)
{
    unsigned seg[64], cnt[64], k = 0;
    for (unsigned i = 0; i < n; i++) {
        unsigned s = cols[i] / seg_cols, j = 0;
        while (j < k && seg[j] != s)
            j++;
        if (j == k && k < 64) {
            seg[k] = s;
            cnt[k++] = 0;
        }
        if (j < 64)
            cnt[j]++;
    }
    for (unsigned a = 1; a < k; a++) /* insertion sort by column order */
        for (unsigned b = a; b > 0 && seg[b - 1] > seg[b]; b--) {
            unsigned t = seg[b];
            seg[b] = seg[b - 1];
            seg[b - 1] = t;
            t = cnt[b];
            cnt[b] = cnt[b - 1];
            cnt[b - 1] = t;
        }
    double e = 0, reach = 1;
    for (unsigned j = 0; j < k; j++) {
        e += reach;
        reach /= (double)((uint64_t)1 << (cnt[j] < 63 ? cnt[j] : 63));
    }
    return e;
}

static void observe(void *ctx, const ap_event *ev)
{
    sim_trace *t = ctx;
    sim_work *w = t->work;
    double x = t->weight;
    if (ev->n_compared > 0) {
        w->ml_segments[t->place] +=
            x * ap_segments_spanned(ev->compared, ev->n_compared, t->seg_cols);
        w->ml_pipelined[t->place] +=
            x * pipelined_segments(ev->compared, ev->n_compared, t->seg_cols);
    }
    if (!t->count_all)
        return;
    w->compared_cols += (uint64_t)(x * ev->n_compared);
    switch (ev->kind) {
    case AP_EVENT_PASS:
        w->n_compares += (uint64_t)x;
        w->n_writes += (uint64_t)x;
        break;
    case AP_EVENT_COMPARE:
        w->n_compares += (uint64_t)x;
        break;
    case AP_EVENT_WRITE:
        w->n_writes += (uint64_t)x;
        break;
    case AP_EVENT_FILL: /* its cells are in ap_op_cost's written cells (sim_add_written) */
        w->n_writes += (uint64_t)x;
        break;
    case AP_EVENT_PLANE_WRITE:
        w->n_plane_writes += (uint64_t)x;
        w->driven_cells += x * ev->n_written;
        break;
    case AP_EVENT_PLANE_READ:
        w->n_plane_reads += (uint64_t)x;
        break;
    }
    for (unsigned i = 0; i < ev->n_written; i++)
        if (ev->written[i] < t->n_cols)
            t->col_writes[ev->written[i]] += x;
}

base_status sim_trace_open(sim_trace *t, size_t rows, unsigned n_cols, unsigned seg_cols)
{
    memset(t, 0, sizeof *t);
    t->col_writes = base_calloc(n_cols, sizeof *t->col_writes);
    if (!t->col_writes)
        return BASE_ERROR(BASE_ENOMEM, "out of memory tracing an op program");
    base_status st = ap_array_new(rows, n_cols, &t->arr);
    if (st != BASE_OK) {
        base_free(t->col_writes);
        t->col_writes = NULL;
        return st;
    }
    ap_array_set_observer(t->arr, observe, t);
    t->seg_cols = seg_cols ? seg_cols : n_cols;
    t->n_cols = n_cols;
    t->count_all = true;
    t->weight = 1;
    return BASE_OK;
}

base_status sim_trace_rows(sim_trace *t, size_t rows)
{
    ap_array *arr;
    base_status st = ap_array_new(rows, t->n_cols, &arr);
    if (st != BASE_OK)
        return st;
    ap_array_free(t->arr);
    t->arr = arr;
    ap_array_set_observer(arr, observe, t);
    return BASE_OK;
}

void sim_trace_close(sim_trace *t)
{
    ap_array_free(t->arr);
    base_free(t->col_writes);
    memset(t, 0, sizeof *t);
}

void sim_trace_phase(sim_trace *t, sim_work *work, double weight)
{
    t->work = work;
    t->weight = weight;
}

double sim_trace_max_writes(const sim_trace *t)
{
    double m = 0;
    for (unsigned c = 0; c < t->n_cols; c++)
        m = t->col_writes[c] > m ? t->col_writes[c] : m;
    return m;
}

base_status sim_add_written(sim_work *w, double times, ap_op op, unsigned wa, unsigned wb,
                            unsigned wacc, size_t n_rows)
{
    ap_cost k;
    base_status st = ap_op_cost(op, wa, wb, wacc, n_rows, &k);
    if (st == BASE_OK)
        w->written_cells += times * k.written_cells_per_row;
    return st;
}

/* ---- Remembered traces -----------------------------------------------------------------
 * A plan traces the same op (same fields, same segment width) for many candidates and
 * layers: the first trace of an op is recorded, with the columns it writes and the field it
 * leaves, and later ones replay it times their weight. Static storage, like ap_core's
 * multiply expectations: not thread-safe. */
#define MEMO_SLOTS  8192 /* a ResNet50 plan traces a few thousand distinct ops */
#define MEMO_KEY    12
#define MEMO_WRITES 96

typedef struct memo {
    unsigned key[MEMO_KEY];
    bool used;
    sim_work work; /* one run, placement slot 0 */
    ap_field result;
    unsigned n_cols;
    uint32_t cols[MEMO_WRITES];
    uint32_t writes[MEMO_WRITES]; /* writes aimed at each column in one run */
} memo;

static memo memos[MEMO_SLOTS];

static unsigned memo_hash(const unsigned *k)
{
    uint64_t h = 1469598103934665603u;
    for (unsigned i = 0; i < MEMO_KEY; i++)
        h = (h ^ k[i]) * 1099511628211u;
    return (unsigned)(h % MEMO_SLOTS);
}

/* Runs fn once on a fresh tally of t's array and records it into m. */
static base_status memo_record(sim_trace *t, sim_trace_fn fn, const void *ctx, memo *m)
{
    sim_trace rec = *t;
    memset(&m->work, 0, sizeof m->work);
    double *cw = base_calloc(t->n_cols, sizeof *cw);
    if (!cw)
        return BASE_ERROR(BASE_ENOMEM, "out of memory tracing an op");
    rec.work = &m->work;
    rec.weight = 1;
    rec.place = SIM_PLACE_GROUPED;
    rec.count_all = true;
    rec.col_writes = cw;
    ap_array_set_observer(rec.arr, observe, &rec);
    base_status st = fn(&rec, ctx, &m->result);
    t->arr = rec.arr; /* fn may have replaced the array (sim_trace_rows) */
    ap_array_set_observer(t->arr, observe, t);
    m->n_cols = 0;
    for (unsigned c = 0; c < t->n_cols && st == BASE_OK; c++)
        if (cw[c] > 0) {
            if (m->n_cols == MEMO_WRITES) {
                st = BASE_ERROR(BASE_ECAPACITY, "a traced op writes more than %d columns",
                                MEMO_WRITES);
                break;
            }
            m->cols[m->n_cols] = c;
            m->writes[m->n_cols++] = (uint32_t)cw[c];
        }
    base_free(cw);
    return st;
}

base_status sim_trace_cached(sim_trace *t, const unsigned *key, unsigned n_key, sim_trace_fn fn,
                             const void *ctx, ap_field *result)
{
    unsigned k[MEMO_KEY] = {0};
    if (n_key + 2 > MEMO_KEY)
        return BASE_ERROR(BASE_EINVAL, "trace memo key of %u values", n_key);
    memcpy(k, key, n_key * sizeof *key);
    k[n_key] = t->seg_cols;
    k[n_key + 1] = n_key; /* keys of different lengths never meet */
    memo *m = &memos[memo_hash(k)];
    if (!m->used || memcmp(m->key, k, sizeof k) != 0) {
        memo fresh;
        base_status st = memo_record(t, fn, ctx, &fresh);
        if (st != BASE_OK)
            return st;
        memcpy(fresh.key, k, sizeof k);
        fresh.used = true;
        *m = fresh;
    }
    /* Replay x weight into the current phase. */
    sim_work *w = t->work;
    double x = t->weight;
    if (result)
        *result = m->result;
    w->ml_segments[t->place] += x * m->work.ml_segments[SIM_PLACE_GROUPED];
    w->ml_pipelined[t->place] += x * m->work.ml_pipelined[SIM_PLACE_GROUPED];
    if (!t->count_all)
        return BASE_OK;
    w->n_compares += (uint64_t)x * m->work.n_compares;
    w->n_writes += (uint64_t)x * m->work.n_writes;
    w->n_plane_writes += (uint64_t)x * m->work.n_plane_writes;
    w->n_plane_reads += (uint64_t)x * m->work.n_plane_reads;
    w->compared_cols += (uint64_t)x * m->work.compared_cols;
    w->written_cells += x * m->work.written_cells;
    w->driven_cells += x * m->work.driven_cells;
    for (unsigned i = 0; i < m->n_cols; i++)
        t->col_writes[m->cols[i]] += x * (double)m->writes[i];
    return BASE_OK;
}

typedef struct mac_args {
    ap_field a, b, acc, tmp;
    unsigned carry;
} mac_args;

static base_status run_mac(sim_trace *t, const void *ctx, ap_field *result)
{
    const mac_args *m = ctx;
    *result = m->acc;
    return ap_mac(t->arr, m->a, m->b, m->acc, m->tmp, m->carry, true);
}

base_status sim_trace_mac(sim_trace *t, ap_field a, ap_field b, ap_field acc, ap_field tmp,
                          unsigned carry)
{
    const unsigned key[] = {1, a.col, a.width, b.col, b.width, acc.col, acc.width, tmp.col, carry};
    const mac_args args = {a, b, acc, tmp, carry};
    return sim_trace_cached(t, key, 9, run_mac, &args, NULL);
}

static ap_field take(unsigned *col, unsigned width)
{
    ap_field f = {*col, width};
    *col += width;
    return f;
}

/* Mirrors exec_ap_requant (exec/exec_gemm.c): pre-shift to the widest multiply operand,
 * load the multiplier b, multiply, shift back with rounding. The planner's shift is the
 * widest one (the result's width below the product's); the counts do not depend on b. */
typedef struct requant_args {
    ap_field src;
    unsigned o, col, carry;
} requant_args;

static base_status run_requant(sim_trace *t, const void *ctx, ap_field *result);

base_status sim_trace_requant(sim_trace *t, ap_field src, unsigned o, unsigned *col, unsigned carry,
                              ap_field *result)
{
    *result = src;
    if (o >= src.width)
        return BASE_OK;
    const unsigned key[] = {2, src.col, src.width, o, *col, carry};
    const requant_args args = {src, o, *col, carry};
    base_status st = sim_trace_cached(t, key, 6, run_requant, &args, result);
    /* the fields it took end where the result ends */
    if (st == BASE_OK)
        *col = result->col + result->width;
    return st;
}

/* The requantization itself, as exec_ap_requant runs it. */
static base_status run_requant(sim_trace *t, const void *ctx, ap_field *result)
{
    const requant_args *r = ctx;
    ap_field src = r->src;
    unsigned o = r->o, carry = r->carry, c0 = r->col;
    unsigned *col = &c0;
    base_status st = BASE_OK;
    unsigned m = sim_requant_scale_bits(o);
    sim_work *w = t->work;
    double x = t->count_all ? t->weight : 0;
    if (src.width > SIM_REQUANT_SCALE_BITS_MAX) {
        ap_field pre = take(col, SIM_REQUANT_SCALE_BITS_MAX);
        unsigned shift = src.width - SIM_REQUANT_SCALE_BITS_MAX;
        st = ap_shr_round(t->arr, src, shift, pre, carry, true);
        if (st == BASE_OK)
            st = sim_add_written(w, x, AP_OP_SHR_ROUND_S, src.width, shift, pre.width, 1);
        src = pre;
    }
    ap_field bf = take(col, m), pf = take(col, src.width + m), of = take(col, o);
    if (st == BASE_OK)
        st = ap_array_field_load(t->arr, bf, NULL, 0);
    if (st == BASE_OK)
        st = ap_mul(t->arr, src, bf, pf, carry, true);
    if (st == BASE_OK)
        st = sim_add_written(w, x, AP_OP_MUL_S, src.width, m, 0, 1);
    if (st == BASE_OK)
        st = ap_shr_round(t->arr, pf, pf.width - o, of, carry, true);
    if (st == BASE_OK)
        st = sim_add_written(w, x, AP_OP_SHR_ROUND_S, pf.width, pf.width - o, o, 1);
    *result = of;
    return st;
}
