/* sim_arch.c - loads the AP system description (CAPs, MAPs, interconnect, controller).
 * The parameters and their defaults are documented in docs/SIM_MODEL.md. */
#include <stdio.h>
#include <string.h>

#include "cfg/cfg.h"
#include "sim/sim.h"

/* Reads one required number from a section map. */
static sim_status need_double(const cfg_node *map, const char *sec, const char *key, double min,
                              double max, double *out)
{
    const cfg_node *v;
    sim_status st = cfg_map_require(map, key, sec, &v);
    return st != SIM_OK ? st : cfg_to_double(v, min, max, out);
}

static sim_status need_uint(const cfg_node *map, const char *sec, const char *key, long min,
                            long max, unsigned *out)
{
    const cfg_node *v;
    long x = 0;
    sim_status st = cfg_map_require(map, key, sec, &v);
    if (st == SIM_OK)
        st = cfg_to_long(v, min, max, &x);
    if (st == SIM_OK)
        *out = (unsigned)x;
    return st;
}

static sim_status section(const cfg_node *root, const char *name, const char *const keys[],
                          const cfg_node **out)
{
    sim_status st = cfg_map_require(root, name, "architecture", out);
    return st != SIM_OK ? st : cfg_map_check(*out, name, keys);
}

static sim_status parse(const cfg_node *root, sim_arch *a)
{
    static const char *const top_keys[] = {"name",       "cap",   "map", "interconnect",
                                           "controller", "batch", NULL};
    static const char *const cap_keys[] = {"count", "rows", "cols", "ml_segment_cols", NULL};
    static const char *const map_keys[] = {"count", "rows", "cols", "access_fj_per_bit", NULL};
    static const char *const bus_keys[] = {"bits_per_cycle", "clock_ghz", "energy_pj_per_bit",
                                           NULL};
    static const char *const ctrl_keys[] = {"energy_pj_per_cycle", "area_fraction", NULL};
    const cfg_node *cap, *map, *bus, *ctrl, *v;
    const char *name;
    sim_status st;

    memset(a, 0, sizeof *a);
    if ((st = cfg_map_check(root, "architecture", top_keys)) != SIM_OK ||
        (st = cfg_map_require(root, "name", "architecture", &v)) != SIM_OK ||
        (st = cfg_to_str(v, &name)) != SIM_OK)
        return st;
    if (strlen(name) >= sizeof a->name)
        return cfg_error(v, SIM_ERANGE, "name longer than %zu characters", sizeof a->name - 1);
    strcpy(a->name, name);
    if ((st = section(root, "cap", cap_keys, &cap)) != SIM_OK ||
        (st = need_uint(cap, "cap", "count", 1, 1L << 20, &a->n_caps)) != SIM_OK ||
        (st = need_uint(cap, "cap", "rows", 1, 1L << 24, &a->cap_rows)) != SIM_OK ||
        (st = need_uint(cap, "cap", "cols", 8, 4096, &a->cap_cols)) != SIM_OK ||
        (st = need_uint(cap, "cap", "ml_segment_cols", 1, 4096, &a->ml_segment_cols)) != SIM_OK)
        return st;
    if (a->ml_segment_cols > a->cap_cols)
        return cfg_error(cfg_map_get(cap, "ml_segment_cols"), SIM_ERANGE,
                         "ml_segment_cols (%u) exceeds cols (%u)", a->ml_segment_cols, a->cap_cols);
    if ((st = section(root, "map", map_keys, &map)) != SIM_OK ||
        (st = need_uint(map, "map", "count", 1, 1L << 20, &a->n_maps)) != SIM_OK ||
        (st = need_uint(map, "map", "rows", 1, 1L << 30, &a->map_rows)) != SIM_OK ||
        (st = need_uint(map, "map", "cols", 8, 4096, &a->map_cols)) != SIM_OK ||
        (st = need_double(map, "map", "access_fj_per_bit", 0, 1e6, &a->map_access_fj_per_bit)) !=
            SIM_OK)
        return st;
    if ((st = section(root, "interconnect", bus_keys, &bus)) != SIM_OK ||
        (st = need_double(bus, "interconnect", "bits_per_cycle", 1, 1e9, &a->bus_bits_per_cycle)) !=
            SIM_OK ||
        (st = need_double(bus, "interconnect", "clock_ghz", 1e-3, 100, &a->bus_clock_ghz)) !=
            SIM_OK ||
        (st = need_double(bus, "interconnect", "energy_pj_per_bit", 0, 1e6,
                          &a->bus_energy_pj_per_bit)) != SIM_OK)
        return st;
    if ((st = section(root, "controller", ctrl_keys, &ctrl)) != SIM_OK ||
        (st = need_double(ctrl, "controller", "energy_pj_per_cycle", 0, 1e6,
                          &a->ctrl_energy_pj_per_cycle)) != SIM_OK ||
        (st = need_double(ctrl, "controller", "area_fraction", 0, 100, &a->ctrl_area_fraction)) !=
            SIM_OK)
        return st;
    return need_uint(root, "architecture", "batch", 1, 1 << 20, &a->batch);
}

sim_status sim_arch_load(const char *path, sim_arch *out)
{
    cfg_doc *doc;
    sim_status st = cfg_doc_load(path, &doc);
    if (st != SIM_OK)
        return st;
    st = parse(cfg_doc_root(doc), out);
    cfg_doc_free(doc);
    return st;
}

sim_status sim_arch_find(const char *name_or_path, sim_arch *out)
{
    char rel[512], path[1024];
    if (strchr(name_or_path, '/') || strstr(name_or_path, ".yaml"))
        return sim_arch_load(name_or_path, out);
    snprintf(rel, sizeof rel, "sim/arch/%s.yaml", name_or_path);
    sim_status st = net_find_data(rel, path, sizeof path);
    if (st != SIM_OK)
        return SIM_ERROR(SIM_ENOTFOUND, "unknown architecture '%s' (no %s)", name_or_path, rel);
    return sim_arch_load(path, out);
}
