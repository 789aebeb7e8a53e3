/* cfg.h - strict YAML loading for every apsim input file (networks, bit configs,
 * technology tables, architectures, experiments). Built on libyaml's event parser: the file
 * becomes a small tree of nodes that remember their 1-based line and column, duplicate keys
 * are rejected while the tree is built (libyaml accepts them silently), and scalars are
 * converted with strtol/strtod and an end-pointer check (libyaml resolves no types). */
#ifndef CFG_H
#define CFG_H

#include <stddef.h>

#include "base/base.h"

typedef enum cfg_kind { CFG_SCALAR, CFG_SEQ, CFG_MAP } cfg_kind;

typedef struct cfg_doc cfg_doc;
typedef struct cfg_node cfg_node;

/* Parses a YAML file. On success *out owns the tree (free with cfg_doc_free). Errors:
 * BASE_EIO (cannot read), BASE_EPARSE (syntax, anchors/aliases, several documents),
 * BASE_EKEY (duplicate key), BASE_ENOMEM. Messages carry file:line:col. */
base_status cfg_doc_load(const char *path, cfg_doc **out);
/* Same from memory; name is used in messages (e.g. "<builtin int8>"). */
base_status cfg_doc_load_string(const char *name, const char *text, size_t len, cfg_doc **out);
void cfg_doc_free(cfg_doc *doc);
/* The root node (never NULL for a loaded doc; an empty file gives an empty map). */
const cfg_node *cfg_doc_root(const cfg_doc *doc);
/* The file name the document was loaded from. */
const char *cfg_doc_name(const cfg_doc *doc);

cfg_kind cfg_node_kind(const cfg_node *n);
long cfg_node_line(const cfg_node *n); /* 1-based */
long cfg_node_col(const cfg_node *n);  /* 1-based */
const char *cfg_node_file(const cfg_node *n);
/* Number of items of a sequence or pairs of a map; 0 for a scalar. */
size_t cfg_node_len(const cfg_node *n);
/* i-th item of a sequence (NULL if out of range or not a sequence). */
const cfg_node *cfg_seq_at(const cfg_node *n, size_t i);
/* i-th key (a scalar node) and value of a map, in file order. */
const cfg_node *cfg_map_key_at(const cfg_node *n, size_t i);
const cfg_node *cfg_map_value_at(const cfg_node *n, size_t i);
/* Value of key in map n, or NULL when absent (or n is not a map). */
const cfg_node *cfg_map_get(const cfg_node *n, const char *key);
/* Raw text of a scalar (NULL for collections). */
const char *cfg_node_text(const cfg_node *n);

/* Reports an error at node n through base_error_at(); returns status. */
base_status cfg_error(const cfg_node *n, base_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Checks n is a map (else BASE_ETYPE, "expected a mapping for 'what'") and that every key is
 * in the NULL-terminated list allowed (else BASE_EKEY "unknown key 'k' in 'what'"). */
base_status cfg_map_check(const cfg_node *n, const char *what, const char *const allowed[]);
/* Looks key up in map n; missing -> BASE_EKEY "missing key 'key' in 'what'". */
base_status cfg_map_require(const cfg_node *n, const char *key, const char *what,
                            const cfg_node **out);
/* Checks the node kind; wrong -> BASE_ETYPE naming what was expected. */
base_status cfg_expect(const cfg_node *n, cfg_kind kind, const char *what);

/* Scalar conversions. Each rejects non-scalars and trailing junk (BASE_ETYPE) and values
 * outside [min, max] (BASE_ERANGE), with the node's position. */
base_status cfg_to_long(const cfg_node *n, long min, long max, long *out);
base_status cfg_to_double(const cfg_node *n, double min, double max, double *out);
/* true/false, yes/no, on/off (case-sensitive lower case). */
base_status cfg_to_bool(const cfg_node *n, int *out);
/* Borrowed pointer to the scalar text (lives as long as the doc). */
base_status cfg_to_str(const cfg_node *n, const char **out);
/* A scalar naming a file, resolved against the directory of the document holding it: a
 * relative path (base_is_pathlike) or a bare name of a file in that directory is joined to
 * it; a shipped name or an absolute path is written unchanged. BASE_ETYPE, BASE_ERANGE. */
base_status cfg_to_path(const cfg_node *n, char *out, size_t cap);

/* Convenience: optional key of a map; *out is left untouched when the key is absent. */
base_status cfg_get_long(const cfg_node *map, const char *key, long min, long max, long *out);
base_status cfg_get_double(const cfg_node *map, const char *key, double min, double max,
                           double *out);
base_status cfg_get_str(const cfg_node *map, const char *key, const char **out);
base_status cfg_get_bool(const cfg_node *map, const char *key, int *out);

/* Re-raises the last error with status st at YAML node n ("what: " prefixed when what is not
 * NULL, and the inner file named when it has one but no line), unless it already names a line
 * in some file, which is then kept as the more precise position. Returns st. */
base_status cfg_error_at_node(const struct cfg_node *n, base_status st, const char *what);

#endif /* CFG_H */
