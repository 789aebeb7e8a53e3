/* sim_report.c - writes run results: per-layer CSV, network summary CSV and JSON.
 * Every column carries its unit; numbers are printed in the C locale with fixed precision. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "base/base_json.h"
#include "sim/sim.h"

static const char *bits_name(const sim_result *res)
{
    return sim_bits_name(res->bits);
}

/* Columns of a breakdown, "<prefix><name><suffix>", comma first. */
static void breakdown_header(FILE *fp, const char *prefix, const char *suffix, bool phases)
{
    int n = phases ? SIM_PHASE_COUNT : SIM_COMP_COUNT;
    for (int k = 0; k < n; k++)
        fprintf(fp, ",%s%s%s", prefix,
                phases ? sim_phase_name((sim_phase)k) : sim_component_name((sim_component)k),
                suffix);
}

/* ",v0,v1,..." x scale, with 7 significant digits (small per-layer values stay visible). */
static void breakdown_values(FILE *fp, const double *v, int n, double scale)
{
    for (int k = 0; k < n; k++)
        fprintf(fp, ",%.6e", v[k] * scale);
}

/* The dataflow a layer used: the AP's choice, a measured chip's, or "" (none). */
static const char *flow_name(const sim_candidate *c, const sim_layer_result *lr)
{
    if (c->has_dataflow)
        return sim_dataflow_name(lr->dataflow);
    return c->vec_flow ? c->vec_flow : "";
}

/* ",v" with prec decimals (in exponent form when sci), or "," alone when v is not a number
 * (a figure not published). */
static void csv_num(FILE *fp, int prec, int sci, double v)
{
    fputc(',', fp);
    if (!isnan(v))
        fprintf(fp, sci ? "%.*e" : "%.*f", prec, v);
}

base_status sim_result_write_layers_csv(FILE *fp, const sim_plan *plan, const sim_result *res)
{
    fprintf(fp, "layer,kind,gemm_m,gemm_n,gemm_k,w_bits,a_bits,o_bits,acc_bits,chunk_k,"
                "n_chunks,slots,placement,dataflow,input_requant,rows,folds,passes,compares,"
                "writes,plane_writes,plane_reads,latency_ms,energy_mj,edp_js");
    breakdown_header(fp, "energy_", "_mj", false);
    breakdown_header(fp, "energy_", "_mj", true);
    fputc('\n', fp);
    for (size_t i = 0; i < res->n_layers; i++) {
        const sim_layer_result *lr = &res->layers[i];
        const net_layer *l = &res->net->layers[lr->layer];
        const sim_layer_plan *lp = sim_plan_layer(plan, lr->layer);
        const sim_candidate *c = &lp->cand[lr->chosen];
        fprintf(fp,
                "%s,%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%u,%u,%u,%u,%" PRIu64 ",%" PRIu64
                ",%" PRIu64 ",%s,%s,%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
                ",%" PRIu64 ",%" PRIu64 ",%.6e,%.6e,%.6e",
                base_csv(l->name), net_kind_name(l->kind), lp->gemm_m, lp->gemm_n, lp->gemm_k,
                lp->bits.w_bits, lp->bits.a_bits, lp->bits.o_bits, c->acc_bits, c->chunk_k,
                c->n_chunks, c->n_slots,
                lp->gemm_k && res->arch.kind == SIM_ARCH_AP ? sim_placement_name(lr->placement)
                                                            : "",
                flow_name(c, lr), lp->has_pre ? "true" : "false", c->n_rows, c->n_folds,
                c->n_passes * c->n_folds, c->n_compares * c->n_folds, c->n_writes * c->n_folds,
                c->n_plane_writes * c->n_folds, c->n_plane_reads * c->n_folds,
                lr->latency_ns * 1e-6, lr->energy_pj * 1e-9, lr->edp_pj_ns * 1e-21);
        breakdown_values(fp, lr->by_component_pj, SIM_COMP_COUNT, 1e-9);
        breakdown_values(fp, lr->by_phase_pj, SIM_PHASE_COUNT, 1e-9);
        fputc('\n', fp);
    }
    return base_write_status(fp);
}

base_status sim_result_write_summary_csv(FILE *fp, const sim_result *res, int header)
{
    if (header) {
        fprintf(fp, "network,bits,technology,map_technology,vdd_v,batch,architecture,latency_ms,"
                    "energy_mj,edp_js");
        breakdown_header(fp, "energy_", "_mj", false);
        breakdown_header(fp, "energy_", "_mj", true);
        fprintf(fp, ",macs,inferences_per_s,tops_per_w,peak_tops_per_w,area_mm2,gops_per_mm2,"
                    "peak_gops_per_mm2,cap_writes_per_cell_max,lifetime_inferences,"
                    "idle_energy_mj\n");
    }
    fprintf(fp, "%s,%s,%s,%s", base_csv(res->net->name), base_csv(bits_name(res)),
            base_csv(sim_result_tech_name(res)), base_csv(sim_result_map_tech_name(res)));
    csv_num(fp, 3, 0, res->at.vdd_v);
    fprintf(fp, ",%u,%s,%.6e,%.6e,%.6e", res->arch.batch, base_csv(res->arch.name),
            res->latency_ns * 1e-6, res->energy_pj * 1e-9, res->edp_pj_ns * 1e-21);
    breakdown_values(fp, res->by_component_pj, SIM_COMP_COUNT, 1e-9);
    breakdown_values(fp, res->by_phase_pj, SIM_PHASE_COUNT, 1e-9);
    fprintf(fp, ",%" PRIu64 ",%.6e,%.6e,%.6e", res->macs, res->throughput_inf_s, res->tops_per_w,
            res->peak.tops_per_w);
    csv_num(fp, 3, 0, res->area_mm2);
    csv_num(fp, 6, 1, res->gops_per_mm2);
    csv_num(fp, 6, 1, res->peak.gops_per_mm2);
    fprintf(fp, ",%.6e", res->wear.cap_max);
    csv_num(fp, 6, 1,
            isfinite(res->wear.lifetime_inferences) ? res->wear.lifetime_inferences : (double)NAN);
    fprintf(fp, ",%.6e\n", res->idle_energy_pj * 1e-9);
    return base_write_status(fp);
}

/* "name": {"k1": v1, ...} with values x scale. */
static void json_breakdown(json_t *doc, const char *name, const double *v, int n, double scale,
                           const char *(*key)(int))
{
    json_t *o = json_object();
    for (int k = 0; k < n; k++)
        base_json_put(o, key(k), base_json_num(v[k] * scale));
    base_json_put(doc, name, o);
}

static const char *comp_key(int k)
{
    return sim_component_name((sim_component)k);
}
static const char *phase_key(int k)
{
    return sim_phase_name((sim_phase)k);
}
static const char *area_key(int k)
{
    return sim_area_name((sim_area_part)k);
}

base_status sim_result_write_json(FILE *fp, const sim_result *res)
{
    json_t *d = base_json_doc(SIM_MODEL_VERSION);
    base_json_put(d, "network", base_json_text(res->net->name));
    base_json_put(d, "bits", base_json_text(bits_name(res)));
    base_json_put(d, "technology", base_json_text(sim_result_tech_name(res)));
    base_json_put(d, "map_technology", base_json_text(sim_result_map_tech_name(res)));
    base_json_put(d, "architecture", base_json_text(res->arch.name));
    base_json_put(d, "vdd_v", base_json_num(res->at.vdd_v));
    base_json_put(d, "batch", json_integer(res->arch.batch));
    base_json_put(d, "latency_ms", base_json_num(res->latency_ns * 1e-6));
    base_json_put(d, "energy_mj", base_json_num(res->energy_pj * 1e-9));
    base_json_put(d, "edp_js", base_json_num(res->edp_pj_ns * 1e-21));
    base_json_put(d, "idle_energy_mj", base_json_num(res->idle_energy_pj * 1e-9));
    json_breakdown(d, "energy_by_component_mj", res->by_component_pj, SIM_COMP_COUNT, 1e-9,
                   comp_key);
    json_breakdown(d, "energy_by_phase_mj", res->by_phase_pj, SIM_PHASE_COUNT, 1e-9, phase_key);
    json_breakdown(d, "area_by_component_mm2", res->area_by_part_mm2, SIM_AREA_COUNT, 1.0,
                   area_key);
    base_json_put(d, "macs", json_integer((json_int_t)res->macs));
    base_json_put(d, "inferences_per_s", base_json_num(res->throughput_inf_s));
    base_json_put(d, "tops_per_w", base_json_num(res->tops_per_w));
    base_json_put(d, "peak_tops_per_w", base_json_num(res->peak.tops_per_w));
    base_json_put(d, "area_mm2", base_json_num(res->area_mm2));
    base_json_put(d, "gops_per_mm2", base_json_num(res->gops_per_mm2));
    base_json_put(d, "peak_gops_per_mm2", base_json_num(res->peak.gops_per_mm2));
    base_json_put(d, "peak_energy_per_mac_mj", base_json_num(res->peak.energy_per_mac_pj * 1e-9));
    base_json_put(d, "map_mbit", base_json_num(res->map_bits * 1e-6));
    json_t *w = json_object();
    base_json_put(w, "cap_writes_per_cell_mean", base_json_num(res->wear.cap_mean));
    base_json_put(w, "cap_writes_per_cell_max", base_json_num(res->wear.cap_max));
    base_json_put(w, "map_writes_per_cell_mean", base_json_num(res->wear.map_mean));
    base_json_put(w, "map_writes_per_cell_max", base_json_num(res->wear.map_max));
    base_json_put(w, "endurance_writes",
                  base_json_num(res->wear.endurance_writes > 0 ? res->wear.endurance_writes
                                                               : (double)INFINITY));
    base_json_put(w, "lifetime_inferences", base_json_num(res->wear.lifetime_inferences));
    base_json_put(d, "wear", w);
    base_json_put(d, "note", base_json_text(res->note[0] ? res->note : NULL));
    json_t *laws = json_object();
    base_json_put(laws, "energy", base_json_text(res->at.energy_law));
    base_json_put(laws, "delay", base_json_text(res->at.delay_law));
    base_json_put(laws, "write", base_json_text(res->at.write_law));
    base_json_put(laws, "leakage", base_json_text(res->at.leak_law));
    base_json_put(d, "laws", laws);
    return base_json_write(fp, d);
}

base_status sim_result_write_ert_csv(FILE *fp, const sim_result *res)
{
    sim_ert_row rows[SIM_ERT_MAX];
    size_t n = sim_result_ert(res, rows);
    fprintf(fp, "component,action,energy_mj,technology,vdd_v\n");
    for (size_t i = 0; i < n; i++) {
        fprintf(fp, "%s,%s,%.6e,%s", sim_component_name(rows[i].component), rows[i].action,
                rows[i].energy_pj * 1e-9, base_csv(sim_result_tech_name(res)));
        csv_num(fp, 3, 0, res->at.vdd_v);
        fputc('\n', fp);
    }
    return base_write_status(fp);
}

const char *sim_bits_label(const net_network *net, const net_bitcfg *bits, char *buf, size_t cap)
{
    size_t n_weighted = 0, seen = 0;
    unsigned w = 0, a = 0;
    int uniform = 1;
    for (size_t i = 0; i < net->n_layers; i++)
        n_weighted += net_kind_has_weights(net->layers[i].kind) != 0;
    for (size_t i = 0; i < net->n_layers; i++) {
        if (!net_kind_has_weights(net->layers[i].kind))
            continue;
        seen++;
        /* The first and last weight layers are often kept at 8 bits (HAWQ-V3's INT4). */
        if (n_weighted > 2 && (seen == 1 || seen == n_weighted))
            continue;
        const net_layer_bits *b = &bits->bits[i];
        if (w == 0) {
            w = b->w_bits;
            a = b->a_bits;
        } else if (b->w_bits != w || b->a_bits != a) {
            uniform = 0;
        }
    }
    if (!uniform || w == 0)
        snprintf(buf, cap, "mixed");
    else if (w == a)
        snprintf(buf, cap, "INT%u", w);
    else
        snprintf(buf, cap, "W%uA%u", w, a);
    return buf;
}
