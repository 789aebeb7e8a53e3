/* net_report.c - per-layer and total MACs, parameters, BOPS and model size of a network
 * under a bit configuration. BOPS = MACs x w_bits x a_bits and size = weights at their bits
 * (MiB, 2^20 bytes), as HAWQ-V3's model_zoo.md counts them; biases are stored at 32 bits. */
#include <string.h>

#include "networks/net.h"

#define BIAS_BITS 32u

uint64_t net_layer_bops(const net_layer *l, const net_layer_bits *b)
{
    if (!net_kind_has_weights(l->kind))
        return 0;
    return l->macs * b->w_bits * b->a_bits;
}

uint64_t net_layer_param_bits(const net_layer *l, const net_layer_bits *b)
{
    uint64_t biases = l->n_params - l->n_weights;
    return l->n_weights * b->w_bits + biases * BIAS_BITS;
}

void net_totals_compute(const net_network *net, const net_bitcfg *cfg, net_totals *out)
{
    static const net_layer_bits fp32 = {32, 32, 32};
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < net->n_layers; i++) {
        const net_layer *l = &net->layers[i];
        const net_layer_bits *b = cfg ? &cfg->bits[i] : &fp32;
        out->macs += l->macs;
        out->n_params += l->n_params;
        if (cfg)
            out->bops += net_layer_bops(l, b);
        out->param_bits += net_layer_param_bits(l, b);
    }
    out->size_mib = (double)out->param_bits / 8.0 / (1024.0 * 1024.0);
}

static const net_layer_bits no_bits = {0, 0, 0};

static const char *input_name(const net_network *net, const net_layer *l, int k)
{
    return l->inputs[k] < 0 ? "input" : net->layers[l->inputs[k]].name;
}

/* Writes the layer's producers joined by '+' into buf (sized by the caller). */
static void join_inputs(const net_network *net, const net_layer *l, char *buf)
{
    buf[0] = '\0';
    for (int k = 0; k < l->n_inputs; k++) {
        if (k)
            strcat(buf, "+");
        strcat(buf, input_name(net, l, k));
    }
}

base_status net_report_write_csv(FILE *fp, const net_network *net, const net_bitcfg *cfg)
{
    size_t cap = 1; /* the longest joined inputs field, computed once */
    for (size_t i = 0; i < net->n_layers; i++) {
        size_t n = 1;
        for (int k = 0; k < net->layers[i].n_inputs; k++)
            n += strlen(input_name(net, &net->layers[i], k)) + 1;
        cap = n > cap ? n : cap;
    }
    char *inputs = base_malloc(cap);
    if (!inputs)
        return BASE_ERROR(BASE_ENOMEM, "out of memory writing the CSV report");
    fprintf(fp, "layer,kind,inputs,c_in,h_in,w_in,c_out,h_out,w_out,kernel_h,kernel_w,"
                "stride,pad,groups,macs,params,w_bits,a_bits,o_bits,bops,param_bytes\n");
    for (size_t i = 0; i < net->n_layers; i++) {
        const net_layer *l = &net->layers[i];
        const net_layer_bits *b = cfg ? &cfg->bits[i] : &no_bits;
        base_csv_field(fp, l->name);
        fprintf(fp, ",%s,", net_kind_name(l->kind));
        join_inputs(net, l, inputs);
        base_csv_field(fp, inputs);
        fprintf(fp, ",%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%llu,%llu", l->c_in, l->h_in, l->w_in,
                l->c_out, l->h_out, l->w_out, l->kh, l->kw, l->stride, l->pad, l->groups,
                (unsigned long long)l->macs, (unsigned long long)l->n_params);
        if (cfg) /* the bit columns are empty without a bit configuration */
            fprintf(fp, ",%u,%u,%u,%llu,%.1f\n", b->w_bits, b->a_bits, b->o_bits,
                    (unsigned long long)net_layer_bops(l, b),
                    (double)net_layer_param_bits(l, b) / 8.0);
        else
            fputs(",,,,,\n", fp);
    }
    base_free(inputs);
    return ferror(fp) ? BASE_ERROR(BASE_EIO, "write error in CSV report") : BASE_OK;
}

static void shape(char *buf, size_t cap, int c, int h, int w)
{
    snprintf(buf, cap, "%dx%dx%d", c, h, w);
}

/* Percent difference of computed against published. */
static double pct(double computed, double published)
{
    return published != 0.0 ? 100.0 * (computed - published) / published : 0.0;
}

base_status net_report_write_table(FILE *fp, const net_network *net, const net_bitcfg *cfg)
{
    int wname = 5;
    for (size_t i = 0; i < net->n_layers; i++) {
        int n = (int)strlen(net->layers[i].name);
        wname = n > wname ? n : wname;
    }
    fprintf(fp, "network %s: input %dx%dx%d, %zu layers", net->name, net->c_in, net->h_in,
            net->w_in, net->n_layers);
    if (cfg)
        fprintf(fp, ", bits %s (%s)", cfg->scheme, cfg->name);
    fprintf(fp, "\n\n%-*s  %-7s  %-13s  %-13s  %13s  %11s  %2s  %2s  %2s  %15s\n", wname, "layer",
            "kind", "in (CxHxW)", "out (CxHxW)", "MACs", "params", "w", "a", "o", "BOPS");
    for (size_t i = 0; i < net->n_layers; i++) {
        const net_layer *l = &net->layers[i];
        const net_layer_bits *b = cfg ? &cfg->bits[i] : &no_bits;
        char in[40], out[40];
        shape(in, sizeof in, l->c_in, l->h_in, l->w_in);
        shape(out, sizeof out, l->c_out, l->h_out, l->w_out);
        fprintf(fp, "%-*s  %-7s  %-13s  %-13s  %13llu  %11llu  %2u  %2u  %2u  %15llu\n", wname,
                l->name, net_kind_name(l->kind), in, out, (unsigned long long)l->macs,
                (unsigned long long)l->n_params, b->w_bits, b->a_bits, b->o_bits,
                (unsigned long long)net_layer_bops(l, b));
    }
    net_totals t;
    net_totals_compute(net, cfg, &t);
    fprintf(fp, "\ntotal: %.4f GMAC, %.4f M parameters", (double)t.macs / 1e9,
            (double)t.n_params / 1e6);
    if (!cfg) {
        fprintf(fp, ", FP32 size %.2f MiB\n", t.size_mib);
        return ferror(fp) ? BASE_ERROR(BASE_EIO, "write error in report") : BASE_OK;
    }
    double bops_g = (double)t.bops / 1e9;
    fprintf(fp, ", input %u bits\n", cfg->input_bits);
    fprintf(fp, "BOPS: %.2f G", bops_g);
    if (cfg->has_bops_g)
        fprintf(fp, " (published %.6g G, %+.1f%%)", cfg->bops_g, pct(bops_g, cfg->bops_g));
    fprintf(fp, "\nmodel size: %.2f MiB (weights at their bits, 32-bit biases)", t.size_mib);
    if (cfg->has_size_mb)
        fprintf(fp, " (published %.6g, %+.1f%%)", cfg->size_mb, pct(t.size_mib, cfg->size_mb));
    fprintf(fp, "\n");
    if (cfg->has_top1)
        fprintf(fp, "published top-1 accuracy: %.2f%%\n", cfg->top1_pct);
    return ferror(fp) ? BASE_ERROR(BASE_EIO, "write error in report") : BASE_OK;
}
