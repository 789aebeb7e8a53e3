/* base_json.h - the one JSON writer of every output (libjansson): documents that carry the
 * tool's name and versions first, numbers that JSON cannot hold (NaN, inf) as null, and a
 * deterministic layout (keys in insertion order, two-space indent, 7 significant digits). */
#ifndef BASE_JSON_H
#define BASE_JSON_H

#include <jansson.h>
#include <stdio.h>

#include "base/base.h"

/* A new document: {"tool": {"name": "apsim", "version": APSIM_VERSION, "model": model}} with
 * model the cost model's version (SIM_MODEL_VERSION), or NULL when out of memory. */
json_t *base_json_doc(const char *model);
/* A number, or JSON null when v is NaN or infinite (not known, not applicable, unlimited). */
json_t *base_json_num(double v);
/* A string, or JSON null when s is NULL. */
json_t *base_json_text(const char *s);
/* Sets obj[key] = v, taking v's reference. A failure (out of memory) is remembered and
 * reported by the next base_json_write. */
void base_json_put(json_t *obj, const char *key, json_t *v);
/* Appends v to the array arr, taking v's reference; failures as base_json_put. */
void base_json_push(json_t *arr, json_t *v);
/* Writes doc and a newline to fp and releases doc: BASE_ENOMEM when doc is NULL or a put
 * failed since the last write, BASE_EIO on a write error. */
base_status base_json_write(FILE *fp, json_t *doc);

#endif
