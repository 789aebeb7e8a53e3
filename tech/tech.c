/* tech.c - technology tables: validation and supply-voltage scaling.
 * Laws (docs/TECH.md, "Scaling laws"): dynamic energy (V/V0)^k, the alpha-power delay of
 * Sakurai and Newton (IEEE JSSC 1990), subthreshold leakage with DIBL (Roy et al., Proc. IEEE
 * 2003), a hard floor max(Vth + 0.15 V, 0.45 V), NVM writes fixed by the device and NVM search
 * partly Vdd-independent; GSL interpolation where a table gives measured per-voltage points. */
#include "tech/tech.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_interp.h>
#include <math.h>
#include <string.h>

/* Thermal voltage kT/q at 300 K, used by the leakage law (Roy et al., Proc. IEEE 2003). */
#define THERMAL_V 0.0259
/* Hard floor of the alpha law: max(vth_v + FLOOR_OVER_VTH_V, FLOOR_ABS_V). */
#define FLOOR_OVER_VTH_V 0.15
#define FLOOR_ABS_V      0.45
/* Tolerance for comparisons of voltages read from tables. */
#define V_EPS 1e-9

static const tech_param_info param_info[TECH_N_PARAMS] = {
#define TECH_X_INFO(field, unit, fam, pres, lo, hi, def, def_src, doc)                             \
    {#field, unit, fam, pres, lo, hi, def, def_src, doc},
    TECH_PARAM_LIST(TECH_X_INFO)
#undef TECH_X_INFO
};

/* Offsets of the named tech_value fields, in TECH_PARAM_LIST order. */
static const size_t param_offset[TECH_N_PARAMS] = {
#define TECH_X_OFF(field, unit, fam, pres, lo, hi, def, def_src, doc) offsetof(tech_params, field),
    TECH_PARAM_LIST(TECH_X_OFF)
#undef TECH_X_OFF
};

struct tech_interp {
    gsl_interp *energy; /* NULL when the table has no energy_scale column */
    gsl_interp *delay;  /* NULL when the table has no delay_scale column */
    double energy_at_nom, delay_at_nom;
};

static tech_value *field_of(tech_params *t, tech_param_id id)
{
    return (tech_value *)(void *)((char *)t + param_offset[id]);
}

const tech_param_info *tech_param_info_of(tech_param_id id)
{
    return (unsigned)id < TECH_N_PARAMS ? &param_info[id] : NULL;
}

tech_param_id tech_param_lookup(const char *key)
{
    for (int i = 0; i < TECH_N_PARAMS; i++)
        if (strcmp(param_info[i].key, key) == 0)
            return (tech_param_id)i;
    return TECH_N_PARAMS;
}

const char *tech_family_name(tech_family family)
{
    switch (family) {
    case TECH_CMOS:
        return "cmos";
    case TECH_NVM:
        return "nvm";
    }
    return NULL;
}

base_status tech_family_parse(const char *s, tech_family *out)
{
    if (strcmp(s, "cmos") == 0)
        *out = TECH_CMOS;
    else if (strcmp(s, "nvm") == 0)
        *out = TECH_NVM;
    else
        return BASE_ERROR(BASE_EINVAL, "unknown technology family '%s' (expected cmos or nvm)", s);
    return BASE_OK;
}

static void interp_free(struct tech_interp *ip)
{
    if (!ip)
        return;
    if (ip->energy)
        gsl_interp_free(ip->energy);
    if (ip->delay)
        gsl_interp_free(ip->delay);
    base_free(ip);
}

static void points_clear(tech_points *p)
{
    base_free(p->vdd_v);
    base_free(p->energy_scale);
    base_free(p->delay_scale);
    base_free(p->energy_source);
    base_free(p->delay_source);
    memset(p, 0, sizeof *p);
}

base_status tech_params_new(const char *name, tech_params **out)
{
    *out = NULL;
    if (!name || !*name)
        return BASE_ERROR(BASE_EINVAL, "a technology needs a non-empty name");
    tech_params *t = base_calloc(1, sizeof *t);
    if (!t)
        goto fail_struct;
    t->name = base_strdup(name);
    if (!t->name)
        goto fail_name;
    t->family = TECH_CMOS;
    *out = t;
    return BASE_OK;
fail_name:
    base_free(t);
fail_struct:
    return BASE_ERROR(BASE_ENOMEM, "out of memory creating technology '%s'", name);
}

void tech_params_free(tech_params *t)
{
    if (!t)
        return;
    for (int i = 0; i < TECH_N_PARAMS; i++)
        base_free(field_of(t, (tech_param_id)i)->source);
    points_clear(&t->points);
    interp_free(t->interp);
    base_free(t->name);
    base_free(t->description);
    base_free(t->origin);
    base_free(t);
}

static base_status set_string(tech_params *t, char **slot, const char *s)
{
    char *copy = NULL;
    if (s && !(copy = base_strdup(s)))
        return BASE_ERROR(BASE_ENOMEM, "out of memory in technology '%s'", t->name);
    base_free(*slot);
    *slot = copy;
    return BASE_OK;
}

base_status tech_params_set_description(tech_params *t, const char *s)
{
    return set_string(t, &t->description, s);
}

base_status tech_params_set_origin(tech_params *t, const char *s)
{
    return set_string(t, &t->origin, s);
}

/* A source starts with one of the four labels and cites something after it. */
static int source_ok(const char *s)
{
    static const char *const labels[] = {"[pub]", "[model]", "[derived]", "[est]"};
    if (!s)
        return 0;
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
        size_t n = strlen(labels[i]);
        if (strncmp(s, labels[i], n) == 0) {
            for (const char *p = s + n; *p; p++)
                if (*p != ' ' && *p != '\t')
                    return 1;
            return 0;
        }
    }
    return 0;
}

static base_status bad_source(const tech_params *t, const char *what, const char *s)
{
    return BASE_ERROR(BASE_EINVAL,
                      "technology '%s': source of %s must start with [pub], [model], [derived] "
                      "or [est] followed by a citation, found '%s'",
                      t->name, what, s ? s : "");
}

base_status tech_params_set(tech_params *t, tech_param_id id, double value, const char *source)
{
    const tech_param_info *info = tech_param_info_of(id);
    if (!info)
        return BASE_ERROR(BASE_EINVAL, "technology '%s': invalid parameter id %d", t->name,
                          (int)id);
    if (!isfinite(value) || value < info->min || value > info->max)
        return BASE_ERROR(BASE_ERANGE, "technology '%s': %s = %g%s%s is outside %g..%g", t->name,
                          info->key, value, *info->unit ? " " : "", info->unit, info->min,
                          info->max);
    if (!source_ok(source))
        return bad_source(t, info->key, source);
    tech_value *f = field_of(t, id);
    base_status st = set_string(t, &f->source, source);
    if (st != BASE_OK)
        return st;
    f->value = value;
    t->validated = 0;
    return BASE_OK;
}

const tech_value *tech_params_get(const tech_params *t, tech_param_id id)
{
    if (!tech_param_info_of(id))
        return NULL;
    return (const tech_value *)(const void *)((const char *)t + param_offset[id]);
}

static double *copy_doubles(const double *src, size_t n)
{
    double *d = base_malloc(n * sizeof *d);
    if (d)
        memcpy(d, src, n * sizeof *d);
    return d;
}

base_status tech_params_set_points(tech_params *t, size_t n, const double *vdd_v,
                                   const double *energy_scale, const char *energy_source,
                                   const double *delay_scale, const char *delay_source)
{
    if (n < 2)
        return BASE_ERROR(BASE_EINVAL, "technology '%s': measured points need at least 2 rows",
                          t->name);
    if (!energy_scale && !delay_scale)
        return BASE_ERROR(BASE_EINVAL,
                          "technology '%s': measured points need energy_scale or delay_scale",
                          t->name);
    if (energy_scale && !source_ok(energy_source))
        return bad_source(t, "points energy_scale", energy_source);
    if (delay_scale && !source_ok(delay_source))
        return bad_source(t, "points delay_scale", delay_source);
    tech_points p = {0};
    p.n_points = n;
    if (!(p.vdd_v = copy_doubles(vdd_v, n)))
        goto fail;
    if (energy_scale && (!(p.energy_scale = copy_doubles(energy_scale, n)) ||
                         !(p.energy_source = base_strdup(energy_source))))
        goto fail;
    if (delay_scale && (!(p.delay_scale = copy_doubles(delay_scale, n)) ||
                        !(p.delay_source = base_strdup(delay_source))))
        goto fail;
    points_clear(&t->points);
    t->points = p;
    t->validated = 0;
    return BASE_OK;
fail:
    points_clear(&p);
    return BASE_ERROR(BASE_ENOMEM, "out of memory storing points of technology '%s'", t->name);
}

double tech_vdd_floor_v(const tech_params *t)
{
    return fmax(t->vth_v.value + FLOOR_OVER_VTH_V, FLOOR_ABS_V);
}

double tech_cell_area_um2(const tech_params *t)
{
    if (t->cell_area_um2.source)
        return t->cell_area_um2.value;
    double f_um = t->node_nm.value / 1000.0;
    return t->cell_area_f2.value * f_um * f_um;
}

static base_status fault(tech_param_id *bad, tech_param_id id, base_status st)
{
    if (bad)
        *bad = id;
    return st;
}

/* Builds one GSL interpolator over (vdd_v, y) and its value at vdd_nom_v. GSL's error handler
 * is switched off around the calls so a failure returns instead of aborting. */
static base_status build_interp(const tech_params *t, const double *y, gsl_interp **out,
                                double *at_nom)
{
    const tech_points *p = &t->points;
    const gsl_interp_type *type = p->n_points >= 3 ? gsl_interp_steffen : gsl_interp_linear;
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    gsl_interp *ip = gsl_interp_alloc(type, p->n_points);
    int rc = ip ? gsl_interp_init(ip, p->vdd_v, y, p->n_points) : GSL_ENOMEM;
    double v = rc == GSL_SUCCESS ? gsl_interp_eval(ip, p->vdd_v, y, t->vdd_nom_v.value, NULL) : 0.0;
    gsl_set_error_handler(old);
    if (rc != GSL_SUCCESS || !isfinite(v) || v <= 0.0) {
        if (ip)
            gsl_interp_free(ip);
        return rc == GSL_ENOMEM
                   ? BASE_ERROR(BASE_ENOMEM, "out of memory interpolating '%s'", t->name)
                   : BASE_ERROR(BASE_EINVAL,
                                "technology '%s': GSL cannot interpolate the "
                                "measured points (%s)",
                                t->name, gsl_strerror(rc));
    }
    *out = ip;
    *at_nom = v;
    return BASE_OK;
}

static base_status check_column(const tech_params *t, const double *y, const char *col)
{
    for (size_t i = 0; i < t->points.n_points; i++)
        if (!isfinite(y[i]) || y[i] <= 0.0)
            return BASE_ERROR(BASE_ERANGE,
                              "technology '%s': measured point %zu has %s %g; scales must be "
                              "positive",
                              t->name, i + 1, col, y[i]);
    return BASE_OK;
}

static base_status validate_points(tech_params *t)
{
    const tech_points *p = &t->points;
    for (size_t i = 0; i < p->n_points; i++) {
        if (!isfinite(p->vdd_v[i]) || (i > 0 && p->vdd_v[i] <= p->vdd_v[i - 1]))
            return BASE_ERROR(BASE_ERANGE,
                              "technology '%s': measured points must have strictly increasing "
                              "vdd_v (point %zu: %g V)",
                              t->name, i + 1, p->vdd_v[i]);
    }
    double lo = p->vdd_v[0], hi = p->vdd_v[p->n_points - 1];
    if (lo > t->vdd_min_v.value + V_EPS || hi < t->vdd_max_v.value - V_EPS)
        return BASE_ERROR(BASE_ERANGE,
                          "technology '%s': measured points span %g..%g V but must cover the "
                          "valid range %g..%g V",
                          t->name, lo, hi, t->vdd_min_v.value, t->vdd_max_v.value);
    base_status st;
    if (p->energy_scale && (st = check_column(t, p->energy_scale, "energy_scale")) != BASE_OK)
        return st;
    if (p->delay_scale && (st = check_column(t, p->delay_scale, "delay_scale")) != BASE_OK)
        return st;
    struct tech_interp *ip = base_calloc(1, sizeof *ip);
    if (!ip)
        return BASE_ERROR(BASE_ENOMEM, "out of memory interpolating '%s'", t->name);
    if (p->energy_scale &&
        (st = build_interp(t, p->energy_scale, &ip->energy, &ip->energy_at_nom)) != BASE_OK)
        goto fail;
    if (p->delay_scale &&
        (st = build_interp(t, p->delay_scale, &ip->delay, &ip->delay_at_nom)) != BASE_OK)
        goto fail;
    t->interp = ip;
    return BASE_OK;
fail:
    interp_free(ip);
    return st;
}

base_status tech_params_validate(tech_params *t, tech_param_id *bad)
{
    if (bad)
        *bad = TECH_N_PARAMS;
    t->validated = 0;
    interp_free(t->interp);
    t->interp = NULL;
    const char *fam = tech_family_name(t->family);
    if (!fam)
        return fault(bad, TECH_N_PARAMS,
                     BASE_ERROR(BASE_EINVAL, "technology '%s': invalid family", t->name));
    int mask = t->family == TECH_NVM ? TECH_FOR_NVM : TECH_FOR_CMOS;

    /* Presence: required rows, family-specific rows, defaults, the area pair. */
    for (int i = 0; i < TECH_N_PARAMS; i++) {
        tech_param_id id = (tech_param_id)i;
        const tech_param_info *info = &param_info[i];
        tech_value *f = field_of(t, id);
        if (!(info->families & mask)) {
            if (f->source)
                return fault(
                    bad, id,
                    BASE_ERROR(
                        BASE_EKEY, "technology '%s': %s applies only to family %s, not %s", t->name,
                        info->key,
                        tech_family_name(info->families == TECH_FOR_NVM ? TECH_NVM : TECH_CMOS),
                        fam));
            continue;
        }
        if (f->source)
            continue;
        if (info->presence == TECH_REQUIRED)
            return fault(bad, id,
                         BASE_ERROR(BASE_EKEY, "technology '%s': missing required value %s (%s)",
                                    t->name, info->key, info->doc));
        if (info->presence == TECH_DEFAULT) {
            base_status st = tech_params_set(t, id, info->def, info->def_source);
            if (st != BASE_OK)
                return fault(bad, id, st);
        }
    }
    int has_um2 = t->cell_area_um2.source != NULL, has_f2 = t->cell_area_f2.source != NULL;
    if (has_um2 == has_f2)
        return fault(bad, has_um2 ? TECH_P_cell_area_f2 : TECH_N_PARAMS,
                     BASE_ERROR(BASE_EKEY,
                                "technology '%s': give exactly one of cell_area_um2 and "
                                "cell_area_f2 (%s)",
                                t->name, has_um2 ? "both given" : "neither given"));

    /* Voltages: vth < floor <= vdd_min <= vdd_nom <= vdd_max. */
    double vth = t->vth_v.value, vmin = t->vdd_min_v.value, vnom = t->vdd_nom_v.value,
           vmax = t->vdd_max_v.value, floor_v = tech_vdd_floor_v(t);
    if (vmin < floor_v - V_EPS)
        return fault(bad, TECH_P_vdd_min_v,
                     BASE_ERROR(BASE_ERANGE,
                                "technology '%s': vdd_min_v %g V is below the hard floor %g V "
                                "= max(vth_v + 0.15 V, 0.45 V) with vth_v %g V",
                                t->name, vmin, floor_v, vth));
    if (vnom < vmin || vnom > vmax)
        return fault(bad, TECH_P_vdd_nom_v,
                     BASE_ERROR(BASE_ERANGE,
                                "technology '%s': vdd_nom_v %g V lies outside vdd_min_v..vdd_max_v "
                                "%g..%g V",
                                t->name, vnom, vmin, vmax));

    /* Figures that must not be zero in total: a zero here would be a silent 0 pJ. */
    if (t->e_ml_fj.value + t->e_sl_fj.value <= 0.0)
        return fault(bad, TECH_P_e_ml_fj,
                     BASE_ERROR(BASE_ERANGE,
                                "technology '%s': compare energy e_ml_fj + e_sl_fj is zero",
                                t->name));
    if (t->e_read_fj.value <= 0.0)
        return fault(
            bad, TECH_P_e_read_fj,
            BASE_ERROR(BASE_ERANGE, "technology '%s': e_read_fj must be positive", t->name));
    if (t->family == TECH_CMOS) {
        if (t->e_write_fj.value <= 0.0)
            return fault(
                bad, TECH_P_e_write_fj,
                BASE_ERROR(BASE_ERANGE, "technology '%s': e_write_fj must be positive", t->name));
    } else {
        if (t->e_switch_fj.value * t->n_switch_per_bit.value + t->e_write_periph_fj.value <= 0.0)
            return fault(bad, TECH_P_e_switch_fj,
                         BASE_ERROR(BASE_ERANGE,
                                    "technology '%s': NVM write energy e_switch_fj x "
                                    "n_switch_per_bit + e_write_periph_fj is zero",
                                    t->name));
        if (t->n_write_phases.value != floor(t->n_write_phases.value))
            return fault(bad, TECH_P_n_write_phases,
                         BASE_ERROR(BASE_ERANGE,
                                    "technology '%s': n_write_phases %g must be a whole number",
                                    t->name, t->n_write_phases.value));
    }

    if (t->points.n_points > 0) {
        base_status st = validate_points(t);
        if (st != BASE_OK)
            return fault(bad, TECH_N_PARAMS, st);
    }
    t->validated = 1;
    return BASE_OK;
}

/* Law names printed next to each figure (static strings, see tech_at_vdd). */
static const char LAW_E_CMOS[] = "CV^2: E0*(V/V0)^k";
static const char LAW_E_NVM[] = "NVM search: E0*(f*(V/V0)^k + 1-f)";
static const char LAW_E_CMOS_STEFFEN[] = "measured energy points, GSL steffen interpolation";
static const char LAW_E_CMOS_LINEAR[] = "measured energy points, GSL linear interpolation";
static const char LAW_E_NVM_STEFFEN[] =
    "NVM search: E0*(f*s(V) + 1-f), s = measured energy points, GSL steffen interpolation";
static const char LAW_E_NVM_LINEAR[] =
    "NVM search: E0*(f*s(V) + 1-f), s = measured energy points, GSL linear interpolation";
static const char LAW_D_ALPHA[] =
    "alpha-power law: t0*[V/(V-Vth)^a]/[V0/(V0-Vth)^a] (Sakurai-Newton 1990)";
static const char LAW_D_STEFFEN[] = "measured delay points, GSL steffen interpolation";
static const char LAW_D_LINEAR[] = "measured delay points, GSL linear interpolation";
static const char LAW_LEAK[] = "P0*(V/V0)*exp(eta*(V-V0)/(n*vT)), vT = 25.9 mV";
static const char LAW_W_CMOS[] =
    "CMOS write: energy by the energy law, latency by the delay law (logic Vdd)";
static const char LAW_W_NVM[] =
    "NVM write: device part n_switch*e_switch/pump and n_phases*t_pulse fixed by the device, "
    "not the logic Vdd; periphery energy by (V/V0)^k (or energy points), periphery latency by "
    "the delay law";

/* Ratio of the alpha-power delay at v to that at v0. */
static double alpha_ratio(double v, double v0, double vth, double a)
{
    return (v / pow(v - vth, a)) / (v0 / pow(v0 - vth, a));
}

/* Value of interpolator ip at v relative to its value at vdd_nom_v. The caller has checked
 * that v lies in the points' span, so GSL raises no domain error. */
static double interp_ratio(const tech_params *t, const gsl_interp *ip, const double *y,
                           double at_nom, double v)
{
    return gsl_interp_eval(ip, t->points.vdd_v, y, v, NULL) / at_nom;
}

base_status tech_scale(const tech_params *t, double vdd_v, tech_at_vdd *out)
{
    if (!t->validated)
        return BASE_ERROR(BASE_EINVAL, "technology '%s' has not been validated", t->name);
    double vth = t->vth_v.value, v0 = t->vdd_nom_v.value, vmin = t->vdd_min_v.value,
           vmax = t->vdd_max_v.value;
    if (!isfinite(vdd_v))
        return BASE_ERROR(BASE_ERANGE, "technology '%s': Vdd is not a finite number", t->name);
    if (vdd_v <= vth)
        return BASE_ERROR(BASE_ERANGE,
                          "technology '%s': Vdd %g V is at or below Vth %g V (valid range "
                          "%g..%g V)",
                          t->name, vdd_v, vth, vmin, vmax);
    if (vdd_v < vmin - V_EPS || vdd_v > vmax + V_EPS)
        return BASE_ERROR(BASE_ERANGE,
                          "technology '%s': Vdd %g V is outside the valid range %g..%g V", t->name,
                          vdd_v, vmin, vmax);
    /* Inside the range up to V_EPS: clamp so GSL never sees a value beyond its knots. */
    double v = fmin(fmax(vdd_v, vmin), vmax);
    const struct tech_interp *ip = t->interp;
    int steffen = t->points.n_points >= 3;
    int nvm = t->family == TECH_NVM;

    memset(out, 0, sizeof *out);
    out->vdd_v = vdd_v;
    if (ip && ip->energy) {
        out->energy_scale =
            interp_ratio(t, ip->energy, t->points.energy_scale, ip->energy_at_nom, v);
        out->periph_law = steffen ? LAW_E_CMOS_STEFFEN : LAW_E_CMOS_LINEAR;
        out->energy_law = nvm ? (steffen ? LAW_E_NVM_STEFFEN : LAW_E_NVM_LINEAR) : out->periph_law;
    } else {
        out->energy_scale = pow(v / v0, t->energy_exponent_k.value);
        out->periph_law = LAW_E_CMOS;
        out->energy_law = nvm ? LAW_E_NVM : LAW_E_CMOS;
    }
    if (ip && ip->delay) {
        out->delay_scale = interp_ratio(t, ip->delay, t->points.delay_scale, ip->delay_at_nom, v);
        out->delay_law = steffen ? LAW_D_STEFFEN : LAW_D_LINEAR;
    } else {
        out->delay_scale = alpha_ratio(v, v0, vth, t->alpha.value);
        out->delay_law = LAW_D_ALPHA;
    }
    out->leak_scale = (v / v0) * exp(t->leak_eta.value * (v - v0) / (t->leak_n.value * THERMAL_V));
    out->leak_law = LAW_LEAK;

    /* Compare: NVM keeps the device-biased share (1 - f) of its energy at any Vdd. */
    double search_e = out->energy_scale;
    if (nvm) {
        double f = t->search_scaled_fraction.value;
        search_e = f * out->energy_scale + (1.0 - f);
    }
    out->e_ml_fj = t->e_ml_fj.value * search_e;
    out->e_sl_fj = t->e_sl_fj.value * search_e;
    out->t_search_ns = t->t_search_ns.value * out->delay_scale;
    out->p_leak_nw = t->p_leak_nw.value * out->leak_scale;
    /* A word read is CMOS periphery at the logic supply in both families: no device part. */
    out->e_read_fj = t->e_read_fj.value * out->energy_scale;
    out->endurance_writes = nvm ? t->endurance_writes.value : 0.0;

    if (nvm) {
        out->e_write_device_fj =
            t->n_switch_per_bit.value * t->e_switch_fj.value / t->pump_efficiency.value;
        out->e_write_periph_fj = t->e_write_periph_fj.value * out->energy_scale;
        out->t_write_device_ns = t->n_write_phases.value * t->t_pulse_ns.value;
        out->t_write_periph_ns = t->t_write_periph_ns.value * out->delay_scale;
        out->write_law = LAW_W_NVM;
    } else {
        out->e_write_periph_fj = t->e_write_fj.value * out->energy_scale;
        out->t_write_periph_ns = t->t_write_ns.value * out->delay_scale;
        out->write_law = LAW_W_CMOS;
    }
    out->e_write_fj = out->e_write_device_fj + out->e_write_periph_fj;
    out->t_write_ns = out->t_write_device_ns + out->t_write_periph_ns;
    return BASE_OK;
}
