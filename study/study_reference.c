/* study_reference.c - peak to peak with the published reference points (reference/,
 * the experiment's `published:` table): the AP's peak efficiency with its technology moved to
 * a published system's node by tech_params_at_node (Stillmaker-Baas fits), so PUMA's 32 nm
 * figures meet the AP's at 32 nm (docs/EXPERIMENTS.md, "Efficiency table"). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "study/study_impl.h"
#include "tech/tech.h"

/* The AP's peak on tech moved to node_nm, into r. */
static base_status peak_at(const study_experiment *e, const tech_params *tech, double node_nm,
                           const char *system, study_ref_peak *r)
{
    tech_params *moved = NULL;
    sim_plan *plan = NULL;
    sim_result *res = NULL;
    sim_arch arch = e->arch;
    r->node_nm = node_nm;
    r->vdd_v = r->tops_per_w = r->gops_per_mm2 = NAN;
    base_status st = tech_params_at_node(tech, node_nm, &moved);
    if (st != BASE_OK) { /* a table that cannot move (measured points) is a noted row */
        snprintf(r->note, sizeof r->note, "peak not moved to %g nm: %.100s", node_nm,
                 base_last_error());
        base_error_clear();
        for (char *q = r->note; *q; q++)
            if (*q == ',' || *q == '|' || *q == '"' || *q == '\n')
                *q = ';';
        return BASE_OK;
    }
    arch.batch = e->batch[0];
    r->vdd_v = moved->vdd_nom_v.value;
    st = study_plan_eval(e->nets[0], e->cfgs[0], &arch, moved, r->vdd_v, &plan, &res);
    if (st == BASE_ECAPACITY) {
        base_error_clear();
        snprintf(r->note, sizeof r->note, "peak at %g nm: %s does not fit", node_nm,
                 e->nets[0]->name);
        st = BASE_OK;
    } else if (st == BASE_OK) {
        r->tops_per_w = res->peak.tops_per_w;
        r->gops_per_mm2 = res->peak.gops_per_mm2;
        snprintf(r->note, sizeof r->note, "model peak at %s's %g nm (Stillmaker-Baas)", system,
                 node_nm);
    }
    sim_result_free(res);
    sim_plan_free(plan);
    tech_params_free(moved);
    return st;
}

base_status study_reference_peaks(const study_experiment *e, study_ref_peak **out, size_t *n)
{
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    if (e->arch.kind == SIM_ARCH_MEASURED) /* no AP to move: the chip has its own node */
        return BASE_OK;
    for (size_t i = 0; i < e->n_pub; i++)
        cap += !isnan(e->pub[i].node_nm) ? e->n_techs : 0;
    if (cap == 0)
        return BASE_OK;
    study_ref_peak *rows = base_calloc(cap, sizeof *rows);
    if (!rows)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    base_status st = BASE_OK;
    for (size_t i = 0; st == BASE_OK && i < e->n_pub; i++) {
        if (isnan(e->pub[i].node_nm))
            continue;
        for (size_t t = 0; st == BASE_OK && t < e->n_techs; t++) {
            study_ref_peak *r = &rows[(*n)++];
            r->pub = i;
            r->tech = t;
            st = peak_at(e, e->techs[t], e->pub[i].node_nm, e->pub[i].name, r);
        }
    }
    if (st != BASE_OK) {
        base_free(rows);
        *n = 0;
        return st;
    }
    *out = rows;
    return BASE_OK;
}
