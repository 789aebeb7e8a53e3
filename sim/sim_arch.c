/* sim_arch.c - loads an architecture: the AP system description (CAPs, MAPs, interconnect,
 * controller), or hands a measured-table chip's file to sim_vec.c. The parameters and their
 * defaults are documented in docs/SIM_MODEL.md. */
#include <stdio.h>
#include <string.h>

#include "cfg/cfg.h"
#include "sim/sim_impl.h"

/* Reads one required number from a section map. */
base_status sim_cfg_double(const cfg_node *map, const char *sec, const char *key, double min,
                           double max, double *out)
{
    const cfg_node *v;
    base_status st = cfg_map_require(map, key, sec, &v);
    return st != BASE_OK ? st : cfg_to_double(v, min, max, out);
}

base_status sim_cfg_uint(const cfg_node *map, const char *sec, const char *key, long min, long max,
                         unsigned *out)
{
    const cfg_node *v;
    long x = 0;
    base_status st = cfg_map_require(map, key, sec, &v);
    if (st == BASE_OK)
        st = cfg_to_long(v, min, max, &x);
    if (st == BASE_OK)
        *out = (unsigned)x;
    return st;
}

base_status sim_cfg_section(const cfg_node *root, const char *name, const char *const keys[],
                            const cfg_node **out)
{
    base_status st = cfg_map_require(root, name, "architecture", out);
    return st != BASE_OK ? st : cfg_map_check(*out, name, keys);
}

/* Reads one required string of a section; *v is its node, for errors. */
static base_status need_str(const cfg_node *map, const char *sec, const char *key,
                            const cfg_node **v, const char **s)
{
    base_status st = cfg_map_require(map, key, sec, v);
    return st != BASE_OK ? st : cfg_to_str(*v, s);
}

/* cap.ml_precharge: selective, full or pipelined (in sim_precharge's order). */
static base_status precharge(const cfg_node *cap, sim_arch *a)
{
    static const char *const names[] = {"selective", "full", "pipelined"};
    const cfg_node *v;
    const char *s;
    base_status st = need_str(cap, "cap", "ml_precharge", &v, &s);
    if (st != BASE_OK)
        return st;
    for (int i = 0; i < 3; i++)
        if (!strcmp(s, names[i])) {
            a->ml_precharge = (sim_precharge)i;
            return BASE_OK;
        }
    return cfg_error(v, BASE_EINVAL, "ml_precharge '%s' is not full, selective or pipelined", s);
}

/* map.count: a number of banks, or "auto" (as many as the network needs). */
static base_status map_count(const cfg_node *map, sim_arch *a)
{
    const cfg_node *v;
    const char *s;
    base_status st = cfg_map_require(map, "count", "map", &v);
    if (st == BASE_OK && cfg_to_str(v, &s) == BASE_OK && !strcmp(s, "auto")) {
        a->map_auto = true;
        a->n_maps = 0;
        return BASE_OK;
    }
    base_error_clear();
    return st != BASE_OK ? st : sim_cfg_uint(map, "map", "count", 1, 1L << 20, &a->n_maps);
}

static base_status map_tech(const cfg_node *map, sim_arch *a)
{
    const cfg_node *v;
    const char *s;
    base_status st = need_str(map, "map", "tech", &v, &s);
    if (st != BASE_OK)
        return st;
    if (!*s || strlen(s) >= sizeof a->map_tech)
        return cfg_error(v, BASE_ERANGE, "map tech must be 1..%zu characters",
                         sizeof a->map_tech - 1);
    strcpy(a->map_tech, s);
    return BASE_OK;
}

static base_status parse_map(const cfg_node *root, sim_arch *a)
{
    static const char *const map_keys[] = {"count", "rows", "cols", "tech", "periphery_fj_per_bit",
                                           NULL};
    const cfg_node *map;
    base_status st;
    if ((st = sim_cfg_section(root, "map", map_keys, &map)) != BASE_OK ||
        (st = map_count(map, a)) != BASE_OK ||
        (st = sim_cfg_uint(map, "map", "rows", 1, 1L << 30, &a->map_rows)) != BASE_OK ||
        (st = sim_cfg_uint(map, "map", "cols", 8, 4096, &a->map_cols)) != BASE_OK ||
        (st = sim_cfg_double(map, "map", "periphery_fj_per_bit", 0, 1e6,
                             &a->map_periphery_fj_per_bit)) != BASE_OK)
        return st;
    return map_tech(map, a);
}

static base_status parse_gating(const cfg_node *root, sim_arch *a)
{
    static const char *const keys[] = {"enabled", "wake_energy_fj_per_bit", "wake_latency_ns",
                                       NULL};
    const cfg_node *g, *v;
    int on = 0;
    base_status st;
    if ((st = sim_cfg_section(root, "power_gating", keys, &g)) != BASE_OK ||
        (st = cfg_map_require(g, "enabled", "power_gating", &v)) != BASE_OK ||
        (st = cfg_to_bool(v, &on)) != BASE_OK ||
        (st = sim_cfg_double(g, "power_gating", "wake_energy_fj_per_bit", 0, 1e6,
                             &a->wake_energy_fj_per_bit)) != BASE_OK ||
        (st = sim_cfg_double(g, "power_gating", "wake_latency_ns", 0, 1e9, &a->wake_latency_ns)) !=
            BASE_OK)
        return st;
    a->power_gating = on != 0;
    return BASE_OK;
}

static base_status parse_ap(const cfg_node *root, sim_arch *a);

/* kind: "ap" (the default when absent) or "measured" (sim_vec.c reads the rest). */
static base_status parse(const cfg_node *root, sim_arch *a)
{
    const cfg_node *v = cfg_map_get(root, "kind"), *nv;
    const char *kind = "ap", *name;
    memset(a, 0, sizeof *a);
    base_status st = cfg_expect(root, CFG_MAP, "architecture");
    if (st == BASE_OK && v)
        st = cfg_to_str(v, &kind);
    if (st == BASE_OK && strcmp(kind, "ap") != 0 && strcmp(kind, "measured") != 0)
        st = cfg_error(v, BASE_EINVAL, "architecture kind '%s' is not ap or measured", kind);
    if (st == BASE_OK && strcmp(kind, "measured") == 0) {
        a->kind = SIM_ARCH_MEASURED;
        if ((st = cfg_map_require(root, "name", "architecture", &nv)) != BASE_OK ||
            (st = cfg_to_str(nv, &name)) != BASE_OK)
            return st;
        if (strlen(name) >= sizeof a->name)
            return cfg_error(nv, BASE_ERANGE, "name longer than %zu characters",
                             sizeof a->name - 1);
        strcpy(a->name, name);
        return sim_vec_parse(root, a);
    }
    return st != BASE_OK ? st : parse_ap(root, a);
}

static base_status parse_ap(const cfg_node *root, sim_arch *a)
{
    static const char *const top_keys[] = {
        "name", "kind", "cap", "map", "interconnect", "controller", "power_gating", "batch", NULL};
    static const char *const cap_keys[] = {"count",           "rows",         "cols",
                                           "ml_segment_cols", "ml_precharge", NULL};
    static const char *const bus_keys[] = {"bits_per_cycle", "clock_ghz", "energy_pj_per_bit",
                                           "broadcast_energy_pj_per_bit", NULL};
    static const char *const ctrl_keys[] = {"energy_pj_per_cycle", "area_fraction", NULL};
    const cfg_node *cap, *bus, *ctrl, *v;
    const char *name;
    base_status st;

    if ((st = cfg_map_check(root, "architecture", top_keys)) != BASE_OK ||
        (st = cfg_map_require(root, "name", "architecture", &v)) != BASE_OK ||
        (st = cfg_to_str(v, &name)) != BASE_OK)
        return st;
    if (strlen(name) >= sizeof a->name)
        return cfg_error(v, BASE_ERANGE, "name longer than %zu characters", sizeof a->name - 1);
    strcpy(a->name, name);
    if ((st = sim_cfg_section(root, "cap", cap_keys, &cap)) != BASE_OK ||
        (st = sim_cfg_uint(cap, "cap", "count", 1, 1L << 20, &a->n_caps)) != BASE_OK ||
        (st = sim_cfg_uint(cap, "cap", "rows", 1, 1L << 24, &a->cap_rows)) != BASE_OK ||
        (st = sim_cfg_uint(cap, "cap", "cols", 8, 4096, &a->cap_cols)) != BASE_OK ||
        (st = sim_cfg_uint(cap, "cap", "ml_segment_cols", 1, 4096, &a->ml_segment_cols)) != BASE_OK)
        return st;
    if ((st = precharge(cap, a)) != BASE_OK)
        return st;
    if (a->ml_segment_cols > a->cap_cols)
        return cfg_error(cfg_map_get(cap, "ml_segment_cols"), BASE_ERANGE,
                         "ml_segment_cols (%u) exceeds cols (%u)", a->ml_segment_cols, a->cap_cols);
    if ((st = parse_map(root, a)) != BASE_OK)
        return st;
    if ((st = sim_cfg_section(root, "interconnect", bus_keys, &bus)) != BASE_OK ||
        (st = sim_cfg_double(bus, "interconnect", "bits_per_cycle", 1, 1e9,
                             &a->bus_bits_per_cycle)) != BASE_OK ||
        (st = sim_cfg_double(bus, "interconnect", "clock_ghz", 1e-3, 100, &a->bus_clock_ghz)) !=
            BASE_OK ||
        (st = sim_cfg_double(bus, "interconnect", "energy_pj_per_bit", 0, 1e6,
                             &a->bus_energy_pj_per_bit)) != BASE_OK ||
        (st = sim_cfg_double(bus, "interconnect", "broadcast_energy_pj_per_bit", 0, 1e6,
                             &a->bus_broadcast_energy_pj_per_bit)) != BASE_OK)
        return st;
    if ((st = sim_cfg_section(root, "controller", ctrl_keys, &ctrl)) != BASE_OK ||
        (st = sim_cfg_double(ctrl, "controller", "energy_pj_per_cycle", 0, 1e6,
                             &a->ctrl_energy_pj_per_cycle)) != BASE_OK ||
        (st = sim_cfg_double(ctrl, "controller", "area_fraction", 0, 100,
                             &a->ctrl_area_fraction)) != BASE_OK)
        return st;
    if ((st = parse_gating(root, a)) != BASE_OK)
        return st;
    return sim_cfg_uint(root, "architecture", "batch", 1, 1 << 20, &a->batch);
}

base_status sim_arch_load(const char *path, sim_arch *out)
{
    cfg_doc *doc;
    base_status st = cfg_doc_load(path, &doc);
    if (st != BASE_OK)
        return st;
    st = parse(cfg_doc_root(doc), out);
    cfg_doc_free(doc);
    return st;
}

base_status sim_arch_find(const char *name_or_path, sim_arch *out)
{
    char path[4096];
    base_ref ref = BASE_REF_NAME;
    base_status st = base_resolve("sim/arch", name_or_path, path, sizeof path, &ref);
    if (ref == BASE_REF_MISSING || ref == BASE_REF_NOTFILE) /* the loader says why not */
        return sim_arch_load(name_or_path, out);
    if (st == BASE_ENOTFOUND)
        return BASE_ERROR(BASE_ENOTFOUND, "unknown architecture '%s' (no sim/arch/%s.yaml)",
                          name_or_path, name_or_path);
    if (st != BASE_OK)
        return base_error_wrap(st, NULL, 0, 0, "architecture: ");
    return sim_arch_load(path, out);
}
