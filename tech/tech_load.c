/* tech_load.c - reads technology tables (tech/<name>.yaml, format in docs/TECH.md) into
 * tech_params through the strict YAML layer, resolves technology names to files, and prints
 * per-voltage figures with the law and table source behind each. */
#include "tech/tech.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg/cfg.h"

/* Largest number of measured points a table may list. */
#define MAX_POINTS 1000

static const char *const value_keys[] = {"value", "source", NULL};
static const char *const points_keys[] = {"energy_source", "delay_source", "rows", NULL};
static const char *const row_keys[] = {"vdd_v", "energy_scale", "delay_scale", NULL};

/* Re-reports the last error (raised by tech/, which knows no positions) at node n. */
static base_status relocate(const cfg_node *n, base_status st)
{
    return cfg_error(n, st, "%s", base_error_inner());
}

/* Top-level keys: name, family, description, points and every TECH_PARAM_LIST key. */
static void top_keys(const char *keys[TECH_N_PARAMS + 5])
{
    size_t k = 0;
    keys[k++] = "name";
    keys[k++] = "family";
    keys[k++] = "description";
    keys[k++] = "points";
    for (int i = 0; i < TECH_N_PARAMS; i++)
        keys[k++] = tech_param_info_of((tech_param_id)i)->key;
    keys[k] = NULL;
}

/* One figure: `key: {value: <number>, source: "<label> <citation>"}`. */
static base_status load_value(tech_params *t, tech_param_id id, const cfg_node *n)
{
    const char *key = tech_param_info_of(id)->key;
    base_status st = cfg_map_check(n, key, value_keys);
    const cfg_node *vn, *sn;
    if (st == BASE_OK)
        st = cfg_map_require(n, "value", key, &vn);
    if (st == BASE_OK)
        st = cfg_map_require(n, "source", key, &sn);
    if (st != BASE_OK)
        return st;
    double v;
    const char *src;
    if ((st = cfg_to_double(vn, -HUGE_VAL, HUGE_VAL, &v)) != BASE_OK ||
        (st = cfg_to_str(sn, &src)) != BASE_OK)
        return st;
    st = tech_params_set(t, id, v, src);
    if (st == BASE_ERANGE)
        return relocate(vn, st);
    return st == BASE_EINVAL ? relocate(sn, st) : st;
}

/* Reads one optional column of the points rows into col (NULL source: column absent). */
static base_status load_column(const cfg_node *rows, const char *key, const char *source,
                               double *col)
{
    for (size_t i = 0; i < cfg_node_len(rows); i++) {
        const cfg_node *row = cfg_seq_at(rows, i), *v = cfg_map_get(row, key);
        if (!source && v)
            return cfg_error(v, BASE_EKEY, "%s in points rows needs points.%s_source", key,
                             strcmp(key, "energy_scale") == 0 ? "energy" : "delay");
        if (!source)
            continue;
        base_status st = cfg_map_require(row, key, "points row", &v);
        if (st == BASE_OK)
            st = cfg_to_double(v, -HUGE_VAL, HUGE_VAL, &col[i]);
        if (st != BASE_OK)
            return st;
    }
    return BASE_OK;
}

/* points: {energy_source: ..., delay_source: ..., rows: [{vdd_v, energy_scale, delay_scale}]} */
static base_status load_points(tech_params *t, const cfg_node *p)
{
    base_status st = cfg_map_check(p, "points", points_keys);
    const cfg_node *rows = NULL;
    const char *esrc = NULL, *dsrc = NULL;
    if (st == BASE_OK)
        st = cfg_map_require(p, "rows", "points", &rows);
    if (st == BASE_OK)
        st = cfg_expect(rows, CFG_SEQ, "points.rows");
    if (st == BASE_OK)
        st = cfg_get_str(p, "energy_source", &esrc);
    if (st == BASE_OK)
        st = cfg_get_str(p, "delay_source", &dsrc);
    if (st != BASE_OK)
        return st;
    if (!esrc && !dsrc)
        return cfg_error(p, BASE_EKEY, "points need energy_source or delay_source");
    size_t n = cfg_node_len(rows);
    if (n < 2 || n > MAX_POINTS)
        return cfg_error(rows, BASE_ERANGE, "points.rows has %zu rows; give 2..%d", n, MAX_POINTS);
    for (size_t i = 0; i < n; i++)
        if ((st = cfg_map_check(cfg_seq_at(rows, i), "points row", row_keys)) != BASE_OK)
            return st;

    double *buf = base_calloc(3 * n, sizeof *buf);
    if (!buf)
        return BASE_ERROR(BASE_ENOMEM, "out of memory reading points of '%s'", t->name);
    double *vdd = buf, *escale = buf + n, *dscale = buf + 2 * n;
    for (size_t i = 0; i < n && st == BASE_OK; i++) {
        const cfg_node *v;
        st = cfg_map_require(cfg_seq_at(rows, i), "vdd_v", "points row", &v);
        if (st == BASE_OK)
            st = cfg_to_double(v, -HUGE_VAL, HUGE_VAL, &vdd[i]);
    }
    if (st == BASE_OK)
        st = load_column(rows, "energy_scale", esrc, escale);
    if (st == BASE_OK)
        st = load_column(rows, "delay_scale", dsrc, dscale);
    if (st == BASE_OK) {
        st = tech_params_set_points(t, n, vdd, esrc ? escale : NULL, esrc, dsrc ? dscale : NULL,
                                    dsrc);
        if (st == BASE_EINVAL)
            st = relocate(p, st);
    }
    base_free(buf);
    return st;
}

/* Fills t from the root map of doc, then validates, placing tech/'s errors at the key they
 * concern (or at the root map for a missing value). */
static base_status load_doc(const cfg_doc *doc, tech_params **out)
{
    const cfg_node *root = cfg_doc_root(doc);
    const char *keys[TECH_N_PARAMS + 5];
    top_keys(keys);
    base_status st = cfg_map_check(root, "technology", keys);
    const cfg_node *name_n = NULL, *fam_n = NULL;
    const char *name = NULL, *fam = NULL, *desc = NULL;
    if (st == BASE_OK)
        st = cfg_map_require(root, "name", "technology", &name_n);
    if (st == BASE_OK)
        st = cfg_map_require(root, "family", "technology", &fam_n);
    if (st == BASE_OK)
        st = cfg_to_str(name_n, &name);
    if (st == BASE_OK)
        st = cfg_to_str(fam_n, &fam);
    if (st == BASE_OK)
        st = cfg_get_str(root, "description", &desc);
    if (st != BASE_OK)
        return st;

    tech_params *t = NULL;
    if ((st = tech_params_new(name, &t)) != BASE_OK)
        return st == BASE_EINVAL ? relocate(name_n, st) : st;
    if ((st = tech_family_parse(fam, &t->family)) != BASE_OK) {
        st = relocate(fam_n, st);
        goto fail;
    }
    if ((st = tech_params_set_description(t, desc)) != BASE_OK ||
        (st = tech_params_set_origin(t, cfg_doc_name(doc))) != BASE_OK)
        goto fail;
    const cfg_node *at[TECH_N_PARAMS];
    for (int i = 0; i < TECH_N_PARAMS; i++) {
        tech_param_id id = (tech_param_id)i;
        at[i] = cfg_map_get(root, tech_param_info_of(id)->key);
        if (at[i] && (st = load_value(t, id, at[i])) != BASE_OK)
            goto fail;
    }
    const cfg_node *points = cfg_map_get(root, "points");
    if (points && (st = load_points(t, points)) != BASE_OK)
        goto fail;
    tech_param_id bad;
    if ((st = tech_params_validate(t, &bad)) != BASE_OK) {
        const cfg_node *where = bad < TECH_N_PARAMS && at[bad] ? at[bad] : points ? points : root;
        if (st != BASE_ENOMEM)
            st = relocate(where, st);
        goto fail;
    }
    *out = t;
    return BASE_OK;
fail:
    tech_params_free(t);
    return st;
}

base_status tech_load(const char *path, tech_params **out)
{
    *out = NULL;
    cfg_doc *doc = NULL;
    base_status st = cfg_doc_load(path, &doc);
    if (st != BASE_OK)
        return st;
    st = load_doc(doc, out);
    cfg_doc_free(doc);
    return st;
}

base_status tech_load_string(const char *name, const char *text, size_t len, tech_params **out)
{
    *out = NULL;
    cfg_doc *doc = NULL;
    base_status st = cfg_doc_load_string(name, text, len, &doc);
    if (st != BASE_OK)
        return st;
    st = load_doc(doc, out);
    cfg_doc_free(doc);
    return st;
}

base_status tech_find(const char *name_or_path, char **path_out)
{
    *path_out = NULL;
    const char *s = name_or_path;
    char path[4096];
    base_ref ref = BASE_REF_NAME;
    base_status st = base_resolve("tech", s, path, sizeof path, &ref);
    if (ref == BASE_REF_NOTFILE) /* base_resolve says what it is */
        return st;
    if (ref != BASE_REF_NAME && st == BASE_OK && access(path, R_OK) != 0)
        st = BASE_ENOTFOUND;
    if (ref != BASE_REF_NAME && st == BASE_ENOTFOUND)
        return BASE_ERROR(BASE_ENOTFOUND, "technology file '%s' not found or not readable", s);
    if (st == BASE_EINVAL)
        return BASE_ERROR(BASE_EINVAL,
                          "invalid technology name '%s' (use letters, digits, '.', '_' and '-', "
                          "or a path to a .yaml file)",
                          s);
    if (st == BASE_ERANGE && ref == BASE_REF_NAME)
        return BASE_ERROR(BASE_ERANGE, "technology name '%s' is too long", s);
    if (st == BASE_ENOTFOUND) {
        char where[8192];
        return BASE_ERROR(BASE_ENOTFOUND, "unknown technology '%s': no tech/%s.yaml in %s", s, s,
                          base_data_where(where, sizeof where));
    }
    if (st != BASE_OK)
        return st;
    if (!(*path_out = base_strdup(path)))
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    return BASE_OK;
}

base_status tech_open(const char *name_or_path, tech_params **out)
{
    *out = NULL;
    char *path = NULL;
    base_status st = tech_find(name_or_path, &path);
    if (st != BASE_OK)
        return st;
    st = tech_load(path, out);
    base_free(path);
    return st;
}

/* Writes "p[0] | p[1] | ..." (NULL parts skipped) as one CSV field through buf, which the
 * caller sized for the longest such join. */
static void csv_joined(FILE *fp, char *buf, const char *const *p, size_t n)
{
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++)
        if (p[i]) {
            if (buf[0])
                strcat(buf, " | ");
            strcat(buf, p[i]);
        }
    base_csv_field(fp, buf);
}

/* The law constants (up to 3) a figure depends on beyond its nominal value; TECH_N_PARAMS
 * ends the list. */
typedef struct law_deps {
    tech_param_id id[3];
} law_deps;

static const law_deps NO_DEPS = {{TECH_N_PARAMS, TECH_N_PARAMS, TECH_N_PARAMS}};

/* What every row of one printout shares. */
typedef struct csv_ctx {
    FILE *fp;
    const tech_params *t;
    double vdd;
    char *buf; /* sized for the longest joined field */
} csv_ctx;

/* One CSV row: the figure, its law, its nominal sources src1 and src2 (NULL-skipped) and
 * the sources of the law constants deps. */
static void csv_row(const csv_ctx *c, const char *qty, double value, const char *unit,
                    const char *law, const char *src1, const char *src2, law_deps deps)
{
    FILE *fp = c->fp;
    base_csv_field(fp, c->t->name);
    fprintf(fp, ",%.4f,%s,%.6g,%s,", c->vdd, qty, value, unit);
    base_csv_field(fp, law);
    fputc(',', fp);
    const char *src[2] = {src1, src2};
    csv_joined(fp, c->buf, src, 2);
    fputc(',', fp);
    c->buf[0] = '\0'; /* "key: source" of each law constant, " | "-joined */
    for (size_t i = 0; i < 3 && deps.id[i] < TECH_N_PARAMS; i++) {
        const char *ls = tech_params_get(c->t, deps.id[i])->source;
        if (i)
            strcat(c->buf, " | ");
        strcat(c->buf, tech_param_info_of(deps.id[i])->key);
        strcat(c->buf, ": ");
        strcat(c->buf, ls ? ls : "");
    }
    base_csv_field(fp, c->buf);
    fputc('\n', fp);
}

/* Upper bound of any joined field: every source and key of the table with separators. */
static size_t joined_cap(const tech_params *t)
{
    size_t n = 64;
    for (int i = 0; i < TECH_N_PARAMS; i++) {
        const tech_value *v = tech_params_get(t, (tech_param_id)i);
        n += strlen(tech_param_info_of((tech_param_id)i)->key) + 5 +
             (v && v->source ? strlen(v->source) : 0);
    }
    const tech_points *p = &t->points;
    n += (p->energy_source ? strlen(p->energy_source) : 0) +
         (p->delay_source ? strlen(p->delay_source) : 0) + 128;
    return n;
}

base_status tech_print_csv(FILE *fp, const tech_params *t, const tech_at_vdd *at)
{
    const tech_points *p = &t->points;
    const char *es = p->energy_source, *ds = p->delay_source; /* NULL: the law, no table */
    int nvm = t->family == TECH_NVM;
    csv_ctx c = {fp, t, at->vdd_v, base_malloc(joined_cap(t))};
    if (!c.buf)
        return BASE_ERROR(BASE_ENOMEM, "out of memory printing technology '%s'", t->name);
    /* Law constants behind each figure; a measured table replaces the energy or delay law. */
    law_deps e_law =
        es ? NO_DEPS : (law_deps){{TECH_P_energy_exponent_k, TECH_N_PARAMS, TECH_N_PARAMS}};
    law_deps search_law = e_law;
    if (nvm)
        search_law.id[es ? 0 : 1] = TECH_P_search_scaled_fraction;
    law_deps d_law = ds ? NO_DEPS : (law_deps){{TECH_P_vth_v, TECH_P_alpha, TECH_N_PARAMS}};
    law_deps leak = {{TECH_P_leak_eta, TECH_P_leak_n, TECH_N_PARAMS}};
    law_deps pump = {{TECH_P_pump_efficiency, TECH_N_PARAMS, TECH_N_PARAMS}};
    law_deps write_e = e_law;
    if (nvm)
        write_e.id[es ? 0 : 1] = TECH_P_pump_efficiency;
    fputs("technology,vdd_v,quantity,value,unit,law,source,law_sources\n", fp);
    csv_row(&c, "e_ml_fj", at->e_ml_fj, "fJ", at->energy_law, t->e_ml_fj.source, es, search_law);
    csv_row(&c, "e_sl_fj", at->e_sl_fj, "fJ", at->energy_law, t->e_sl_fj.source, es, search_law);
    csv_row(&c, "t_search_ns", at->t_search_ns, "ns", at->delay_law, t->t_search_ns.source, ds,
            d_law);
    if (nvm) {
        csv_row(&c, "e_write_device_fj", at->e_write_device_fj, "fJ",
                "fixed by the device: n_switch_per_bit*e_switch_fj/pump_efficiency",
                t->e_switch_fj.source, t->n_switch_per_bit.source, pump);
        csv_row(&c, "e_write_periph_fj", at->e_write_periph_fj, "fJ", at->periph_law,
                t->e_write_periph_fj.source, es, e_law);
        csv_row(&c, "t_write_device_ns", at->t_write_device_ns, "ns",
                "fixed by the device: n_write_phases*t_pulse_ns", t->t_pulse_ns.source,
                t->n_write_phases.source, NO_DEPS);
        csv_row(&c, "t_write_periph_ns", at->t_write_periph_ns, "ns", at->delay_law,
                t->t_write_periph_ns.source, ds, d_law);
    }
    csv_row(&c, "e_write_fj", at->e_write_fj, "fJ", at->write_law,
            nvm ? "sum of e_write_device_fj and e_write_periph_fj" : t->e_write_fj.source,
            nvm ? NULL : es, write_e);
    csv_row(&c, "t_write_ns", at->t_write_ns, "ns", at->write_law,
            nvm ? "sum of t_write_device_ns and t_write_periph_ns" : t->t_write_ns.source,
            nvm ? NULL : ds, d_law);
    csv_row(&c, "e_read_fj", at->e_read_fj, "fJ", at->periph_law, t->e_read_fj.source, es, e_law);
    csv_row(&c, "p_leak_nw", at->p_leak_nw, "nW", at->leak_law, t->p_leak_nw.source, NULL, leak);
    if (nvm)
        csv_row(&c, "endurance_writes", at->endurance_writes, "writes",
                "fixed by the device, not the logic Vdd", t->endurance_writes.source, NULL,
                NO_DEPS);
    base_free(c.buf);
    return ferror(fp) ? BASE_ERROR(BASE_EIO, "write error printing technology '%s'", t->name)
                      : BASE_OK;
}
