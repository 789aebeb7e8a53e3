/* sim_report.c - writes run results: per-layer CSV, network summary CSV and JSON.
 * Every column carries its unit; numbers are printed in the C locale with fixed precision. */
#include <inttypes.h>
#include <stdio.h>

#include "sim/sim.h"

static const char *bits_name(const sim_result *res)
{
    return sim_bits_name(res->bits);
}

base_status sim_result_write_layers_csv(FILE *fp, const sim_plan *plan, const sim_result *res)
{
    fprintf(fp, "layer,kind,gemm_m,gemm_n,gemm_k,w_bits,a_bits,o_bits,acc_bits,chunk_k,"
                "n_chunks,slots,rows,folds,passes,compares,writes,plane_writes,plane_reads,"
                "latency_ns,energy_search_pj,energy_write_pj,energy_move_pj,energy_leak_pj,"
                "energy_periph_pj,energy_pj,edp_pj_ns\n");
    for (size_t i = 0; i < res->n_layers; i++) {
        const sim_layer_result *lr = &res->layers[i];
        const net_layer *l = &res->net->layers[lr->layer];
        const sim_layer_plan *lp = sim_plan_layer(plan, lr->layer);
        const sim_candidate *c = &lp->cand[lr->chosen];
        fprintf(fp,
                "%s,%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%u,%u,%u,%u,%" PRIu64 ",%" PRIu64
                ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
                ",%" PRIu64 ",%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.6e\n",
                l->name, net_kind_name(l->kind), lp->gemm_m, lp->gemm_n, lp->gemm_k,
                lp->bits.w_bits, lp->bits.a_bits, lp->bits.o_bits, c->acc_bits, c->chunk_k,
                c->n_chunks, c->n_slots, c->n_rows, c->n_folds, c->n_passes * c->n_folds,
                c->n_compares * c->n_folds, c->n_writes * c->n_folds,
                c->n_plane_writes * c->n_folds, c->n_plane_reads * c->n_folds, lr->latency_ns,
                lr->energy_search_pj, lr->energy_write_pj, lr->energy_move_pj, lr->energy_leak_pj,
                lr->energy_periph_pj, lr->energy_pj, lr->edp_pj_ns);
    }
    return base_write_status(fp);
}

base_status sim_result_write_summary_csv(FILE *fp, const sim_result *res, int header)
{
    if (header)
        fprintf(fp, "network,bits,technology,vdd_v,batch,architecture,latency_ms,energy_mj,"
                    "edp_js,energy_search_mj,energy_write_mj,energy_move_mj,energy_leak_mj,"
                    "energy_periph_mj,macs,throughput_inf_s,tops_per_w,area_mm2,gops_per_mm2,"
                    "energy_law,delay_law,write_law,leak_law\n");
    fprintf(fp,
            "%s,%s,%s,%.3f,%u,%s,%.6e,%.6e,%.6e,%.6e,%.6e,%.6e,%.6e,%.6e,%" PRIu64
            ",%.6e,%.6e,%.3f,%.6e,\"%s\",\"%s\",\"%s\",\"%s\"\n",
            res->net->name, bits_name(res), res->tech->name, res->at.vdd_v, res->arch.batch,
            res->arch.name, res->latency_ns * 1e-6, res->energy_pj * 1e-9, res->edp_pj_ns * 1e-21,
            res->energy_search_pj * 1e-9, res->energy_write_pj * 1e-9, res->energy_move_pj * 1e-9,
            res->energy_leak_pj * 1e-9, res->energy_periph_pj * 1e-9, res->macs,
            res->throughput_inf_s, res->tops_per_w, res->area_mm2, res->gops_per_mm2,
            res->at.energy_law, res->at.delay_law, res->at.write_law, res->at.leak_law);
    return base_write_status(fp);
}

base_status sim_result_write_json(FILE *fp, const sim_result *res)
{
    fprintf(fp, "{\n  \"network\": ");
    base_json_str(fp, res->net->name);
    fprintf(fp, ",\n  \"bits\": ");
    base_json_str(fp, bits_name(res));
    fprintf(fp, ",\n  \"technology\": ");
    base_json_str(fp, res->tech->name);
    fprintf(fp, ",\n  \"architecture\": ");
    base_json_str(fp, res->arch.name);
    fprintf(fp,
            ",\n  \"vdd_v\": %.3f,\n  \"batch\": %u,\n  \"latency_ms\": %.6e,\n"
            "  \"energy_mj\": %.6e,\n  \"edp_js\": %.6e,\n  \"energy_split_mj\": {\"search\": "
            "%.6e, \"write\": %.6e, \"movement\": %.6e, \"leakage\": %.6e, \"peripheral\": "
            "%.6e},\n  \"macs\": %" PRIu64 ",\n  \"throughput_inf_s\": %.6e,\n"
            "  \"tops_per_w\": %.6e,\n  \"area_mm2\": %.3f,\n  \"gops_per_mm2\": %.6e,\n"
            "  \"laws\": {\"energy\": ",
            res->at.vdd_v, res->arch.batch, res->latency_ns * 1e-6, res->energy_pj * 1e-9,
            res->edp_pj_ns * 1e-21, res->energy_search_pj * 1e-9, res->energy_write_pj * 1e-9,
            res->energy_move_pj * 1e-9, res->energy_leak_pj * 1e-9, res->energy_periph_pj * 1e-9,
            res->macs, res->throughput_inf_s, res->tops_per_w, res->area_mm2, res->gops_per_mm2);
    base_json_str(fp, res->at.energy_law);
    fprintf(fp, ", \"delay\": ");
    base_json_str(fp, res->at.delay_law);
    fprintf(fp, ", \"write\": ");
    base_json_str(fp, res->at.write_law);
    fprintf(fp, ", \"leakage\": ");
    base_json_str(fp, res->at.leak_law);
    fprintf(fp, "}\n}\n");
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
