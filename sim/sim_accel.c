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
    base_status st = acc_params_select_network(a->params, net->name);
    if (st == BASE_OK)
        st = sim_accel_layers(net, bits, batch, layers, &n);
    if (st == BASE_OK)
        st = acc_network_cost(a->model, a->params, layers, n, total);
    base_free(layers);
    return st;
}
