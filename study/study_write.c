/* study_write.c - a sweep's outputs (docs/EXPERIMENTS.md): plot series names, the Pareto front
 * per network and batch (maximise top-1 accuracy, minimise EDP, as in multi-objective
 * design-space exploration), and the writers of points.csv, front.csv, summary.json, plots.list,
 * layers.csv and the efficiency table (CSV and Markdown), all renamed into place together.
 * Also the number formatting the dynamic-precision writers share. */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base_json.h"
#include "study/study_impl.h"

const char *const study_status_names[] = {"ok", "unsupported", "no-fit"};

void study_num(FILE *fp, int prec, int sci, double v)
{
    if (!isnan(v))
        fprintf(fp, sci ? "%.*e" : "%.*f", prec, v);
}

void study_pareto_mark(const double *acc, const double *edp, size_t n, int *on_front)
{
    for (size_t i = 0; i < n; i++) {
        on_front[i] = !isnan(acc[i]) && !isnan(edp[i]);
        for (size_t j = 0; j < n && on_front[i]; j++) {
            if (j == i || isnan(acc[j]) || isnan(edp[j]))
                continue;
            if (acc[j] >= acc[i] && edp[j] <= edp[i] && (acc[j] > acc[i] || edp[j] < edp[i]))
                on_front[i] = 0;
        }
    }
}

static const char *bits_name(const study_experiment *e, const study_point *p)
{
    return sim_bits_name(e->cfgs[p->net * e->n_bits + p->bits]);
}

static const char *accel_name(const study_experiment *e, size_t a)
{
    if (e->accels[a].model)
        return acc_model_name(e->accels[a].model);
    return study_is_chip(e, a) ? e->chips[a].name : "ap";
}

/* 1 when a point's design computes the configuration's integers exactly: the AP, and a
 * measured chip that apsim maps (its ops are exact integer arithmetic on 16-bit lanes). */
static int exact_design(const study_experiment *e, const study_point *p)
{
    return p->tech != STUDY_NO_TECH || study_is_chip(e, p->accel);
}

/* The top-1 a point is drawn at: its configuration's (published, or given in the experiment)
 * for a design that computes it exactly; a rival's arithmetic differs (power-of-two weights,
 * approximate products), so on these networks its accuracy is not modelled (NaN), never
 * borrowed. Fashion-MNIST measures every design's own (docs/FMNIST.md). */
static double point_top1(const study_experiment *e, const study_point *p)
{
    return exact_design(e, p) ? e->top1[p->net * e->n_bits + p->bits] : (double)NAN;
}

/* ",value" with prec decimals (fixed, or in exponent form when sci), or "," for NaN. */
static void put_num(FILE *fp, int prec, int sci, double v)
{
    fputc(',', fp);
    study_num(fp, prec, sci, v);
}

/* Appends one '/'-separated part to a series name of capacity cap, truncating (never past
 * cap - 1 characters, always terminated) when it is full. */
static void series_add(char *s, size_t cap, size_t *len, const char *part)
{
    if (*len && *len + 1 < cap) {
        s[(*len)++] = '/';
        s[*len] = '\0';
    }
    if (*len + 1 < cap) {
        int n = snprintf(s + *len, cap - *len, "%s", part);
        *len = n < 0 ? *len : *len + (size_t)n;
    }
    if (*len > cap - 1)
        *len = cap - 1;
}

void study_series_name(const study_experiment *e, study_point *p)
{
    char *s = p->series, part[64];
    size_t cap = sizeof p->series, len = 0;
    s[0] = '\0';
#define ADD(...)                                                                                   \
    do {                                                                                           \
        snprintf(part, sizeof part, __VA_ARGS__);                                                  \
        series_add(s, cap, &len, part);                                                            \
    } while (0)
    if (e->dims & STUDY_DIM_NETWORK)
        series_add(s, cap, &len, e->nets[p->net]->name);
    if (e->dims & STUDY_DIM_BITS)
        series_add(s, cap, &len, bits_name(e, p));
    if (p->tech == STUDY_NO_TECH) {
        series_add(s, cap, &len, accel_name(e, p->accel));
    } else {
        if (e->dims & STUDY_DIM_ACCEL)
            series_add(s, cap, &len, "ap");
        if (e->dims & STUDY_DIM_TECH)
            series_add(s, cap, &len, study_tech_name(e, p->tech));
        if (e->dims & STUDY_DIM_NODE)
            ADD("%gnm", e->techs[p->tech]->node_nm.value);
        if (e->dims & STUDY_DIM_VDD)
            ADD("%.2fV", p->vdd_v);
    }
    if (e->dims & STUDY_DIM_BATCH)
        ADD("b%u", e->batch[p->batch]);
#undef ADD
    if (!s[0])
        snprintf(s, cap, "all");
    for (char *q = s; *q; q++) /* one word of plots.list and one plain CSV field */
        if (*q == ' ' || *q == ',' || *q == '|' || *q == '"' || (unsigned char)*q < 0x20 ||
            *q == 0x7f)
            *q = '_';
}

/* The basis a non-AP accelerator's figures are on: a chip's own measured table, or a rival's
 * conversion to the sweep's basis (study_rival_basis); NULL for the AP. */
static const char *accel_basis(const study_experiment *e, size_t a, sim_accel_basis *b)
{
    if (study_is_chip(e, a)) {
        snprintf(b->label, sizeof b->label, "native %s: measured op table and board power",
                 e->chips[a].measured.technology);
        return b->label;
    }
    if (!e->accels[a].model)
        return NULL;
    if (study_rival_basis(e, a, b) == BASE_OK)
        return b->label;
    base_error_clear(); /* the sweep computed it: not reached */
    return "native";
}

static void write_point(FILE *fp, const study_experiment *e, const study_point *p)
{
    size_t k = p->net * e->n_bits + p->bits;
    double edp = sim_edp_js(p->energy_pj, p->latency_ns);
    fprintf(fp, "%s,%s,%s,%s,%s,%s", base_csv(e->name), base_csv(e->nets[p->net]->name),
            base_csv(bits_name(e, p)), base_csv(e->labels[k]), base_csv(accel_name(e, p->accel)),
            p->tech == STUDY_NO_TECH ? "" : base_csv(e->techs[p->tech]->name));
    fputc(',', fp);
    if (p->tech != STUDY_NO_TECH)
        fprintf(fp, "%g", e->techs[p->tech]->node_nm.value);
    else if (study_is_chip(e, p->accel))
        fprintf(fp, "%g", e->chips[p->accel].measured.node_nm);
    put_num(fp, 3, 0, p->vdd_v);
    fprintf(fp, ",%u,%s", e->batch[p->batch], study_status_names[p->status]);
    put_num(fp, 2, 0, point_top1(e, p));
    fprintf(fp, ",%s", !exact_design(e, p) ? "not modelled" : isnan(e->top1[k]) ? "" : "config");
    put_num(fp, 6, 1, p->latency_ns * 1e-6);
    put_num(fp, 6, 1, p->energy_pj * 1e-9);
    put_num(fp, 6, 1, edp);
    for (int c = 0; c < SIM_COMP_COUNT; c++)
        put_num(fp, 6, 1, p->e_comp_pj[c] * 1e-9);
    put_num(fp, 6, 1, p->energy_pj * 1e-9 / e->batch[p->batch]);
    fprintf(fp, ",%" PRIu64, p->macs);
    put_num(fp, 6, 1, p->tops_per_w);
    put_num(fp, 6, 1, p->peak_tops_per_w);
    put_num(fp, 6, 1, p->gops_per_mm2);
    put_num(fp, 6, 1, p->inf_s);
    put_num(fp, 3, 0, p->area_mm2);
    fprintf(fp, ",%s,%s,%s\n", p->pareto ? "true" : "false", base_csv(p->series),
            base_csv(p->path));
}

/* The header of points.csv and front.csv: the energy components come from sim's table. */
static void points_header(FILE *fp)
{
    fputs(
        "experiment,network,bits,label,accelerator,technology,node_nm,vdd_v,batch,status,top1_pct,"
        "top1_source,latency_ms,energy_mj,edp_js",
        fp);
    for (int c = 0; c < SIM_COMP_COUNT; c++)
        fprintf(fp, ",energy_%s_mj", sim_component_name((sim_component)c));
    fputs(",energy_per_inf_mj,macs_per_batch,tops_per_w,peak_tops_per_w,gops_per_mm2,"
          "inferences_per_s,area_mm2,pareto,series,path\n",
          fp);
}

static size_t series_firsts(const study_sweep_out *o, size_t *firsts,
                            int (*want)(const study_point *));

/* Rows grouped by series (in order of first appearance), sweep order within a series:
 * gnuplot draws a series' line only through consecutive rows. */
static base_status write_points(FILE *fp, const void *ctx)
{
    const study_sweep_out *o = ctx;
    size_t *firsts = base_calloc(o->e->n_points, sizeof *firsts);
    if (!firsts)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    size_t n_series = series_firsts(o, firsts, NULL);
    points_header(fp);
    for (size_t s = 0; s < n_series; s++)
        for (size_t i = firsts[s]; i < o->e->n_points; i++)
            if (strcmp(o->pts[i].series, o->pts[firsts[s]].series) == 0)
                write_point(fp, o->e, &o->pts[i]);
    base_free(firsts);
    return base_write_status(fp);
}

static base_status write_front(FILE *fp, const void *ctx)
{
    const study_sweep_out *o = ctx;
    points_header(fp);
    for (size_t i = 0; i < o->n_front; i++)
        write_point(fp, o->e, &o->pts[o->front[i]]);
    return base_write_status(fp);
}

/* Index of the first point of each distinct series, in order of first appearance. */
static size_t series_firsts(const study_sweep_out *o, size_t *firsts,
                            int (*want)(const study_point *))
{
    size_t n = 0;
    for (size_t i = 0; i < o->e->n_points; i++) {
        const study_point *p = &o->pts[i];
        size_t j = 0;
        if (want && !want(p))
            continue;
        while (j < n && strcmp(o->pts[firsts[j]].series, p->series) != 0)
            j++;
        if (j == n)
            firsts[n++] = i;
    }
    return n;
}

/* One series' entry of summary.json: its counts and its least-EDP point (null when none ran). */
static json_t *summary_series(const study_sweep_out *o, const char *name)
{
    const study_experiment *e = o->e;
    size_t n = 0, n_front = 0, best = SIZE_MAX;
    double best_edp = INFINITY;
    for (size_t i = 0; i < e->n_points; i++) {
        const study_point *p = &o->pts[i];
        if (strcmp(p->series, name) != 0)
            continue;
        n++;
        n_front += (size_t)p->pareto;
        double edp = sim_edp_js(p->energy_pj, p->latency_ns);
        if (p->status == STUDY_PT_OK && edp < best_edp) {
            best_edp = edp;
            best = i;
        }
    }
    json_t *j = json_object(), *least = json_null();
    base_json_put(j, "name", base_json_text(name));
    base_json_put(j, "n_points", json_integer((json_int_t)n));
    base_json_put(j, "n_front", json_integer((json_int_t)n_front));
    if (best != SIZE_MAX) {
        const study_point *p = &o->pts[best];
        json_decref(least);
        least = json_object();
        base_json_put(least, "network", base_json_text(e->nets[p->net]->name));
        base_json_put(least, "bits", base_json_text(bits_name(e, p)));
        base_json_put(least, "edp_js", base_json_num(best_edp));
        base_json_put(least, "top1_pct", base_json_num(point_top1(e, p)));
    }
    base_json_put(j, "least_edp", least);
    return j;
}

/* The per-row constant texts points.csv leaves out: each AP technology's node and scaling laws
 * (at its first point), each other accelerator's basis. */
static void summary_bases(json_t *doc, const study_sweep_out *o)
{
    const study_experiment *e = o->e;
    json_t *techs = json_object(), *accs = json_object();
    for (size_t t = 0; t < e->n_techs; t++) {
        const study_point *p = NULL;
        for (size_t i = 0; i < e->n_points && !p; i++)
            p = o->pts[i].tech == t ? &o->pts[i] : NULL;
        json_t *j = json_object();
        base_json_put(j, "node_nm", base_json_num(e->techs[t]->node_nm.value));
        base_json_put(j, "energy_law",
                      base_json_text(p && p->energy_law[0] ? p->energy_law : NULL));
        base_json_put(j, "delay_law", base_json_text(p && p->delay_law[0] ? p->delay_law : NULL));
        base_json_put(techs, e->techs[t]->name, j);
    }
    for (size_t a = 0; a < e->n_accels; a++) {
        sim_accel_basis b;
        const char *basis = accel_basis(e, a, &b);
        json_t *j = json_object();
        base_json_put(j, "basis",
                      base_json_text(basis ? basis
                                           : "ap: its own technology node and supply (technology, "
                                             "node_nm, vdd_v columns)"));
        base_json_put(accs, accel_name(e, a), j);
    }
    base_json_put(doc, "technologies", techs);
    base_json_put(doc, "accelerators", accs);
}

static base_status write_summary(FILE *fp, const void *ctx)
{
    const study_sweep_out *o = ctx;
    const study_experiment *e = o->e;
    size_t n_unsup = 0, n_ok = 0, n_nofit = 0;
    size_t *firsts = base_calloc(e->n_points, sizeof *firsts);
    if (!firsts)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    for (size_t i = 0; i < e->n_points; i++) {
        n_unsup += o->pts[i].status != STUDY_PT_OK;
        n_ok += o->pts[i].status == STUDY_PT_OK;
        n_nofit += o->pts[i].status == STUDY_PT_NOFIT;
    }
    char hash[24];
    snprintf(hash, sizeof hash, "%016" PRIx64, e->hash);
    json_t *d = base_json_doc(SIM_MODEL_VERSION), *units = json_object(), *series = json_array();
    base_json_put(d, "experiment", base_json_text(e->name));
    base_json_put(d, "description", base_json_text(e->description));
    base_json_put(d, "file", base_json_text(e->path));
    base_json_put(d, "inputs_fnv1a", base_json_text(hash));
    base_json_put(d, "architecture", base_json_text(e->arch.name));
    base_json_put(d, "n_points", json_integer((json_int_t)e->n_points));
    base_json_put(d, "n_ok", json_integer((json_int_t)n_ok));
    base_json_put(d, "n_unsupported", json_integer((json_int_t)n_unsup));
    base_json_put(d, "n_nofit", json_integer((json_int_t)n_nofit));
    base_json_put(d, "n_pareto", json_integer((json_int_t)o->n_front));
    base_json_put(units, "latency", json_string("ms per batch"));
    base_json_put(units, "energy", json_string("mJ per batch"));
    base_json_put(units, "edp", json_string("J*s per batch"));
    base_json_put(d, "units", units);
    summary_bases(d, o);
    size_t n_series = series_firsts(o, firsts, NULL);
    for (size_t s = 0; s < n_series; s++)
        base_json_push(series, summary_series(o, o->pts[firsts[s]].series));
    base_json_put(d, "series", series);
    base_free(firsts);
    return base_json_write(fp, d);
}

static int is_ok(const study_point *p)
{
    return p->status == STUDY_PT_OK;
}
static int is_ap_ok(const study_point *p)
{
    return p->status == STUDY_PT_OK && p->tech != STUDY_NO_TECH;
}

void study_plots_field(FILE *fp, const char *s, bool stem)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (stem && !isalnum(c) && c != '.' && c != '_' && c != '-')
            c = '_';
        else if (c == '|')
            c = '/';
        else if (c < 0x20 || c == 0x7f)
            c = ' ';
        fputc(c, fp);
    }
}

/* One plot line per network: "script|points.csv|stem[_network]|title|series...|extra".
 * false when memory for the title runs out. */
static bool plot_lines(FILE *fp, const study_sweep_out *o, size_t *firsts, const char *script,
                       const char *what, int (*want)(const study_point *), int need_top1,
                       const char *extra)
{
    const study_experiment *e = o->e;
    for (size_t ni = 0; ni < e->n_nets; ni++) {
        size_t n = series_firsts(o, firsts, want), shown = 0;
        for (size_t s = 0; s < n; s++) {
            /* Keep the series with at least one usable point of this network. */
            int used = 0;
            for (size_t i = 0; i < e->n_points && !used; i++) {
                const study_point *p = &o->pts[i];
                used = p->net == ni && want(p) &&
                       strcmp(p->series, o->pts[firsts[s]].series) == 0 &&
                       (!need_top1 || !isnan(e->top1[p->net * e->n_bits + p->bits]));
            }
            if (used)
                firsts[shown++] = firsts[s];
        }
        if (shown == 0)
            continue;
        fprintf(fp, "%s|points.csv|%s", script, script);
        if (e->n_nets > 1) {
            fputc('_', fp);
            study_plots_field(fp, e->nets[ni]->name, true);
        }
        /* The title, gathered and then written as one field. */
        char *title = NULL;
        size_t title_len = 0;
        FILE *tp = open_memstream(&title, &title_len);
        if (!tp)
            return false;
        fprintf(tp, "%s: %s (%s, batch", e->nets[ni]->name, what, e->arch.name);
        for (size_t b = 0; b < e->n_batch; b++)
            fprintf(tp, "%s%u", b ? "," : " ", e->batch[b]);
        int rivals = 0;
        for (size_t a = 0; a < e->n_accels; a++)
            rivals |= e->accels[a].model != NULL;
        if (rivals && want == is_ok)
            fprintf(tp, "; rivals: conv/fc, moved to %g nm %.2f V of %s, FPGAs by Kuon-Rose",
                    e->techs[0]->node_nm.value, e->techs[0]->vdd_nom_v.value, e->techs[0]->name);
        for (size_t a = 0; a < e->n_accels && want == is_ok; a++)
            if (study_is_chip(e, a))
                fprintf(tp, "; %s: measured table and board power, native %g nm", e->chips[a].name,
                        e->chips[a].measured.node_nm);
        fputc(')', tp);
        int bad = ferror(tp);
        if (fclose(tp) != 0 || bad) {
            free(title);
            return false;
        }
        fputc('|', fp);
        study_plots_field(fp, title, false);
        free(title);
        fputc('|', fp);
        for (size_t s = 0; s < shown; s++)
            fprintf(fp, "%s%s", s ? " " : "", o->pts[firsts[s]].series);
        fprintf(fp, "%s%s\n", extra ? "|" : "", extra ? extra : "");
    }
    return true;
}

static base_status write_plots(FILE *fp, const void *ctx)
{
    const study_sweep_out *o = ctx;
    const study_experiment *e = o->e;
    size_t *firsts = base_calloc(e->n_points, sizeof *firsts);
    if (!firsts)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    bool ok = true;
    if (e->plots & STUDY_PLOT_EDP_ACCURACY)
        ok = ok && plot_lines(fp, o, firsts, "edp_accuracy", "EDP versus ImageNet top-1 accuracy",
                              is_ok, 1, "front.csv");
    if (e->plots & STUDY_PLOT_EDP_VDD)
        ok = ok && plot_lines(fp, o, firsts, "edp_vdd", "latency, energy and EDP versus Vdd",
                              is_ap_ok, 0, NULL);
    if (e->plots & STUDY_PLOT_BATCH)
        ok = ok && plot_lines(fp, o, firsts, "batch", "throughput and energy versus batch size",
                              is_ap_ok, 0, NULL);
    if (e->plots & STUDY_PLOT_NODE)
        ok = ok && plot_lines(fp, o, firsts, "node",
                              "energy per inference, latency and EDP versus CMOS node "
                              "(Stillmaker-Baas scaling)",
                              is_ap_ok, 0, NULL);
    if (ok && (e->plots & STUDY_PLOT_LAYER_ENERGY) && o->layers_res) {
        const study_point *p = &e->points[e->layers_point];
        char title[1024];
        snprintf(title, sizeof title, "%s, %s on %s at %.2f V, batch %u: energy per layer",
                 e->nets[p->net]->name, bits_name(e, p), e->techs[p->tech]->name, p->vdd_v,
                 e->batch[p->batch]);
        fputs("layer_energy|layers.csv|layer_energy|", fp);
        study_plots_field(fp, title, false);
        fputs("|-\n", fp);
    }
    base_free(firsts);
    if (!ok)
        return BASE_ERROR(BASE_ENOMEM, "out of memory writing plots.list");
    return base_write_status(fp);
}

static base_status write_layers(FILE *fp, const void *ctx)
{
    const study_sweep_out *o = ctx;
    return sim_result_write_layers_csv(fp, o->layers_plan, o->layers_res);
}

/* sep then v with 4 significant digits, or just sep for NaN. */
static void eff_num(FILE *fp, const char *sep, double v)
{
    fputs(sep, fp);
    if (!isnan(v))
        fprintf(fp, "%.4g", v);
}

/* The efficiency table: every AP point next to the published figures of other in-memory
 * accelerators (csv = 1) or the same as a Markdown table (csv = 0). */
/* Writes s as one cell: through the CSV escaper, or for Markdown with '|' escaped and line
 * breaks as spaces. */
static void cell(FILE *fp, int csv, const char *s)
{
    if (csv) {
        base_csv_field(fp, s);
        return;
    }
    for (; *s; s++)
        if (*s == '|')
            fputs("\\|", fp);
        else
            fputc(*s == '\n' || *s == '\r' ? ' ' : *s, fp);
}

static base_status write_efficiency(FILE *fp, const study_sweep_out *o, int csv)
{
    const study_experiment *e = o->e;
    const char *sep = csv ? "," : " | ";
    char buf[512];
    if (csv)
        fputs("source,system,network,bits,label,technology,vdd_v,batch,tops_per_w,"
              "gops_per_mm2,inferences_per_s,note\n",
              fp);
    else
        fprintf(fp, "| source | system | network | bits | technology | Vdd (V) | batch | "
                    "TOPS/W | GOPS/s/mm2 | inferences/s | note |\n"
                    "|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < e->n_points; i++) {
        const study_point *p = &o->pts[i];
        size_t k = p->net * e->n_bits + p->bits;
        if (!is_ap_ok(p))
            continue;
        snprintf(buf, sizeof buf, "ap/%s", e->techs[p->tech]->name);
        fprintf(fp, "%sapsim%s", csv ? "" : "| ", sep);
        cell(fp, csv, buf);
        fputs(sep, fp);
        cell(fp, csv, e->nets[p->net]->name);
        fputs(sep, fp);
        cell(fp, csv, bits_name(e, p));
        if (csv)
            fputc(',', fp), cell(fp, csv, e->labels[k]);
        fputs(sep, fp);
        cell(fp, csv, e->techs[p->tech]->name);
        fprintf(fp, "%s%.3f%s%u", sep, p->vdd_v, sep, e->batch[p->batch]);
        eff_num(fp, sep, p->tops_per_w);
        eff_num(fp, sep, p->gops_per_mm2);
        eff_num(fp, sep, p->inf_s);
        fprintf(fp, "%s%s\n", sep, csv ? "model" : "model |");
    }
    for (size_t i = 0; i < e->n_pub; i++) {
        const study_published *p = &e->pub[i];
        snprintf(buf, sizeof buf, "%s%s", p->relative ? "relative only: " : "published",
                 p->relative ? p->relative : "");
        fputs(csv ? "" : "| ", fp);
        cell(fp, csv, p->source);
        fputs(sep, fp);
        cell(fp, csv, p->name);
        fputs(csv ? ",,,,,," : " | - | - | - | - | -", fp);
        eff_num(fp, sep, p->gops_per_w * 1e-3);
        eff_num(fp, sep, p->gops_per_mm2);
        fprintf(fp, "%s%s", sep, sep);
        cell(fp, csv, buf);
        fputs(csv ? "\n" : " |\n", fp);
    }
    /* Peak to peak: the AP's peak at each published node, beside the published figure. */
    for (size_t i = 0; i < o->n_ref; i++) {
        const study_ref_peak *r = &o->ref[i];
        snprintf(buf, sizeof buf, "ap/%s@%gnm", e->techs[r->tech]->name, r->node_nm);
        fprintf(fp, "%sapsim peak%s", csv ? "" : "| ", sep);
        cell(fp, csv, buf);
        fputs(sep, fp);
        cell(fp, csv, e->nets[0]->name);
        fputs(sep, fp);
        cell(fp, csv, e->bits[0]);
        if (csv)
            fputc(',', fp), cell(fp, csv, e->labels[0]);
        fputs(sep, fp);
        cell(fp, csv, buf + 3);
        fputs(sep, fp);
        if (!isnan(r->vdd_v))
            fprintf(fp, "%.3f", r->vdd_v);
        fprintf(fp, "%s%u", sep, e->batch[0]);
        eff_num(fp, sep, r->tops_per_w);
        eff_num(fp, sep, r->gops_per_mm2);
        fprintf(fp, "%s%s", sep, sep);
        cell(fp, csv, r->note);
        fputs(csv ? "\n" : " |\n", fp);
    }
    return base_write_status(fp);
}

static base_status write_eff_csv(FILE *fp, const void *ctx)
{
    return write_efficiency(fp, ctx, 1);
}
static base_status write_eff_md(FILE *fp, const void *ctx)
{
    return write_efficiency(fp, ctx, 0);
}

/* Point i's place on the front list: network, then batch, then EDP ascending. */
static int front_before(const study_sweep_out *o, size_t i, size_t j)
{
    const study_point *p = &o->pts[i], *q = &o->pts[j];
    if (p->net != q->net)
        return p->net < q->net;
    if (p->batch != q->batch)
        return p->batch < q->batch;
    return sim_edp_js(p->energy_pj, p->latency_ns) < sim_edp_js(q->energy_pj, q->latency_ns);
}

/* Marks the Pareto points (pareto 1, every other point 0): per network and batch, across every
 * bit configuration, technology, supply and accelerator, maximising top-1 and minimising EDP;
 * a point without a top-1 is never on the front. Lists them by network, batch, then EDP. */
base_status study_mark_fronts(study_sweep_out *o)
{
    const study_experiment *e = o->e;
    size_t n = e->n_points;
    double *acc = base_calloc(n ? n : 1, sizeof *acc), *edp = base_calloc(n ? n : 1, sizeof *edp);
    int *on = base_calloc(n ? n : 1, sizeof *on);
    size_t *idx = base_calloc(n ? n : 1, sizeof *idx), *grp = base_calloc(n ? n : 1, sizeof *grp);
    base_status st = BASE_OK;
    if (!acc || !edp || !on || !idx || !grp) {
        st = BASE_ERROR(BASE_ENOMEM, "out of memory");
        goto free_all;
    }
    o->front = idx;
    o->n_front = 0;
    for (size_t i = 0; i < n; i++)
        o->pts[i].pareto = 0;
    for (size_t ni = 0; ni < e->n_nets; ni++)
        for (size_t bi = 0; bi < e->n_batch; bi++) {
            size_t m = 0;
            for (size_t i = 0; i < n; i++) {
                const study_point *p = &o->pts[i];
                if (p->net != ni || p->batch != bi)
                    continue;
                int ok = p->status == STUDY_PT_OK;
                acc[m] = ok ? point_top1(e, p) : (double)NAN;
                edp[m] = ok ? sim_edp_js(p->energy_pj, p->latency_ns) : (double)NAN;
                grp[m++] = i;
            }
            study_pareto_mark(acc, edp, m, on);
            for (size_t k = 0; k < m; k++) {
                if (!on[k])
                    continue;
                o->pts[grp[k]].pareto = 1;
                size_t j = o->n_front++;
                while (j > 0 && front_before(o, grp[k], idx[j - 1])) {
                    idx[j] = idx[j - 1];
                    j--;
                }
                idx[j] = grp[k];
            }
        }
free_all:
    base_free(acc);
    base_free(edp);
    base_free(on);
    base_free(grp);
    if (st != BASE_OK)
        base_free(idx), o->front = NULL;
    return st;
}

/* Writes every output to a temporary file first, then renames them all: a failure on any
 * leaves the previous outputs (or none) in place. */
base_status study_sweep_write(const char *dir, const study_sweep_out *o)
{
    const base_output outs[] = {
        {"points.csv", write_points, 1},
        {"front.csv", write_front, 1},
        {"summary.json", write_summary, 1},
        {"plots.list", write_plots, 1},
        {"layers.csv", write_layers, o->layers_res != NULL},
        {"efficiency.csv", write_eff_csv, o->e->n_pub > 0},
        {"efficiency.md", write_eff_md, o->e->n_pub > 0},
    };
    return base_write_set(dir, outs, sizeof outs / sizeof outs[0], o);
}
