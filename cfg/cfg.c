/* cfg.c - libyaml events -> a position-carrying tree; strict scalar conversion.
 * Duplicate keys are detected here because libyaml's loader accepts them silently. */
#include "cfg/cfg.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

struct cfg_node {
    cfg_kind kind;
    long line, col;
    const char *file;
    char *text;              /* scalar text */
    bool quoted;             /* written quoted ('8' or "8"): a string, never a number */
    struct cfg_node **items; /* seq: items; map: key, value, key, value ... */
    size_t n_items, cap_items;
};

struct cfg_doc {
    char *name;
    cfg_node *root;
};

static void node_free(cfg_node *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n_items; i++)
        node_free(n->items[i]);
    base_free(n->items);
    base_free(n->text);
    base_free(n);
}

void cfg_doc_free(cfg_doc *doc)
{
    if (!doc)
        return;
    node_free(doc->root);
    base_free(doc->name);
    base_free(doc);
}

static cfg_node *node_new(cfg_kind kind, const char *file, yaml_mark_t mark)
{
    cfg_node *n = base_calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->kind = kind;
    n->file = file;
    n->line = (long)mark.line + 1;
    n->col = (long)mark.column + 1;
    return n;
}

static int node_push(cfg_node *parent, cfg_node *child)
{
    if (parent->n_items == parent->cap_items) {
        size_t cap = parent->cap_items ? 2 * parent->cap_items : 8;
        cfg_node **items = base_realloc(parent->items, cap * sizeof *items);
        if (!items)
            return -1;
        parent->items = items;
        parent->cap_items = cap;
    }
    parent->items[parent->n_items++] = child;
    return 0;
}

/* Parser state: a stack of open collections. */
typedef struct builder {
    yaml_parser_t parser;
    const char *file;
    cfg_node *stack[64];
    int depth;
    cfg_node *root;
} builder;

static base_status parse_error(const builder *b)
{
    const yaml_parser_t *p = &b->parser;
    if (p->error == YAML_MEMORY_ERROR)
        return base_error_at(BASE_ENOMEM, b->file, 0, 0, "out of memory while parsing");
    long line = (long)p->problem_mark.line + 1, col = (long)p->problem_mark.column + 1;
    if (p->context)
        return base_error_at(BASE_EPARSE, b->file, line, col, "%s %s",
                             p->problem ? p->problem : "syntax error", p->context);
    return base_error_at(BASE_EPARSE, b->file, line, col, "%s",
                         p->problem ? p->problem : "syntax error");
}

/* Attaches a finished node to the open collection (or makes it the root). For maps, a key
 * equal to an earlier key of the same map is an error. */
static base_status attach(builder *b, cfg_node *n)
{
    if (b->depth == 0) {
        b->root = n;
        return BASE_OK;
    }
    cfg_node *top = b->stack[b->depth - 1];
    if (top->kind == CFG_MAP && top->n_items % 2 == 0) {
        if (n->kind != CFG_SCALAR) {
            base_status st = base_error_at(BASE_EPARSE, b->file, n->line, n->col,
                                           "mapping keys must be plain scalars");
            node_free(n);
            return st;
        }
        for (size_t i = 0; i < top->n_items; i += 2) {
            if (strcmp(top->items[i]->text, n->text) == 0) {
                base_status st = base_error_at(BASE_EKEY, b->file, n->line, n->col,
                                               "duplicate key '%s' (first at line %ld)", n->text,
                                               top->items[i]->line);
                node_free(n);
                return st;
            }
        }
    }
    if (node_push(top, n) != 0) {
        node_free(n);
        return BASE_ERROR(BASE_ENOMEM, "out of memory while loading %s", b->file);
    }
    return BASE_OK;
}

static base_status build(builder *b)
{
    base_status st = BASE_OK;
    int done = 0, n_docs = 0;
    while (!done && st == BASE_OK) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&b->parser, &ev))
            return parse_error(b);
        cfg_node *n = NULL;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++n_docs > 1)
                st = base_error_at(BASE_EPARSE, b->file, (long)ev.start_mark.line + 1,
                                   (long)ev.start_mark.column + 1,
                                   "only one YAML document per file is allowed");
            break;
        case YAML_ALIAS_EVENT:
            st = base_error_at(BASE_EPARSE, b->file, (long)ev.start_mark.line + 1,
                               (long)ev.start_mark.column + 1,
                               "YAML aliases are not supported; write the value out");
            break;
        case YAML_SCALAR_EVENT:
            if (ev.data.scalar.anchor) {
                st =
                    base_error_at(BASE_EPARSE, b->file, (long)ev.start_mark.line + 1,
                                  (long)ev.start_mark.column + 1, "YAML anchors are not supported");
                break;
            }
            n = node_new(CFG_SCALAR, b->file, ev.start_mark);
            if (n) {
                n->text = base_strdup((const char *)ev.data.scalar.value);
                n->quoted = ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
            }
            if (!n || !n->text) {
                node_free(n);
                st = BASE_ERROR(BASE_ENOMEM, "out of memory while loading %s", b->file);
                break;
            }
            st = attach(b, n);
            break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            if ((ev.type == YAML_SEQUENCE_START_EVENT && ev.data.sequence_start.anchor) ||
                (ev.type == YAML_MAPPING_START_EVENT && ev.data.mapping_start.anchor)) {
                st =
                    base_error_at(BASE_EPARSE, b->file, (long)ev.start_mark.line + 1,
                                  (long)ev.start_mark.column + 1, "YAML anchors are not supported");
                break;
            }
            if (b->depth == (int)(sizeof b->stack / sizeof b->stack[0])) {
                st = base_error_at(BASE_EPARSE, b->file, (long)ev.start_mark.line + 1,
                                   (long)ev.start_mark.column + 1, "nesting too deep");
                break;
            }
            n = node_new(ev.type == YAML_SEQUENCE_START_EVENT ? CFG_SEQ : CFG_MAP, b->file,
                         ev.start_mark);
            if (!n) {
                st = BASE_ERROR(BASE_ENOMEM, "out of memory while loading %s", b->file);
                break;
            }
            st = attach(b, n);
            if (st == BASE_OK)
                b->stack[b->depth++] = n;
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            b->depth--;
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    return st;
}

static base_status load(const char *name, FILE *fp, const char *text, size_t len, cfg_doc **out)
{
    *out = NULL;
    cfg_doc *doc = base_calloc(1, sizeof *doc);
    if (!doc)
        return BASE_ERROR(BASE_ENOMEM, "out of memory loading %s", name);
    doc->name = base_strdup(name);
    if (!doc->name) {
        base_free(doc);
        return BASE_ERROR(BASE_ENOMEM, "out of memory loading %s", name);
    }
    builder b;
    memset(&b, 0, sizeof b);
    b.file = doc->name;
    if (!yaml_parser_initialize(&b.parser)) {
        cfg_doc_free(doc);
        return BASE_ERROR(BASE_ENOMEM, "out of memory loading %s", name);
    }
    if (fp)
        yaml_parser_set_input_file(&b.parser, fp);
    else
        yaml_parser_set_input_string(&b.parser, (const unsigned char *)text, len);
    base_status st = build(&b);
    yaml_parser_delete(&b.parser);
    if (st != BASE_OK) {
        /* Open collections are already linked under the root, so freeing it frees all. */
        node_free(b.root);
        cfg_doc_free(doc);
        return st;
    }
    if (!b.root) {
        yaml_mark_t start = {0, 0, 0};
        b.root = node_new(CFG_MAP, doc->name, start);
        if (!b.root) {
            cfg_doc_free(doc);
            return BASE_ERROR(BASE_ENOMEM, "out of memory loading %s", name);
        }
    }
    doc->root = b.root;
    *out = doc;
    return BASE_OK;
}

base_status cfg_doc_load(const char *path, cfg_doc **out)
{
    FILE *fp = NULL;
    *out = NULL;
    base_status st = base_open_input(path, &fp);
    if (st != BASE_OK)
        return st;
    st = load(path, fp, NULL, 0, out);
    fclose(fp);
    return st;
}

base_status cfg_doc_load_string(const char *name, const char *text, size_t len, cfg_doc **out)
{
    return load(name, NULL, text, len, out);
}

const cfg_node *cfg_doc_root(const cfg_doc *doc)
{
    return doc->root;
}
const char *cfg_doc_name(const cfg_doc *doc)
{
    return doc->name;
}
cfg_kind cfg_node_kind(const cfg_node *n)
{
    return n->kind;
}
long cfg_node_line(const cfg_node *n)
{
    return n->line;
}
long cfg_node_col(const cfg_node *n)
{
    return n->col;
}
const char *cfg_node_file(const cfg_node *n)
{
    return n->file;
}
const char *cfg_node_text(const cfg_node *n)
{
    return n->kind == CFG_SCALAR ? n->text : NULL;
}

size_t cfg_node_len(const cfg_node *n)
{
    if (n->kind == CFG_SEQ)
        return n->n_items;
    if (n->kind == CFG_MAP)
        return n->n_items / 2;
    return 0;
}

const cfg_node *cfg_seq_at(const cfg_node *n, size_t i)
{
    return n->kind == CFG_SEQ && i < n->n_items ? n->items[i] : NULL;
}

const cfg_node *cfg_map_key_at(const cfg_node *n, size_t i)
{
    return n->kind == CFG_MAP && 2 * i < n->n_items ? n->items[2 * i] : NULL;
}

const cfg_node *cfg_map_value_at(const cfg_node *n, size_t i)
{
    return n->kind == CFG_MAP && 2 * i + 1 < n->n_items ? n->items[2 * i + 1] : NULL;
}

const cfg_node *cfg_map_get(const cfg_node *n, const char *key)
{
    if (!n || n->kind != CFG_MAP)
        return NULL;
    for (size_t i = 0; i + 1 < n->n_items; i += 2)
        if (strcmp(n->items[i]->text, key) == 0)
            return n->items[i + 1];
    return NULL;
}

base_status cfg_error(const cfg_node *n, base_status status, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return base_error_at(status, n->file, n->line, n->col, "%s", msg);
}

static const char *kind_name(cfg_kind k)
{
    return k == CFG_MAP ? "a mapping" : k == CFG_SEQ ? "a sequence" : "a scalar";
}

base_status cfg_expect(const cfg_node *n, cfg_kind kind, const char *what)
{
    if (n->kind != kind)
        return cfg_error(n, BASE_ETYPE, "expected %s for '%s', found %s", kind_name(kind), what,
                         kind_name(n->kind));
    return BASE_OK;
}

base_status cfg_map_check(const cfg_node *n, const char *what, const char *const allowed[])
{
    base_status st = cfg_expect(n, CFG_MAP, what);
    if (st != BASE_OK)
        return st;
    for (size_t i = 0; i + 1 < n->n_items; i += 2) {
        const cfg_node *k = n->items[i];
        int ok = 0;
        for (size_t j = 0; allowed[j]; j++)
            if (strcmp(allowed[j], k->text) == 0)
                ok = 1;
        if (!ok)
            return cfg_error(k, BASE_EKEY, "unknown key '%s' in '%s'", k->text, what);
    }
    return BASE_OK;
}

base_status cfg_map_require(const cfg_node *n, const char *key, const char *what,
                            const cfg_node **out)
{
    *out = cfg_map_get(n, key);
    if (!*out)
        return cfg_error(n, BASE_EKEY, "missing key '%s' in '%s'", key, what);
    return BASE_OK;
}

base_status cfg_to_str(const cfg_node *n, const char **out)
{
    if (n->kind != CFG_SCALAR)
        return cfg_error(n, BASE_ETYPE, "expected a scalar, found %s", kind_name(n->kind));
    *out = n->text;
    return BASE_OK;
}

base_status cfg_to_path(const cfg_node *n, char *out, size_t cap)
{
    const char *s = NULL, *file = n->file ? n->file : "";
    base_status st = cfg_to_str(n, &s);
    if (st != BASE_OK)
        return st;
    const char *slash = strrchr(file, '/');
    int dir_len = slash ? (int)(slash - file) : 0;
    int len = snprintf(out, cap, "%.*s%s%s", dir_len, file, slash ? "/" : "", s);
    struct stat sb;
    /* Relative paths (and bare names of files next to the document) are joined to the
     * document's directory; anything else (a shipped name, an absolute path) stays as is. */
    int join = slash && s[0] != '/' &&
               (base_is_pathlike(s) || (len > 0 && (size_t)len < cap && stat(out, &sb) == 0));
    if (!join)
        len = snprintf(out, cap, "%s", s);
    if (len < 0 || (size_t)len >= cap)
        return cfg_error(n, BASE_ERANGE, "path '%s' is too long", s);
    return BASE_OK;
}

/* The scalar's text for a number or a boolean: a plain (unquoted) scalar only, since YAML
 * makes "8" a string; BASE_ETYPE naming what was expected otherwise. */
static base_status plain_text(const cfg_node *n, const char *what, const char **out)
{
    base_status st = cfg_to_str(n, out);
    if (st == BASE_OK && n->quoted)
        return cfg_error(n, BASE_ETYPE,
                         "expected %s, found the quoted string '%s' (remove the quotes)", what,
                         *out);
    return st;
}

base_status cfg_to_long(const cfg_node *n, long min, long max, long *out)
{
    const char *s = NULL;
    base_status st = plain_text(n, "an integer", &s);
    if (st != BASE_OK)
        return st;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || !base_is_decimal(s))
        return cfg_error(n, BASE_ETYPE, "expected an integer, found '%s'", s);
    if (errno == ERANGE || v < min || v > max)
        return cfg_error(n, BASE_ERANGE, "value %s is outside %ld..%ld", s, min, max);
    *out = v;
    return BASE_OK;
}

base_status cfg_to_double(const cfg_node *n, double min, double max, double *out)
{
    const char *s = NULL;
    base_status st = plain_text(n, "a number", &s);
    if (st != BASE_OK)
        return st;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || !isfinite(v) || !base_is_decimal(s))
        return cfg_error(n, BASE_ETYPE, "expected a number, found '%s'", s);
    if (errno == ERANGE || v < min || v > max)
        return cfg_error(n, BASE_ERANGE, "value %s is outside %g..%g", s, min, max);
    *out = v;
    return BASE_OK;
}

base_status cfg_to_bool(const cfg_node *n, int *out)
{
    const char *s = NULL;
    base_status st = plain_text(n, "true or false", &s);
    if (st != BASE_OK)
        return st;
    static const char *const yes[] = {"true", "yes", "on"}, *const no[] = {"false", "no", "off"};
    for (size_t i = 0; i < 3; i++) {
        if (strcmp(s, yes[i]) == 0) {
            *out = 1;
            return BASE_OK;
        }
        if (strcmp(s, no[i]) == 0) {
            *out = 0;
            return BASE_OK;
        }
    }
    return cfg_error(n, BASE_ETYPE, "expected true or false, found '%s'", s);
}

base_status cfg_get_long(const cfg_node *map, const char *key, long min, long max, long *out)
{
    const cfg_node *v = cfg_map_get(map, key);
    return v ? cfg_to_long(v, min, max, out) : BASE_OK;
}

base_status cfg_get_double(const cfg_node *map, const char *key, double min, double max,
                           double *out)
{
    const cfg_node *v = cfg_map_get(map, key);
    return v ? cfg_to_double(v, min, max, out) : BASE_OK;
}

base_status cfg_get_str(const cfg_node *map, const char *key, const char **out)
{
    const cfg_node *v = cfg_map_get(map, key);
    return v ? cfg_to_str(v, out) : BASE_OK;
}

base_status cfg_get_bool(const cfg_node *map, const char *key, int *out)
{
    const cfg_node *v = cfg_map_get(map, key);
    return v ? cfg_to_bool(v, out) : BASE_OK;
}

base_status cfg_error_at_node(const cfg_node *n, base_status st, const char *what)
{
    const base_error *e = base_error_last();
    if (e->file[0] && e->line > 0) /* the inner line is the more precise: keep it */
        return base_error_at(st, e->file, e->line, e->col, "%s", e->message);
    /* Otherwise the node's position, with the inner file (if any) named in the message. */
    return cfg_error(n, st, "%s%s%s%s%s", what ? what : "", what ? ": " : "", e->file,
                     e->file[0] ? ": " : "", e->message);
}
