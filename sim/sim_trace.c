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
        reach *= ldexp(1.0, -(int)cnt[j]);
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

/* ---- Memo of traced MACs ---------------------------------------------------------------
 * A plan traces the same MAC (same fields, same segment width) for many candidates and
 * layers; the trace of one MAC is remembered with the columns it writes, and replayed times
 * its weight. Static storage, like ap_core's multiply expectations: not thread-safe. */
#define MAC_MEMO_SLOTS  512
#define MAC_MEMO_WRITES 80

typedef struct mac_memo {
    unsigned key[9];
    bool used;
    sim_work work; /* one MAC, placement slot 0 */
    unsigned n_cols, cols[MAC_MEMO_WRITES];
    double writes[MAC_MEMO_WRITES];
} mac_memo;

static mac_memo mac_memos[MAC_MEMO_SLOTS];

static unsigned memo_hash(const unsigned *k, unsigned n)
{
    uint64_t h = 1469598103934665603u;
    for (unsigned i = 0; i < n; i++)
        h = (h ^ k[i]) * 1099511628211u;
    return (unsigned)(h % MAC_MEMO_SLOTS);
}

/* Runs one MAC on a fresh tally and records it into m. */
static base_status mac_record(sim_trace *t, ap_field a, ap_field b, ap_field acc, ap_field tmp,
                              unsigned carry, mac_memo *m)
{
    sim_trace rec = *t;
    sim_work w;
    memset(&w, 0, sizeof w);
    double *cw = base_calloc(t->n_cols, sizeof *cw);
    if (!cw)
        return BASE_ERROR(BASE_ENOMEM, "out of memory tracing a MAC");
    rec.work = &w;
    rec.weight = 1;
    rec.place = SIM_PLACE_GROUPED;
    rec.count_all = true;
    rec.col_writes = cw;
    ap_array_set_observer(t->arr, observe, &rec);
    base_status st = ap_mac(t->arr, a, b, acc, tmp, carry, true);
    ap_array_set_observer(t->arr, observe, t);
    m->n_cols = 0;
    for (unsigned c = 0; c < t->n_cols && st == BASE_OK; c++)
        if (cw[c] > 0) {
            if (m->n_cols == MAC_MEMO_WRITES) {
                st = BASE_ERROR(BASE_ECAPACITY, "a MAC writes more than %d columns",
                                MAC_MEMO_WRITES);
                break;
            }
            m->cols[m->n_cols] = c;
            m->writes[m->n_cols++] = cw[c];
        }
    base_free(cw);
    m->work = w;
    return st;
}

base_status sim_trace_mac(sim_trace *t, ap_field a, ap_field b, ap_field acc, ap_field tmp,
                          unsigned carry)
{
    unsigned key[9] = {a.col,     a.width, b.col, b.width,    acc.col,
                       acc.width, tmp.col, carry, t->seg_cols};
    mac_memo *m = &mac_memos[memo_hash(key, 9)];
    if (!m->used || memcmp(m->key, key, sizeof key) != 0) {
        mac_memo fresh;
        base_status st = mac_record(t, a, b, acc, tmp, carry, &fresh);
        if (st != BASE_OK)
            return st;
        memcpy(fresh.key, key, sizeof key);
        fresh.used = true;
        *m = fresh;
    }
    /* Replay x weight into the current phase. */
    sim_work *w = t->work;
    double x = t->weight;
    w->ml_segments[t->place] += x * m->work.ml_segments[SIM_PLACE_GROUPED];
    w->ml_pipelined[t->place] += x * m->work.ml_pipelined[SIM_PLACE_GROUPED];
    if (!t->count_all)
        return BASE_OK;
    w->n_compares += (uint64_t)x * m->work.n_compares;
    w->n_writes += (uint64_t)x * m->work.n_writes;
    w->n_plane_writes += (uint64_t)x * m->work.n_plane_writes;
    w->n_plane_reads += (uint64_t)x * m->work.n_plane_reads;
    w->compared_cols += (uint64_t)x * m->work.compared_cols;
    w->driven_cells += x * m->work.driven_cells;
    for (unsigned i = 0; i < m->n_cols; i++)
        t->col_writes[m->cols[i]] += x * m->writes[i];
    return BASE_OK;
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
base_status sim_trace_requant(sim_trace *t, ap_field src, unsigned o, unsigned *col, unsigned carry,
                              ap_field *result)
{
    *result = src;
    if (o >= src.width)
        return BASE_OK;
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
