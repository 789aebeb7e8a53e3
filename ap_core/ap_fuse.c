/* ap_fuse.c - fused evaluation of an op's LUT program (ap_array_set_fused). A table applied
 * at one bit position moves each row from the state of the columns it touches to a new state,
 * row by row and independently of every other row, so its passes have a net effect: a boolean
 * function of those few columns. It is derived here from the table itself (every state run
 * through the passes, then the algebraic normal form of each column's new value), and run as
 * bitwise logic on 256-row vectors, block by block over the rows so that the columns a program
 * touches stay in cache. Tables whose net effect equals a short formula (full add and subtract,
 * half add, copy, carry move; guarded or not) run that formula, chosen only when its truth
 * table equals the table's; any other table runs its normal form. Counters are kept where the
 * program is recorded (ap_ops.c, ap_array.c). */
#include <string.h>

#include "ap_core/ap_impl.h"

#define FUSE_VARS  6u    /* most columns one table application touches, guard included */
#define FUSE_STEPS 1024u /* steps recorded before the program runs */
#define FUSE_CHUNK 64u   /* 256-row vectors per block: 16,384 rows */
/* Columns one recorded step holds: a table's (FUSE_VARS at most) or a fill's; a wider fill is
 * recorded as several steps. Kept at 33 (one 32-bit accumulator and its carry) rather than
 * AP_PASS_MAX, so that the recorder, which every fused array allocates and clears, stays
 * small. */
#define FUSE_STEP_COLS 33u

/* 256 rows of one column; it may alias the planes' words. */
typedef uint64_t vec __attribute__((vector_size(32), may_alias));
/* Inlined into each block runner, so that the AVX2 one runs them as AVX2. */
#define FUSE_INLINE static inline __attribute__((always_inline))

typedef enum kernel {
    K_GENERIC,
    K_GADD, /* guarded formulas: the guard is their fourth column */
    K_GSUB,
    K_ADD, /* unguarded formulas, blended by the guard when the table is guarded */
    K_SUB,
    K_HALF,
    K_COPY,
    K_MOVE,
    K_COUNT
} kernel;

/* One table's net effect (guarded or not): its columns (letters in order of appearance, then
 * the guard), a formula when one matches, else each written column's new value as a sum
 * (xor) of products (and) of columns: mono[v] lists the products as column masks. */
typedef struct code {
    unsigned n_vars;
    char letter[FUSE_VARS];
    bool guarded;
    kernel k;
    bool written[FUSE_VARS];
    unsigned n_mono[FUSE_VARS];
    unsigned char mono[FUSE_VARS][1u << FUSE_VARS];
} code;

/* One recorded step: a table application (columns in the code's order) or a fill. */
typedef struct step {
    const code *c; /* NULL: a fill of n_cols columns with value */
    unsigned char n_cols, value;
    unsigned col[FUSE_STEP_COLS];
} step;

struct ap_fuse {
    code codes[AP_N_LUTS_MAX][2];
    size_t n_steps;
    step steps[FUSE_STEPS];
};

/* ---- The formulas, in place on their columns ------------------------------------------------
 * Each takes its columns in the table's letter order (then the guard for the guarded ones;
 * the columns a formula does not use are ignored) and says which it writes (WR_*: bit v for
 * column v). */
#define UNUSED2 (void)d0, (void)d1
FUSE_INLINE void f_gadd(vec *a, vec *b, vec *c, vec *g) /* A, B, C, G: where G, B += A + C */
{
    vec u = *g & (*a ^ *c), carry = u & (*b ^ *c); /* carry xor c: (a ^ c) & (b ^ c) */
    *b ^= u;
    *c ^= carry;
}
FUSE_INLINE void f_gsub(vec *a, vec *b, vec *c, vec *g) /* A, B, C, G: where G, B -= A + C */
{
    vec u = *g & (*a ^ *c), borrow = u & ~(*b ^ *c); /* borrow xor c: (a ^ c) & ~(b ^ c) */
    *b ^= u;
    *c ^= borrow;
}
FUSE_INLINE void f_add(vec *a, vec *b, vec *c, vec *d0) /* A, B, C: B := A + B + C, C := carry */
{
    (void)d0;
    vec t = *a ^ *b, carry = (*a & *b) | (*c & t);
    *b = t ^ *c;
    *c = carry;
}
FUSE_INLINE void f_sub(vec *a, vec *b, vec *c, vec *d0) /* A, B, C: B := B - A - C, C := borrow */
{
    (void)d0;
    vec t = *a ^ *c, borrow = (*a & *c) | (~*b & t);
    *b ^= t;
    *c = borrow;
}
FUSE_INLINE void f_half(vec *b, vec *c, vec *d0, vec *d1) /* B, C: B := B xor C, C := B and C */
{
    UNUSED2;
    vec carry = *b & *c;
    *b ^= *c;
    *c = carry;
}
FUSE_INLINE void f_copy(vec *a, vec *d, vec *d0, vec *d1) /* A, D (cleared): D := D or A */
{
    UNUSED2;
    *d |= *a;
}
FUSE_INLINE void f_move(vec *c, vec *p, vec *d0, vec *d1) /* C, P: P := P or C, C := 0 */
{
    UNUSED2;
    *p |= *c;
    *c ^= *c;
}
#define WR_GADD 6u
#define WR_GSUB 6u
#define WR_ADD  6u
#define WR_SUB  6u
#define WR_HALF 3u
#define WR_COPY 2u
#define WR_MOVE 3u

/* Columns each formula takes, and whether it takes the guard among them. */
static const unsigned formula_vars[K_COUNT] = {0, 4, 4, 3, 3, 2, 2, 2};
static const bool formula_guarded[K_COUNT] = {false, true, true};

FUSE_INLINE void formula(kernel k, vec *x)
{
    switch (k) {
    case K_GADD:
        f_gadd(&x[0], &x[1], &x[2], &x[3]);
        break;
    case K_GSUB:
        f_gsub(&x[0], &x[1], &x[2], &x[3]);
        break;
    case K_ADD:
        f_add(&x[0], &x[1], &x[2], &x[3]);
        break;
    case K_SUB:
        f_sub(&x[0], &x[1], &x[2], &x[3]);
        break;
    case K_HALF:
        f_half(&x[0], &x[1], &x[2], &x[3]);
        break;
    case K_COPY:
        f_copy(&x[0], &x[1], &x[2], &x[3]);
        break;
    case K_MOVE:
        f_move(&x[0], &x[1], &x[2], &x[3]);
        break;
    default:
        break;
    }
}

/* ---- Deriving a table's net effect ------------------------------------------------------ */

static unsigned letter_index(const code *c, char l)
{
    for (unsigned v = 0; v < c->n_vars; v++)
        if (c->letter[v] == l)
            return v;
    return FUSE_VARS;
}

/* Adds the letters of s not seen yet; false when they do not fit (with a guard). */
static bool add_letters(code *c, const char *s)
{
    for (; *s; s++)
        if (letter_index(c, *s) == FUSE_VARS) {
            if (c->n_vars + 1 >= FUSE_VARS)
                return false;
            c->letter[c->n_vars++] = *s;
        }
    return true;
}

/* The state after the table's passes, from state s (bit v: column v). */
static unsigned run_state(const ap_lut *t, const code *c, unsigned s)
{
    unsigned g = c->n_vars - 1;
    for (unsigned p = 0; p < t->n_passes; p++) {
        const ap_lut_pass *lp = &t->pass[p];
        bool match = !c->guarded || ((s >> g) & 1u);
        for (const char *l = lp->cmp, *k = lp->key; *l && match; l++, k++)
            match = ((s >> letter_index(c, *l)) & 1u) == (unsigned)(*k - '0');
        if (!match)
            continue;
        for (const char *l = lp->wr, *v = lp->val; *l; l++, v++) {
            unsigned bit = 1u << letter_index(c, *l);
            s = *v == '1' ? s | bit : s & ~bit;
        }
    }
    return s;
}

/* The state formula k leaves from state s (the guard, if any, last). */
static unsigned formula_state(kernel k, const code *c, unsigned s)
{
    vec x[FUSE_VARS] = {0}, old[FUSE_VARS] = {0};
    for (unsigned v = 0; v < c->n_vars; v++)
        x[v] = old[v] = (vec){0, 0, 0, 0} - (vec){(s >> v) & 1u, 0, 0, 0};
    formula(k, x);
    unsigned out = 0;
    for (unsigned v = 0; v < c->n_vars; v++) {
        bool blend = c->guarded && !formula_guarded[k];
        vec g = blend ? old[c->n_vars - 1] : ~(vec){0, 0, 0, 0};
        vec nv = old[v] ^ (g & (x[v] ^ old[v]));
        out |= (unsigned)(nv[0] & 1u) << v;
    }
    return out;
}

static bool compile(const ap_lut *t, bool guarded, code *c)
{
    unsigned after[1u << FUSE_VARS];
    memset(c, 0, sizeof *c);
    for (unsigned p = 0; p < t->n_passes; p++)
        if (!add_letters(c, t->pass[p].cmp) || !add_letters(c, t->pass[p].wr))
            return false;
    c->guarded = guarded;
    if (guarded)
        c->letter[c->n_vars++] = '*';
    unsigned n_states = 1u << c->n_vars;
    for (unsigned s = 0; s < n_states; s++) {
        after[s] = run_state(t, c, s);
        for (unsigned v = 0; v < c->n_vars; v++)
            c->written[v] |= ((after[s] ^ s) >> v) & 1u;
    }
    /* Algebraic normal form of each column's new value (Moebius transform). */
    for (unsigned v = 0; v < c->n_vars; v++) {
        unsigned char a[1u << FUSE_VARS];
        for (unsigned s = 0; s < n_states; s++)
            a[s] = (after[s] >> v) & 1u;
        for (unsigned i = 0; i < c->n_vars; i++)
            for (unsigned s = 0; s < n_states; s++)
                if ((s >> i) & 1u)
                    a[s] ^= a[s ^ (1u << i)];
        for (unsigned s = 0; s < n_states; s++)
            if (a[s])
                c->mono[v][c->n_mono[v]++] = (unsigned char)s;
    }
    unsigned plain = c->n_vars - guarded;
    for (kernel k = K_GADD; k < K_COUNT && c->k == K_GENERIC; k++) {
        bool same =
            formula_guarded[k] ? guarded && formula_vars[k] == c->n_vars : formula_vars[k] == plain;
        for (unsigned s = 0; s < n_states && same; s++)
            same = formula_state(k, c, s) == after[s];
        if (same)
            c->k = k;
    }
    return true;
}

/* The code of table t, guarded or not. Every table an op runs is one of ap_luts (a table
 * missing from it would run another's code here, and the fused-against-pass-by-pass test of
 * tests/check_ap.c would fail on the op using it). */
static const code *code_of(const ap_fuse *f, const ap_lut *t, bool guarded)
{
    unsigned i = 0;
    while (i + 1 < ap_n_luts && ap_luts[i] != t)
        i++;
    return &f->codes[i][guarded];
}

const char *ap_fuse_kernel_name(const ap_array *arr, const ap_lut *t, bool guarded)
{
    static const char *const names[K_COUNT] = {"generic", "guarded add", "guarded sub", "add",
                                               "sub",     "half",        "copy",        "move"};
    return arr->fuse ? names[code_of(arr->fuse, t, guarded)->k] : NULL;
}

base_status ap_fuse_open(ap_array *arr)
{
    if (ap_n_luts > AP_N_LUTS_MAX)
        return BASE_ERROR(BASE_EINVAL, "ap: %u tables, fused evaluation takes %u", ap_n_luts,
                          AP_N_LUTS_MAX);
    ap_fuse *f = base_calloc(1, sizeof *f);
    if (!f)
        return BASE_ERROR(BASE_ENOMEM, "out of memory for fused evaluation");
    for (unsigned i = 0; i < ap_n_luts; i++)
        for (unsigned g = 0; g < 2; g++)
            if (!compile(ap_luts[i], g != 0, &f->codes[i][g])) {
                base_free(f);
                return BASE_ERROR(BASE_EINVAL,
                                  "ap: a table touches more than %u columns, too many "
                                  "for fused evaluation",
                                  FUSE_VARS - 1);
            }
    arr->fuse = f;
    return BASE_OK;
}

void ap_fuse_close(ap_array *arr)
{
    ap_fuse_flush(arr);
    base_free(arr->fuse);
    arr->fuse = NULL;
}

/* ---- Recording ------------------------------------------------------------------------------ */

static step *next_step(ap_array *arr)
{
    if (arr->fuse->n_steps == FUSE_STEPS)
        ap_fuse_flush(arr);
    return &arr->fuse->steps[arr->fuse->n_steps++];
}

void ap_fuse_lut(ap_array *arr, const ap_lut *t, const unsigned *col, const unsigned *guard)
{
    const code *c = code_of(arr->fuse, t, guard != NULL);
    step *s = next_step(arr);
    s->c = c;
    s->n_cols = (unsigned char)c->n_vars;
    for (unsigned v = 0; v < c->n_vars; v++)
        s->col[v] = c->letter[v] == '*' ? *guard : col[c->letter[v] - 'A'];
}

void ap_fuse_fill(ap_array *arr, unsigned n, const unsigned *cols, unsigned char value)
{
    /* A wider clear (a 64-bit operand, divmod_u's quotient and remainder) is recorded as
     * several steps; it is still one write in the counters (ap_fill). */
    for (unsigned k = 0; k < n; k += FUSE_STEP_COLS) {
        unsigned m = n - k < FUSE_STEP_COLS ? n - k : FUSE_STEP_COLS;
        step *s = next_step(arr);
        s->c = NULL;
        s->n_cols = (unsigned char)m;
        s->value = value;
        memcpy(s->col, cols + k, m * sizeof *cols);
    }
}

/* ---- Running ------------------------------------------------------------------------------- */

/* A table's normal form on one vector: every written column's new value from the old ones. */
FUSE_INLINE void generic(const code *c, vec *x, const vec *valid)
{
    vec nx[FUSE_VARS];
    for (unsigned v = 0; v < c->n_vars; v++) {
        if (!c->written[v]) {
            nx[v] = x[v];
            continue;
        }
        vec acc = {0, 0, 0, 0};
        for (unsigned m = 0; m < c->n_mono[v]; m++) {
            vec t = *valid; /* the empty product: 1 in every row that exists */
            for (unsigned i = 0; i < c->n_vars; i++)
                if ((c->mono[v][m] >> i) & 1u)
                    t &= x[i];
            acc ^= t;
        }
        nx[v] = acc;
    }
    memcpy(x, nx, c->n_vars * sizeof *x);
}

/* A formula over n_vec vectors from word w0: its columns p[0 .. N-1] (those a formula does
 * not use stay in registers), then, when an unguarded formula runs a guarded table (BLEND),
 * the guard, which keeps the old value of every row where it is clear. Kernel, guard and written
 * columns are constants of each loop below, so each is straight-line bitwise code. */
#define COL(i) (*(vec *)(p[i] + w))
#define FUSE_LOOP(N, F, WR, BLEND)                                                                 \
    for (unsigned k = 0; k < n_vec; k++) {                                                         \
        size_t w = w0 + (size_t)k * AP_VEC_WORDS;                                                  \
        vec x0 = COL(0), x1 = COL(1), x2 = (N) > 2 ? COL(2) : x1, x3 = (N) > 3 ? COL(3) : x1;      \
        vec o0 = x0, o1 = x1, o2 = x2;                                                             \
        F(&x0, &x1, &x2, &x3);                                                                     \
        if (BLEND) {                                                                               \
            vec g = COL(N);                                                                        \
            x0 = o0 ^ (g & (x0 ^ o0));                                                             \
            x1 = o1 ^ (g & (x1 ^ o1));                                                             \
            x2 = o2 ^ (g & (x2 ^ o2));                                                             \
        }                                                                                          \
        if ((WR)&1u)                                                                               \
            COL(0) = x0;                                                                           \
        if ((WR)&2u)                                                                               \
            COL(1) = x1;                                                                           \
        if ((WR)&4u)                                                                               \
            COL(2) = x2;                                                                           \
    }

#define FUSE_CASE(K, N, F, WR)                                                                     \
    case K:                                                                                        \
        if (c->guarded) {                                                                          \
            FUSE_LOOP(N, F, WR, 1)                                                                 \
        } else {                                                                                   \
            FUSE_LOOP(N, F, WR, 0)                                                                 \
        }                                                                                          \
        return;

/* One table application over n_vec vectors from word w0. */
FUSE_INLINE void run_code(const code *c, uint64_t *const *p, const uint64_t *valid, size_t w0,
                          unsigned n_vec)
{
    switch (c->k) {
    case K_GADD:
        FUSE_LOOP(4, f_gadd, WR_GADD, 0)
        return;
    case K_GSUB:
        FUSE_LOOP(4, f_gsub, WR_GSUB, 0)
        return;
        FUSE_CASE(K_ADD, 3, f_add, WR_ADD)
        FUSE_CASE(K_SUB, 3, f_sub, WR_SUB)
        FUSE_CASE(K_HALF, 2, f_half, WR_HALF)
        FUSE_CASE(K_COPY, 2, f_copy, WR_COPY)
        FUSE_CASE(K_MOVE, 2, f_move, WR_MOVE)
    default:
        break;
    }
    for (unsigned k = 0; k < n_vec; k++) {
        size_t w = w0 + (size_t)k * AP_VEC_WORDS;
        vec x[FUSE_VARS] = {0}, ok = *(const vec *)(valid + w);
        for (unsigned v = 0; v < c->n_vars; v++)
            x[v] = COL(v);
        generic(c, x, &ok);
        for (unsigned v = 0; v < c->n_vars; v++)
            if (c->written[v])
                COL(v) = x[v];
    }
}

/* Every recorded step over the vectors of one block. */
#define FUSE_BLOCK_BODY                                                                            \
    for (size_t i = 0; i < f->n_steps; i++) {                                                      \
        const step *s = &f->steps[i];                                                              \
        uint64_t *p[FUSE_STEP_COLS];                                                               \
        for (unsigned v = 0; v < s->n_cols; v++)                                                   \
            p[v] = planes + (size_t)s->col[v] * n_words;                                           \
        if (s->c) {                                                                                \
            run_code(s->c, p, valid, w0, n_vec);                                                   \
            continue;                                                                              \
        }                                                                                          \
        for (unsigned v = 0; v < s->n_cols; v++)                                                   \
            for (unsigned k = 0; k < n_vec; k++) {                                                 \
                size_t w = w0 + (size_t)k * AP_VEC_WORDS;                                          \
                *(vec *)(p[v] + w) = s->value ? *(const vec *)(valid + w) : (vec){0, 0, 0, 0};     \
            }                                                                                      \
    }

static void run_block(const ap_fuse *f, uint64_t *planes, size_t n_words, const uint64_t *valid,
                      size_t w0, unsigned n_vec)
{
    FUSE_BLOCK_BODY
}

#if defined(__GNUC__) && defined(__x86_64__)
#define FUSE_HAVE_AVX2 1
__attribute__((target("avx2"))) static void run_block_avx2(const ap_fuse *f, uint64_t *planes,
                                                           size_t n_words, const uint64_t *valid,
                                                           size_t w0, unsigned n_vec)
{
    FUSE_BLOCK_BODY
}
#else
#define FUSE_HAVE_AVX2 0
#endif

void ap_fuse_flush(ap_array *arr)
{
    ap_fuse *f = arr->fuse;
    if (!f || f->n_steps == 0)
        return;
    size_t chunk = (size_t)FUSE_CHUNK * AP_VEC_WORDS;
    for (size_t w0 = 0; w0 < arr->n_words; w0 += chunk) {
        size_t left = arr->n_words - w0;
        unsigned n_vec = (unsigned)((left < chunk ? left : chunk) / AP_VEC_WORDS);
#if FUSE_HAVE_AVX2
        if (arr->use_avx2) {
            run_block_avx2(f, arr->planes, arr->n_words, arr->valid, w0, n_vec);
            continue;
        }
#endif
        run_block(f, arr->planes, arr->n_words, arr->valid, w0, n_vec);
    }
    f->n_steps = 0;
}
