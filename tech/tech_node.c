/* tech_node.c - moving a technology table to another CMOS node with the published scaling
 * fits of Stillmaker and Baas ("Scaling equations for the accurate prediction of CMOS device
 * performance from 180 nm to 7 nm", Integration 58:74-81, 2017): per node, delay(V) cubic,
 * dynamic energy(V) and static power(V) quadratic in the supply, and area relative to 45 nm.
 * Coefficients as transcribed in github.com/wromaszkan/nodeScale (nodeScale.py), high-
 * performance fits; nominal supply per node as github.com/VerticalResearchGroup/upcycle maps
 * it (the paper gives none). 28 and 22 nm lie between fitted nodes: each fit is interpolated
 * linearly in log(node) between its neighbours. Model and use: docs/TECH.md, "Nodes". */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "tech/tech.h"

/* One fitted node: delay a3..a0, energy e2..e0, power p2..p0 (in V), area / area(45 nm),
 * nominal Vdd. */
static const struct node_fit {
    double nm;
    double a3, a2, a1, a0;
    double e2, e1, e0;
    double p2, p1, p0;
    double area, vdd;
} fits[] = {
    {180, 0, 97.09, -356.7, 406.5, 0, 24.64, -17.98, 0, 101000, -79720, 19, 1.8},
    {130, -76.65, 334.9, -493.4, 275.8, 7.171, -6.709, 2.904, 27020, -15450, 5630, 6.4, 1.2},
    {90, -60.34, 262.5, -384.2, 210.9, 4.762, -4.781, 2.092, 17320, -11230, 4328, 2.8, 1.1},
    {65, -53.3, 230.4, -333.9, 178.6, 3.755, -4.398, 1.975, 12890, -10510, 4362, 1.5, 1.1},
    {45, -501.6, 1567, -1619, 566.1, 1.018, -0.3107, 0.1539, 5462, -1760, 522.4, 1, 1.1},
    {32, -1047, 2982, -2797, 873.5, 0.8367, -0.4341, 0.1701, 4001, -1733, 533.6, 0.46, 0.97},
    {20, 0, 34.63, -66.37, 41.15, 0.373, -0.1582, 0.04104, 2922, -1286, 299.9, 0.21, 0.9},
    {16, 0, 24.8, -47.52, 28.87, 0.2958, -0.1241, 0.03024, 2133, -882.6, 197.7, 0.19, 0.86},
    {14, -40.66, 109.2, -100.6, 35.92, 0.2363, -0.09675, 0.02239, 1675, -711, 159, 0.17, 0.86},
    {10, -34.95, 93.65, -85.99, 30.4, 0.2068, -0.09311, 0.02375, 1456, -621.6, 143.8, 0.10, 0.83},
    {7, -28.58, 76.6, -70.26, 24.69, 0.1776, -0.09097, 0.02447, 1179, -515.7, 123.4, 0.059, 0.8},
};
#define N_FITS (sizeof fits / sizeof fits[0])

/* The four figures of one fitted node at supply v. */
static void fit_at(const struct node_fit *f, double v, double out[4])
{
    out[0] = ((f->a3 * v + f->a2) * v + f->a1) * v + f->a0;
    out[1] = (f->e2 * v + f->e1) * v + f->e0;
    out[2] = (f->p2 * v + f->p1) * v + f->p0;
    out[3] = f->area;
}

/* The fitted nodes around nm (hi above or at it, lo below) and the weight of lo, linear in
 * log(node). BASE_ERANGE outside the fits' 7..180 nm. */
static base_status bracket(double nm, const struct node_fit **hi, const struct node_fit **lo,
                           double *w)
{
    if (!(nm >= fits[N_FITS - 1].nm && nm <= fits[0].nm))
        return BASE_ERROR(BASE_ERANGE,
                          "technology node %g nm is outside the scaling fits' %g..%g nm", nm,
                          fits[N_FITS - 1].nm, fits[0].nm);
    size_t i = 0;
    while (i + 1 < N_FITS && fits[i + 1].nm >= nm)
        i++;
    *hi = &fits[i];
    *lo = i + 1 < N_FITS ? &fits[i + 1] : *hi;
    *w = *lo != *hi && (*hi)->nm != nm
             ? (log((*hi)->nm) - log(nm)) / (log((*hi)->nm) - log((*lo)->nm))
             : 0;
    return BASE_OK;
}

/* Delay, energy, power and area at (node, v), interpolated between fitted nodes.
 * BASE_ERANGE outside the fits or where a fit is not positive (a supply far outside the
 * node's range). */
static base_status figures(double nm, double v, double out[4])
{
    const struct node_fit *hi, *lo;
    double a[4], b[4], w;
    base_status st = bracket(nm, &hi, &lo, &w);
    if (st != BASE_OK)
        return st;
    fit_at(hi, v, a);
    fit_at(lo, v, b);
    for (int k = 0; k < 4; k++) {
        out[k] = (1 - w) * a[k] + w * b[k];
        if (!(out[k] > 0))
            return BASE_ERROR(BASE_ERANGE,
                              "the scaling fits give no positive figure at %g nm and %g V", nm, v);
    }
    return BASE_OK;
}

base_status tech_node_vdd(double node_nm, double *vdd_v)
{
    const struct node_fit *hi, *lo;
    double w;
    base_status st = bracket(node_nm, &hi, &lo, &w);
    if (st == BASE_OK)
        *vdd_v = (1 - w) * hi->vdd + w * lo->vdd;
    return st;
}

base_status tech_node_factors(double from_nm, double from_vdd, double to_nm, double to_vdd,
                              tech_node_factors_t *out)
{
    double s[4], t[4];
    base_status st = figures(from_nm, from_vdd, s);
    if (st == BASE_OK)
        st = figures(to_nm, to_vdd, t);
    if (st != BASE_OK)
        return st;
    out->delay = t[0] / s[0];
    out->energy = t[1] / s[1];
    out->power = t[2] / s[2];
    out->area = t[3] / s[3];
    return BASE_OK;
}

/* Scales parameter id of t (when the table has it) by factor, recording the law in its
 * source. */
static base_status scale(tech_params *t, tech_param_id id, double factor, const char *what,
                         double from_nm, double to_nm)
{
    const tech_value *v = tech_params_get(t, id);
    if (!v->source)
        return BASE_OK;
    char src[512];
    snprintf(src, sizeof src,
             "[derived] %s x %.4g: Stillmaker and Baas (Integration 58, 2017) %s factor from "
             "%g nm to %g nm; was: %.300s",
             tech_param_info_of(id)->key, factor, what, from_nm, to_nm, v->source);
    return tech_params_set(t, id, v->value * factor, src);
}

base_status tech_params_at_node(const tech_params *src, double node_nm, tech_params **out)
{
    *out = NULL;
    double from_nm = src->node_nm.value, v0 = src->vdd_nom_v.value, v1;
    base_status st = tech_node_vdd(node_nm, &v1);
    tech_node_factors_t f;
    if (st == BASE_OK) {
        /* The source table's supply maps onto the target node's nominal in proportion. */
        double from_nom;
        st = tech_node_vdd(from_nm, &from_nom);
        if (st == BASE_OK)
            v1 = v0 * v1 / from_nom;
    }
    if (st == BASE_OK)
        st = tech_node_factors(from_nm, v0, node_nm, v1, &f);
    if (st != BASE_OK)
        return base_error_wrap(st, NULL, 0, 0, "technology '%s' at %g nm: ", src->name, node_nm);
    char name[256];
    snprintf(name, sizeof name, "%s@%gnm", src->name, node_nm);
    tech_params *t = NULL;
    st = tech_params_new(name, &t);
    if (st != BASE_OK)
        return st;
    t->family = src->family;
    st = tech_params_set_description(t, src->description);
    if (st == BASE_OK)
        st = tech_params_set_origin(t, src->origin);
    bool nvm = src->family == TECH_NVM;
    for (int i = 0; i < TECH_N_PARAMS && st == BASE_OK; i++) {
        const tech_value *v = tech_params_get(src, (tech_param_id)i);
        bool area = i == TECH_P_cell_area_f2 || i == TECH_P_cell_area_um2;
        if (v->source && !(area && !nvm)) /* CMOS area is set below */
            st = tech_params_set(t, (tech_param_id)i, v->value, v->source);
    }
    if (st == BASE_OK && src->points.n_points > 0)
        st = BASE_ERROR(BASE_EUNSUPPORTED,
                        "technology '%s' has measured per-voltage points, which belong to its "
                        "own node: it cannot be moved to %g nm",
                        src->name, node_nm);
    double vr = v1 / v0;
    char vsrc[256];
    snprintf(vsrc, sizeof vsrc,
             "[derived] x %.4g: nominal supply of %g nm over %g nm (node map of "
             "github.com/VerticalResearchGroup/upcycle)",
             vr, node_nm, from_nm);
    static const tech_param_id volts[] = {TECH_P_vdd_nom_v, TECH_P_vdd_min_v, TECH_P_vdd_max_v,
                                          TECH_P_vth_v};
    for (size_t i = 0; i < sizeof volts / sizeof volts[0] && st == BASE_OK; i++)
        st = tech_params_set(t, volts[i], tech_params_get(src, volts[i])->value * vr, vsrc);
    /* The lowest supply never goes below the cell-stability floor. */
    if (st == BASE_OK && t->vdd_min_v.value < tech_vdd_floor_v(t))
        st = tech_params_set(t, TECH_P_vdd_min_v, fmin(tech_vdd_floor_v(t), t->vdd_nom_v.value),
                             "[derived] the scaled lowest supply, raised to the floor "
                             "max(vth_v + 0.15 V, 0.45 V) of docs/TECH.md");
    if (st == BASE_OK)
        st = tech_params_set(t, TECH_P_node_nm, node_nm,
                             "[derived] the node asked for (--node or node_nm)");
    /* CMOS figures move with the node; an NVM device's write switch and pulse stay its own,
     * its CMOS periphery moves, and of its compare energy only the share that scales with
     * Vdd (search_scaled_fraction) moves. */
    double fs = nvm ? tech_params_get(src, TECH_P_search_scaled_fraction)->value : 1.0;
    double search = fs * f.energy + (1.0 - fs);
    if (st == BASE_OK)
        st = scale(t, TECH_P_e_ml_fj, search, "dynamic energy (scaled share)", from_nm, node_nm);
    if (st == BASE_OK)
        st = scale(t, TECH_P_e_sl_fj, search, "dynamic energy (scaled share)", from_nm, node_nm);
    static const tech_param_id energies[] = {TECH_P_e_read_fj, TECH_P_e_write_fj,
                                             TECH_P_e_write_periph_fj};
    static const tech_param_id delays[] = {TECH_P_t_search_ns, TECH_P_t_write_ns,
                                           TECH_P_t_write_periph_ns};
    for (size_t i = 0; i < sizeof energies / sizeof energies[0] && st == BASE_OK; i++)
        st = scale(t, energies[i], f.energy, "dynamic energy", from_nm, node_nm);
    for (size_t i = 0; i < sizeof delays / sizeof delays[0] && st == BASE_OK; i++)
        st = scale(t, delays[i], f.delay, "delay", from_nm, node_nm);
    if (st == BASE_OK)
        st = scale(t, TECH_P_p_leak_nw, f.power, "static power", from_nm, node_nm);
    if (st == BASE_OK && !nvm) {
        /* CMOS cell area follows the fits' area factor, not F^2 alone. */
        double um2 = tech_cell_area_um2(src) * f.area;
        char asrc[256];
        snprintf(asrc, sizeof asrc,
                 "[derived] %.4g um^2 x %.4g: Stillmaker and Baas (Integration 58, 2017) area "
                 "factor from %g nm to %g nm",
                 tech_cell_area_um2(src), f.area, from_nm, node_nm);
        st = tech_params_set(t, TECH_P_cell_area_um2, um2, asrc);
    }
    if (st == BASE_OK)
        st = tech_params_validate(t, NULL);
    if (st != BASE_OK) {
        tech_params_free(t);
        return st;
    }
    *out = t;
    return BASE_OK;
}
