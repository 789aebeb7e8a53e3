/* sim_accel.c - runs apsim networks on the rival accelerator models of accel/: converts each
 * conv/FC layer with its bits into an acc_layer and sums the model's costs. The non-GEMM
 * layers (pooling, ReLU, residual adds) are not costed for the rivals: their papers model
 * only conv/FC, so comparisons state that the rivals' figures are GEMM-only. */
#include <stdio.h>
#include <string.h>

#include "sim/sim.h"

base_status sim_accel_open(const char *name, sim_accel *out)
{
    char rel[256], path[4096];
    memset(out, 0, sizeof *out);
    base_status st = acc_model_find(name, &out->model);
    if (st != BASE_OK)
        return st;
    snprintf(rel, sizeof rel, "accel/calibrated/%s.yaml", name);
    st = base_find_data(rel, path, sizeof path);
    if (st == BASE_OK)
        st = acc_params_load(out->model, path, &out->params);
    return st;
}

void sim_accel_close(sim_accel *a)
{
    if (!a)
        return;
    acc_params_free(a->params);
    memset(a, 0, sizeof *a);
}

base_status sim_accel_layers(const net_network *net, const net_bitcfg *bits, unsigned batch,
                             acc_layer *layers, size_t *n_out)
{
    size_t n = 0;
    for (size_t i = 0; i < net->n_layers; i++) {
        const net_layer *l = &net->layers[i];
        const net_layer_bits *b = &bits->bits[i];
        base_status st;
        /* Rivals see a layer by its GEMM form, never by its kind; the rival models cost GEMMs
         * only, so layers without weights are left out (as sim_accel_run documents). */
        uint64_t gm, gn, gk;
        net_layer_gemm(l, batch, &gm, &gn, &gk);
        /* A GEMM that is no im2col of a plain conv/fc (a deconv's scatter form, a matmul of
         * two activations) is handed over as the fc-shaped GEMM gm x gn x gk, so that the
         * rivals cost MACs x batch as the layer has them. */
        const net_gemm_form form = net_kind_gemm_form(l->kind);
        const int im2col =
            form == NET_GEMM_FC ||
            (form == NET_GEMM_CONV && gm == (uint64_t)l->h_out * (uint64_t)l->w_out * batch);
        if (gm > 0 && !im2col) {
            st = acc_layer_init_fc(&layers[n], l->name, (unsigned)gm, (int)gk, (int)gn, b->a_bits,
                                   b->w_bits ? b->w_bits : b->a_bits);
            if (st != BASE_OK)
                return st;
            n++;
            continue;
        }
        switch (net_kind_gemm_form(l->kind)) {
        case NET_GEMM_CONV:
            st = acc_layer_init_conv(&layers[n], l->name, batch, l->c_in, l->h_in, l->w_in,
                                     l->c_out, l->kh, l->kw, l->stride, l->pad, l->groups,
                                     b->a_bits, b->w_bits);
            break;
        case NET_GEMM_FC:
            st = acc_layer_init_fc(&layers[n], l->name, batch, l->c_in * l->h_in * l->w_in,
                                   l->c_out, b->a_bits, b->w_bits);
            break;
        default:
            continue;
        }
        if (st != BASE_OK)
            return st;
        n++;
    }
    *n_out = n;
    return BASE_OK;
}

base_status sim_accel_run(sim_accel *a, const net_network *net, const net_bitcfg *bits,
                          unsigned batch, acc_cost *total)
{
    acc_layer *layers = base_calloc(net->n_layers ? net->n_layers : 1, sizeof *layers);
    size_t n = 0;
    if (!layers)
        return BASE_ERROR(BASE_ENOMEM, "out of memory costing %s", net->name);
    char model[256]; /* the file's own name: a network at another input shape is that model */
    snprintf(model, sizeof model, "%.*s",
             (int)(net->model_len ? net->model_len : strlen(net->name)), net->name);
    base_status st = acc_params_select_network(a->params, model);
    if (st == BASE_OK)
        st = sim_accel_layers(net, bits, batch, layers, &n);
    if (st == BASE_OK)
        st = acc_network_cost(a->model, a->params, layers, n, total);
    base_free(layers);
    return st;
}

/* ---- Rivals on one basis ---------------------------------------------------------------
 * Platforms, each figure with its public source. FPGA device nodes: AMD/Xilinx product
 * pages (Zynq-7000: TSMC 28 nm HPL; Zynq UltraScale+: TSMC 16 nm FinFET); core supplies
 * (VCCINT) from the data sheets DS187 (Zynq-7000, 1.0 V) and DS925 (Zynq UltraScale+,
 * 0.85 V). */
static const sim_accel_platform platforms[] = {
    {"sparq", 0, 22, 0, "GF 22FDX (Ara RISC-V vector core)",
     "Sparq arXiv 2306.09905: modified Ara in GF 22FDX (22 nm FD-SOI); supply not given: "
     "22 nm nominal [est]"},
    {"potacc", 1, 28, 1.0, "PYNQ-Z2 Zynq-7020 FPGA",
     "PoTAcc arXiv 2409.20403: PYNQ-Z2 (Zynq-7020) at 200 MHz; Zynq-7000 is TSMC 28 nm HPL "
     "(AMD product page); VCCINT 1.0 V (AMD DS187)"},
    {"bitsys", 1, 16, 0.85, "Ultra96 Zynq UltraScale+ FPGA",
     "bitwise systolic array arXiv 2602.23334: Ultra96 at 250 MHz; Zynq UltraScale+ is TSMC "
     "16 nm FinFET (AMD product page); VCCINT 0.85 V (AMD DS925)"},
    {"axbxp", 0, 0, 0, "ASIC (node not published)",
     "Ax-BxP arXiv 2011.13000: an ASIC whose node the abstract does not give; every hardware "
     "figure of the model is [est], so it is assumed at the basis [est]"},
};

base_status sim_accel_platform_of(const char *model, const sim_accel_platform **out)
{
    for (size_t i = 0; i < sizeof platforms / sizeof platforms[0]; i++) {
        if (strcmp(platforms[i].model, model) == 0) {
            *out = &platforms[i];
            return BASE_OK;
        }
    }
    return BASE_ERROR(BASE_ENOTFOUND, "no platform record for rival '%s'", model);
}

base_status sim_accel_basis_at(const char *model, double node_nm, double vdd_v, int native,
                               sim_accel_basis *out)
{
    memset(out, 0, sizeof *out);
    base_status st = sim_accel_platform_of(model, &out->platform);
    if (st != BASE_OK)
        return st;
    const sim_accel_platform *p = out->platform;
    out->native = native;
    out->node_nm = node_nm;
    out->vdd_v = vdd_v;
    out->from_vdd_v = p->vdd_v;
    out->vdd_est = p->node_nm > 0 && p->vdd_v <= 0;
    out->gap_delay = out->gap_energy = out->gap_area = 1;
    out->node = (tech_node_factors_t){1, 1, 1, 1};
    if (p->node_nm > 0 && out->vdd_est)
        st = tech_node_vdd(p->node_nm, &out->from_vdd_v);
    if (st == BASE_OK && !native && p->fpga) {
        out->gap_delay = SIM_FPGA_GAP_DELAY;
        out->gap_energy = SIM_FPGA_GAP_ENERGY;
        out->gap_area = SIM_FPGA_GAP_AREA;
    }
    if (st == BASE_OK && !native && p->node_nm > 0)
        st = tech_node_factors(p->node_nm, out->from_vdd_v, node_nm, vdd_v, &out->node);
    if (st != BASE_OK)
        return base_error_wrap(st, NULL, 0, 0, "rival '%s' on %g nm at %g V: ", model, node_nm,
                               vdd_v);
    out->latency = out->node.delay / out->gap_delay;
    out->energy = out->node.energy / out->gap_energy;
    out->area = out->node.area / out->gap_area;
    char from[64];
    if (p->node_nm > 0)
        snprintf(from, sizeof from, "%s %g nm %.2f V%s", p->fpga ? "fpga" : "asic", p->node_nm,
                 out->from_vdd_v, out->vdd_est ? " [est]" : "");
    else
        snprintf(from, sizeof from, "asic node unknown");
    if (native)
        snprintf(out->label, sizeof out->label, "native: %s", from);
    else if (p->node_nm <= 0)
        snprintf(out->label, sizeof out->label, "%s: assumed at %g nm %.2f V [est]", from, node_nm,
                 vdd_v);
    else
        snprintf(out->label, sizeof out->label, "%s%s -> %g nm %.2f V", from,
                 p->fpga ? " / Kuon-Rose gap" : "", node_nm, vdd_v);
    return BASE_OK;
}

base_status sim_accel_basis_of_tech(const char *model, const tech_params *tech, double vdd_v,
                                    int native, sim_accel_basis *out)
{
    return sim_accel_basis_at(model, tech->node_nm.value, vdd_v, native, out);
}

void sim_accel_basis_apply(const sim_accel_basis *b, acc_cost *c)
{
    c->latency_ns *= b->latency;
    c->energy_pj *= b->energy;
}
