/* base_json.c - the JSON writer every output goes through (libjansson), so that all JSON
 * files share one layout, one number precision and the tool's version block. */
#include <math.h>

#include "base/base_json.h"

/* Set when a put or push failed since the last write (jansson's allocations). */
static _Thread_local int json_failed;

json_t *base_json_doc(const char *model)
{
    json_t *doc = json_object(), *tool = json_object();
    if (!doc || !tool) {
        json_decref(doc);
        json_decref(tool);
        return NULL;
    }
    base_json_put(tool, "name", json_string("apsim"));
    base_json_put(tool, "version", json_string(APSIM_VERSION));
    base_json_put(tool, "model", base_json_text(model));
    base_json_put(doc, "tool", tool);
    return doc;
}

json_t *base_json_num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

json_t *base_json_text(const char *s)
{
    return s ? json_string(s) : json_null();
}

void base_json_put(json_t *obj, const char *key, json_t *v)
{
    if (!obj || !v || json_object_set_new(obj, key, v) != 0)
        json_failed = 1;
}

void base_json_push(json_t *arr, json_t *v)
{
    if (!arr || !v || json_array_append_new(arr, v) != 0)
        json_failed = 1;
}

base_status base_json_write(FILE *fp, json_t *doc)
{
    int failed = json_failed || !doc;
    json_failed = 0;
    if (failed) {
        json_decref(doc);
        return BASE_ERROR(BASE_ENOMEM, "out of memory building JSON");
    }
    int rc = json_dumpf(doc, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(7));
    json_decref(doc);
    if (rc != 0)
        return BASE_ERROR(BASE_EIO, "write error");
    fputc('\n', fp);
    return base_write_status(fp);
}
