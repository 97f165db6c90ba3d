/*
 * The hot path of the pattern miner in C (issue 17): the two hashes and the token count of a message's
 * masked tokens, exactly as MaskedMessage.read computes them (server/src/patterns/mask.ts), for a batch
 * of messages at once (`keys`), or for the messages of the insert's TabSeparated rows, read from their
 * bytes (`rows`: what the pattern thread is sent, process/label-thread.ts). Drain's memory of masked
 * messages knows a message by them (drain.ts), so a message whose masked form was seen before needs
 * nothing else of JavaScript.
 *
 * What it knows of shapes it is told by mask.ts (`shape`, every shape as mask.ts learns it; `clear`,
 * when mask.ts empties its table): whether tokens of a shape are kept as they are, or masked to one
 * form (with that form's hashes); `family`, a family of shapes whose tokens all mask alike (mask.ts
 * Family). A message it cannot finish alone gets -1 as its count, and mask.ts reads it: a shape not yet
 * known (nor its family), a shape whose tokens are masked one by one or keep some digits, a size
 * restated in parentheses after a number and its unit. The rules themselves stay in mask.ts.
 * native.test.ts compares every key with MaskedMessage.read on Loghub lines with fresh values.
 */
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdalign.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define SEED 0x811c9dc5u
#define SEED2 0x3c6ef372u
static inline uint32_t step(uint32_t h, uint32_t c) { return (h ^ c) * 0x01000193u; }
static inline uint32_t step2(uint32_t h, uint32_t c) { return (h ^ c) * 0x5bd1e995u; }
static inline uint32_t small(uint32_t h) {
  h = (h ^ (h >> 16)) * 0x85ebca6bu;
  h = (h ^ (h >> 13)) * 0xc2b2ae35u;
  return (h ^ (h >> 16)) & 0x3fffffffu;
}

/*
 * The classes of the ASCII characters (mask.ts ASCII_CLASS, charClass), one load a character: the character
 * with a digit as `0` (low byte), SCAN_MAYBE where a token may vary (a digit, `/`, `\\`, `-`), SCAN_SPACE
 * where a token ends. Made at module load (NAPI_MODULE_INIT).
 */
enum { SCAN_MAYBE = 0x100, SCAN_SPACE = 0x200 };
static uint16_t ascii_scan[128];
static inline int wide_space(uint32_t c) {
  return c == 160 || c == 5760 || (c >= 8192 && c <= 8202) || c == 8232 || c == 8233 || c == 8239 || c == 8287 || c == 12288 || c == 65279;
}
static inline int is_space(uint32_t c) { return c < 128 ? (ascii_scan[c] & SCAN_SPACE) != 0 : wide_space(c); }
static inline int is_digit(uint32_t c) { return c >= 48 && c <= 57; }
/* First letters of the units (mask.ts UNIT_FIRST): K M G T P k m g t B b u µ n s h d */
static inline int unit_first(uint32_t c) {
  switch (c) {
    case 'K': case 'M': case 'G': case 'T': case 'P': case 'k': case 'm': case 'g': case 't':
    case 'B': case 'b': case 'u': case 0xb5: case 'n': case 's': case 'h': case 'd': return 1;
    default: return 0;
  }
}

/* mask.ts UNIT: ^(?:[KMGTP]i?B|[kmgt]b|B|bytes?|ms|us|µs|ns|s|secs?|seconds?|mins?|minutes?|h|hours?|days?)(?=$|[)\],;.]) */
#define UNIT(s) {s, sizeof s - 1}
static const struct { const char *text; size_t len; } UNITS[] = {
  UNIT("KB"), UNIT("MB"), UNIT("GB"), UNIT("TB"), UNIT("PB"), UNIT("KiB"), UNIT("MiB"), UNIT("GiB"), UNIT("TiB"), UNIT("PiB"),
  UNIT("kb"), UNIT("mb"), UNIT("gb"), UNIT("tb"), UNIT("B"), UNIT("byte"), UNIT("bytes"), UNIT("ms"), UNIT("us"), UNIT("\xb5s"),
  UNIT("ns"), UNIT("s"), UNIT("sec"), UNIT("secs"), UNIT("second"), UNIT("seconds"), UNIT("min"), UNIT("mins"), UNIT("minute"),
  UNIT("minutes"), UNIT("h"), UNIT("hour"), UNIT("hours"), UNIT("day"), UNIT("days"),
};
static int is_unit(const uint16_t *t, size_t n) {
  for (size_t u = 0; u < sizeof UNITS / sizeof UNITS[0]; u++) {
    const char *text = UNITS[u].text;
    size_t k = UNITS[u].len;
    if (k > n) continue;
    size_t j = 0;
    while (j < k && t[j] == (uint8_t)text[j]) j++;
    if (j < k) continue;
    if (k == n) return 1;
    uint16_t f = t[k];
    if (f == ')' || f == ']' || f == ',' || f == ';' || f == '.') return 1;
  }
  return 0;
}

/* Shapes, as mask.ts told them: by their two hashes and length, in open addressing. */
enum { KEEP = 1, FIXED = 2, OWN = 3, KEPT = 4 };
/* Flags of a FIXED shape's masked form: it is `<*>`, or `(<*>)`. */
enum { WILDCARD = 1, PAREN_WILDCARD = 2 };
/* KEPT: the masked form of the shape, and where the token's digits go in it (place, place in the token). */
typedef struct {
  uint16_t *masked;
  uint32_t masked_len, pairs_len;
  int32_t *pairs;
} Kept;
/*
 * 32 bytes, two to a cache line: the table is read at random places, once a token that may be variable,
 * and its reads were the most of the scan's time while a shape took 48 bytes (perf, 2026-11-27).
 */
typedef struct {
  uint32_t h, g, len; /* len 0: an empty slot */
  uint32_t mh, mg;    /* FIXED: the hashes of the masked form */
  uint8_t kind, flags;
  Kept *kept;
} __attribute__((aligned(32))) Shape;
#define SLOTS (1u << 17) /* twice mask.ts's SHAPES_MAX (50,000) and more */

/*
 * What one JavaScript thread (one N-API environment) has here: its shapes, as its own mask.ts told
 * them, and the arrays of the message being read. Threads share nothing.
 */
typedef struct {
  Shape *shapes;
  uint32_t *raw_start, *raw_end, *raw_h, *raw_g;
  uint8_t *raw_maybe;
  size_t raw_cap;
  uint16_t *text;
  size_t text_cap;
  /* rows(): the services of the call (open addressing, by hash of tenant and service; -1 empty) */
  int32_t *svc_slot;
  uint32_t svc_slots;
  /* and where each one's tenant and service are (start, length, start, length), and its slot */
  uint32_t *svc_at;
  uint32_t svc_cap;
} State;

static const Shape *find(const Shape *shapes, uint32_t h, uint32_t g, uint32_t len) {
  for (uint32_t i = h & (SLOTS - 1);; i = (i + 1) & (SLOTS - 1)) {
    const Shape *s = &shapes[i];
    if (s->len == 0) return NULL;
    if (s->h == h && s->g == g && s->len == len) return s;
  }
}

/* The slot of a shape (its own, or the empty one where it goes). */
static Shape *slot_of(Shape *shapes, uint32_t h, uint32_t g, uint32_t len) {
  uint32_t i = h & (SLOTS - 1);
  while (shapes[i].len != 0 && !(shapes[i].h == h && shapes[i].g == g && shapes[i].len == len)) i = (i + 1) & (SLOTS - 1);
  return &shapes[i];
}

/* The state of a call, its arguments (up to *argc; *argc becomes how many were given), the first `numbers` of them as integers. */
static State *call_args(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv, uint32_t *v, size_t numbers) {
  State *st;
  napi_get_cb_info(env, info, argc, argv, NULL, (void **)&st);
  for (size_t i = 0; i < *argc && i < numbers; i++) napi_get_value_uint32(env, argv[i], &v[i]);
  return st;
}

/*
 * The table of shapes, made when the first shape comes (4 MiB: a thread that loads the module but does
 * not mine, such as the event loop beside the pattern thread, never makes it). NULL if out of memory.
 */
static Shape *table(State *st) {
  if (st->shapes == NULL && (st->shapes = aligned_alloc(64, SLOTS * sizeof(Shape))) != NULL) memset(st->shapes, 0, SLOTS * sizeof(Shape));
  return st->shapes;
}

/* shape(h, g, len, kind, mh, mg, flags): a shape mask.ts learnt. */
static napi_value add_shape(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  uint32_t v[7] = {0};
  State *st = call_args(env, info, &argc, argv, v, 7);
  if (v[2] == 0 || table(st) == NULL) return NULL;
  Shape *s = slot_of(st->shapes, v[0], v[1], v[2]);
  if (s->len != 0) return NULL;
  Shape n = {v[0], v[1], v[2], v[4], v[5], (uint8_t)v[3], (uint8_t)v[6], NULL};
  *s = n;
  return NULL;
}

/* kept(h, g, len, masked: string, pairs: Int32Array): a shape whose masked form keeps some of the token's digits. */
static napi_value add_kept(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  uint32_t v[3] = {0};
  State *st = call_args(env, info, &argc, argv, v, 3);
  if (argc < 5) return NULL;
  size_t mlen, plen;
  napi_typedarray_type type;
  void *pairs;
  if (napi_get_value_string_utf16(env, argv[3], NULL, 0, &mlen) != napi_ok) return NULL;
  if (napi_get_typedarray_info(env, argv[4], &type, &plen, &pairs, NULL, NULL) != napi_ok || type != napi_int32_array) return NULL;
  if (v[2] == 0 || plen % 2 != 0 || table(st) == NULL) return NULL;
  /* Every place must be inside the masked form and the token, in order (mask.ts sorts them). */
  const int32_t *p = pairs;
  for (size_t k = 0; k < plen; k += 2)
    if (p[k] < 0 || (size_t)p[k] >= mlen || p[k + 1] < 0 || (uint32_t)p[k + 1] >= v[2] || (k > 0 && p[k] <= p[k - 2])) return NULL;
  Shape *s = slot_of(st->shapes, v[0], v[1], v[2]);
  if (s->len != 0) return NULL;
  uint16_t *m = malloc((mlen + 1) * sizeof(uint16_t));
  int32_t *q = malloc((plen ? plen : 1) * sizeof(int32_t));
  Kept *kept = malloc(sizeof(Kept));
  if (!m || !q || !kept) {
    free(m);
    free(q);
    free(kept);
    return NULL;
  }
  napi_get_value_string_utf16(env, argv[3], (char16_t *)m, mlen + 1, &mlen);
  memcpy(q, pairs, plen * sizeof(int32_t));
  Kept k = {m, (uint32_t)mlen, (uint32_t)plen, q};
  *kept = k;
  Shape n = {v[0], v[1], v[2], 0, 0, KEPT, 0, kept};
  *s = n;
  return NULL;
}

/*
 * Families of shapes (mask.ts Family): a shape with every run of two or more digits read as `00`, kept in the
 * same table as the shapes with FAMILY set in their length. mask.ts tells a family only when all its
 * tokens mask to one form, and uses families for tokens of at most FAMILY_TOKEN_MAX characters.
 */
#define FAMILY 0x80000000u
#define FAMILY_TOKEN_MAX 256

/* family(h, g, len, mh, mg, flags): a family mask.ts found to mask alike. */
static napi_value add_family(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  uint32_t v[6] = {0};
  State *st = call_args(env, info, &argc, argv, v, 6);
  if (v[2] == 0 || v[2] >= FAMILY || table(st) == NULL) return NULL;
  Shape *s = slot_of(st->shapes, v[0], v[1], v[2] | FAMILY);
  if (s->len != 0) return NULL;
  Shape n = {v[0], v[1], v[2] | FAMILY, v[3], v[4], FIXED, (uint8_t)v[5], NULL};
  *s = n;
  return NULL;
}

/* One range of a family's text into its hashes (a, b), its length and the digits of the run it ends in (family_of). */
static void family_range(const uint16_t *t, uint32_t s, uint32_t e, uint32_t *a, uint32_t *b, uint32_t *len, uint32_t *run) {
  for (uint32_t j = s; j < e; j++) {
    uint32_t c = t[j];
    if (is_digit(c)) {
      if (++*run > 2) continue;
      c = 48;
    } else *run = 0;
    *a = step(*a, c);
    *b = step2(*b, c);
    ++*len;
  }
}

/*
 * The family of t[s1, e1) and t[s2, e2) as one text (a number and its unit; a token alone: s2 = e2) (mask.ts
 * familyOf): NULL if it is too long, its shape is its family, or the family is not known.
 */
static const Shape *family_of(const Shape *shapes, const uint16_t *t, uint32_t s1, uint32_t e1, uint32_t s2, uint32_t e2) {
  if ((e1 - s1) + (e2 - s2) > FAMILY_TOKEN_MAX) return NULL;
  uint32_t a = SEED, b = SEED2, len = 0, run = 0;
  family_range(t, s1, e1, &a, &b, &len, &run);
  family_range(t, s2, e2, &a, &b, &len, &run);
  if (len == (e1 - s1) + (e2 - s2)) return NULL;
  return find(shapes, small(a), small(b), len | FAMILY);
}

static void free_kept(Shape *shapes) {
  if (shapes == NULL) return;
  for (uint32_t i = 0; i < SLOTS; i++)
    if (shapes[i].kind == KEPT) {
      free(shapes[i].kept->masked);
      free(shapes[i].kept->pairs);
      free(shapes[i].kept);
    }
}

static napi_value clear_shapes(napi_env env, napi_callback_info info) {
  State *st;
  napi_get_cb_info(env, info, NULL, NULL, NULL, (void **)&st);
  free_kept(st->shapes);
  if (st->shapes != NULL) memset(st->shapes, 0, sizeof(Shape) * SLOTS);
  return NULL;
}

/* Room for `n` raw tokens. */
static int grow(State *st, size_t n) {
  if (n <= st->raw_cap) return 1;
  size_t cap = n * 2;
  uint32_t *a = realloc(st->raw_start, cap * 4), *b = realloc(st->raw_end, cap * 4), *c = realloc(st->raw_h, cap * 4), *d = realloc(st->raw_g, cap * 4);
  uint8_t *e = realloc(st->raw_maybe, cap);
  if (a) st->raw_start = a;
  if (b) st->raw_end = b;
  if (c) st->raw_h = c;
  if (d) st->raw_g = d;
  if (e) st->raw_maybe = e;
  if (!a || !b || !c || !d || !e) return 0;
  st->raw_cap = cap;
  return 1;
}

/* The raw (not zeroed) hashes of t[start, end). */
static void raw_hashes(const uint16_t *t, uint32_t start, uint32_t end, uint32_t *h, uint32_t *g) {
  uint32_t a = SEED, b = SEED2;
  for (uint32_t i = start; i < end; i++) {
    a = step(a, t[i]);
    b = step2(b, t[i]);
  }
  *h = small(a);
  *g = small(b);
}

/* The character `d` of a token made of t[s1, e1) and t[s2, ...) (a number and its unit: two texts). */
static inline uint32_t joined_at(const uint16_t *t, uint32_t s1, uint32_t e1, uint32_t s2, uint32_t d) {
  return d < e1 - s1 ? t[s1 + d] : t[s2 + d - (e1 - s1)];
}

/* The two hashes of the masked form of a token of KEPT shape `s` (mask.ts maskedBy, then hashes). */
static void kept_hashes(const Shape *s, const uint16_t *t, uint32_t s1, uint32_t e1, uint32_t s2, uint32_t *h, uint32_t *g) {
  const Kept *k = s->kept;
  uint32_t a = SEED, b = SEED2, p = 0;
  for (uint32_t j = 0; j < k->masked_len; j++) {
    uint32_t c = k->masked[j];
    if (p < k->pairs_len && (uint32_t)k->pairs[p] == j) {
      c = joined_at(t, s1, e1, s2, (uint32_t)k->pairs[p + 1]);
      p += 2;
    }
    a = step(a, c);
    b = step2(b, c);
  }
  *h = small(a);
  *g = small(b);
}

/* The zeroed hashes (digits as `0`) of t[s1, e1) and t[s2, e2) as one text. */
static void shape_hashes(const uint16_t *t, uint32_t s1, uint32_t e1, uint32_t s2, uint32_t e2, uint32_t *h, uint32_t *g) {
  uint32_t a = SEED, b = SEED2;
  for (uint32_t j = s1; j < e1; j++) {
    uint32_t c = is_digit(t[j]) ? 48 : t[j];
    a = step(a, c);
    b = step2(b, c);
  }
  for (uint32_t j = s2; j < e2; j++) {
    uint32_t c = is_digit(t[j]) ? 48 : t[j];
    a = step(a, c);
    b = step2(b, c);
  }
  *h = small(a);
  *g = small(b);
}

/* The masked key of t[0, n) into out[0..2]: key, key2, count; count -1 when mask.ts must read it. */
static void key_of(State *st, const uint16_t *t, uint32_t n, int32_t *out) {
  out[2] = -1;
  const Shape *shapes = st->shapes;
  if (shapes == NULL) return; /* no shape known yet */
  size_t raws = 0;
  for (uint32_t i = 0; i < n;) {
    while (i < n && is_space(t[i])) i++;
    if (i >= n) break;
    uint32_t start = i;
    uint8_t maybe = 0;
    uint32_t h = SEED, g = SEED2;
    /* Without a branch on the class of each character (letters and digits mixed were mispredicted). */
    for (; i < n; i++) {
      uint32_t c = t[i];
      if (c < 128) {
        uint32_t x = ascii_scan[c];
        if (x & SCAN_SPACE) break;
        maybe |= x >> 8;
        c = x & 0xff;
      } else if (wide_space(c)) break;
      h = step(h, c);
      g = step2(g, c);
    }
    if (raws == st->raw_cap && !grow(st, raws + 1)) return;
    uint32_t *raw_start = st->raw_start, *raw_end = st->raw_end, *raw_h = st->raw_h, *raw_g = st->raw_g;
    uint8_t *raw_maybe = st->raw_maybe;
    raw_start[raws] = start;
    raw_end[raws] = i;
    raw_h[raws] = small(h);
    raw_g[raws] = small(g);
    raw_maybe[raws] = maybe;
    /* Its shape is read after the whole message is split: its slot is on its way meanwhile. */
    if (maybe) __builtin_prefetch(&shapes[raw_h[raws] & (SLOTS - 1)]);
    raws++;
  }
  const uint32_t *raw_start = st->raw_start, *raw_end = st->raw_end, *raw_h = st->raw_h, *raw_g = st->raw_g;
  const uint8_t *raw_maybe = st->raw_maybe;
  uint32_t key = SEED, key2 = SEED2;
  int32_t count = 0;
  for (size_t i = 0; i < raws; i++) {
    uint32_t start = raw_start[i], end = raw_end[i];
    uint32_t h = raw_h[i], g = raw_g[i];
    if (i + 1 < raws && is_digit(t[end - 1]) && unit_first(t[raw_start[i + 1]]) && is_unit(t + raw_start[i + 1], raw_end[i + 1] - raw_start[i + 1])) {
      /* A number and its unit: one token, the two texts joined. */
      uint32_t s2 = raw_start[i + 1], e2 = raw_end[i + 1];
      uint32_t a, b;
      shape_hashes(t, start, end, s2, e2, &a, &b);
      const Shape *s = find(shapes, a, b, (end - start) + (e2 - s2));
      if (s == NULL) s = family_of(shapes, t, start, end, s2, e2);
      if (s == NULL || s->kind == OWN) return;
      if (s->kind == FIXED) {
        h = s->mh;
        g = s->mg;
      } else if (s->kind == KEPT) kept_hashes(s, t, start, end, s2, &h, &g);
      else {
        a = SEED;
        b = SEED2;
        for (uint32_t j = start; j < end; j++) a = step(a, t[j]), b = step2(b, t[j]);
        for (uint32_t j = s2; j < e2; j++) a = step(a, t[j]), b = step2(b, t[j]);
        h = small(a);
        g = small(b);
      }
      i++;
      /* A size restated in parentheses (`1190 bytes (1.16 KB)`) is the same value: its two tokens go. */
      if (s->kind == FIXED && (s->flags & WILDCARD) && i + 2 < raws && t[raw_start[i + 1]] == '(' && is_unit(t + raw_start[i + 2], raw_end[i + 2] - raw_start[i + 2]) &&
          (raw_maybe[i + 1] || raw_maybe[i + 2])) {
        shape_hashes(t, raw_start[i + 1], raw_end[i + 1], raw_start[i + 2], raw_end[i + 2], &a, &b);
        const Shape *r = find(shapes, a, b, (raw_end[i + 1] - raw_start[i + 1]) + (raw_end[i + 2] - raw_start[i + 2]));
        if (r == NULL) r = family_of(shapes, t, raw_start[i + 1], raw_end[i + 1], raw_start[i + 2], raw_end[i + 2]);
        if (r == NULL || r->kind == OWN) return;
        if (r->kind == FIXED && (r->flags & PAREN_WILDCARD)) i += 2;
      }
    } else if (raw_maybe[i]) {
      const Shape *s = find(shapes, h, g, end - start);
      if (s == NULL) s = family_of(shapes, t, start, end, end, end);
      if (s == NULL || s->kind == OWN) return;
      if (s->kind == FIXED) {
        h = s->mh;
        g = s->mg;
      } else if (s->kind == KEPT) kept_hashes(s, t, start, end, end, &h, &g);
      else raw_hashes(t, start, end, &h, &g);
    }
    key = step(key, h);
    key2 = step2(key2, g);
    count++;
  }
  out[0] = (int32_t)small(key);
  out[1] = (int32_t)small(key2);
  out[2] = count;
}

/* keys(messages: string[], out: Int32Array): for message k, out[3k..3k+2] = key, key2, count (or -1). */
static napi_value keys(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  State *st;
  napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&st);
  uint32_t n;
  if (napi_get_array_length(env, argv[0], &n) != napi_ok) return NULL;
  napi_typedarray_type type;
  size_t length;
  void *data;
  napi_get_typedarray_info(env, argv[1], &type, &length, &data, NULL, NULL);
  if (type != napi_int32_array || length < (size_t)n * 3) {
    napi_throw_range_error(env, NULL, "out: an Int32Array of 3 numbers a message");
    return NULL;
  }
  int32_t *out = data;
  for (uint32_t k = 0; k < n; k++) {
    out[3 * k + 2] = -1;
    napi_value s;
    size_t len;
    if (napi_get_element(env, argv[0], k, &s) != napi_ok) continue;
    /* One copy a message; a message that filled the buffer may be longer: its length, and again. */
    if (napi_get_value_string_utf16(env, s, (char16_t *)st->text, st->text_cap, &len) != napi_ok) continue;
    if (len + 1 >= st->text_cap) {
      if (napi_get_value_string_utf16(env, s, NULL, 0, &len) != napi_ok) continue;
      if (len + 1 > st->text_cap) {
        uint16_t *t = realloc(st->text, (len + 1) * 2 * sizeof(uint16_t));
        if (!t) continue;
        st->text = t;
        st->text_cap = (len + 1) * 2;
      }
      napi_get_value_string_utf16(env, s, (char16_t *)st->text, st->text_cap, &len);
    }
    key_of(st, st->text, (uint32_t)len, out + 3 * k);
  }
  return NULL;
}

/* Room for a text of `n` units. */
static int text_room(State *st, size_t n) {
  if (n + 1 <= st->text_cap) return 1;
  uint16_t *t = realloc(st->text, (n + 1) * 2 * sizeof(uint16_t));
  if (!t) return 0;
  st->text = t;
  st->text_cap = (n + 1) * 2;
  return 1;
}

/*
 * A TabSeparated field (UTF-8, escaped as store/encode.ts writes it) as UTF-16 into st->text; its length,
 * or -1 if its bytes are not UTF-8 (JavaScript then decodes it, with U+FFFD where Node puts one).
 */
static int64_t field_text(State *st, const uint8_t *b, uint32_t n) {
  if (!text_room(st, n)) return -1;
  uint16_t *t = st->text;
  uint32_t len = 0;
  for (uint32_t i = 0; i < n;) {
    /* Sixteen or eight bytes at a time while they are ASCII and none is a backslash (most of a message). */
#ifdef __SSE2__
    while (i + 16 <= n) {
      __m128i v = _mm_loadu_si128((const __m128i *)(b + i));
      if (_mm_movemask_epi8(_mm_or_si128(v, _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')))) != 0) break;
      _mm_storeu_si128((__m128i *)(t + len), _mm_unpacklo_epi8(v, _mm_setzero_si128()));
      _mm_storeu_si128((__m128i *)(t + len + 8), _mm_unpackhi_epi8(v, _mm_setzero_si128()));
      len += 16;
      i += 16;
    }
#endif
    while (i + 8 <= n) {
      uint64_t w, x;
      memcpy(&w, b + i, 8);
      x = w ^ 0x5c5c5c5c5c5c5c5cull; /* a zero byte where a backslash is */
      if ((w & 0x8080808080808080ull) || ((x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull)) break;
      for (int j = 0; j < 8; j++) t[len + j] = b[i + j];
      len += 8;
      i += 8;
    }
    if (i >= n) break;
    uint32_t c = b[i++];
    if (c == '\\' && i < n) {
      c = b[i++];
      c = c == 't' ? '\t' : c == 'n' ? '\n' : c == 'r' ? '\r' : c == '0' ? 0 : c;
      if (c >= 0x80) return -1;
    } else if (c >= 0x80) {
      uint32_t more, min;
      if (c >= 0xc2 && c <= 0xdf) more = 1, min = 0x80, c &= 0x1f;
      else if (c >= 0xe0 && c <= 0xef) more = 2, min = 0x800, c &= 0x0f;
      else if (c >= 0xf0 && c <= 0xf4) more = 3, min = 0x10000, c &= 0x07;
      else return -1;
      if (i + more > n) return -1;
      for (uint32_t j = 0; j < more; j++) {
        uint32_t d = b[i++];
        if ((d & 0xc0) != 0x80) return -1;
        c = (c << 6) | (d & 0x3f);
      }
      if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) return -1;
      if (c >= 0x10000) {
        c -= 0x10000;
        t[len++] = (uint16_t)(0xd800 + (c >> 10));
        c = 0xdc00 + (c & 0x3ff);
      }
    }
    t[len++] = (uint16_t)c;
  }
  return len;
}

static inline int digits(const uint8_t *b, uint32_t n, double *v) {
  double x = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (b[i] < '0' || b[i] > '9') return 0;
    x = x * 10 + (b[i] - '0');
  }
  *v = x;
  return 1;
}

/*
 * A timestamp as the rows hold it (`2025-01-01 12:00:00.123456789`) as two numbers that order as the
 * text does: YYYYMMDDhhmmss and nanoseconds (patterns/miner.ts timeHi, timeLo). NaN if not that form.
 */
static void time_of(const uint8_t *b, uint32_t n, double *hi, double *lo) {
  double y, mo, d, h, mi, s, f = 0;
  *hi = *lo = 0.0 / 0.0;
  if (n < 19 || b[4] != '-' || b[7] != '-' || b[10] != ' ' || b[13] != ':' || b[16] != ':') return;
  if (!digits(b, 4, &y) || !digits(b + 5, 2, &mo) || !digits(b + 8, 2, &d) || !digits(b + 11, 2, &h) || !digits(b + 14, 2, &mi) || !digits(b + 17, 2, &s)) return;
  if (n > 19) {
    uint32_t k = n - 20;
    if (b[19] != '.' || k == 0 || k > 9 || !digits(b + 20, k, &f)) return;
    for (; k < 9; k++) f *= 10;
  }
  *hi = ((((y * 100 + mo) * 100 + d) * 100 + h) * 100 + mi) * 100 + s;
  *lo = f;
}

static inline uint32_t bytes_hash(uint32_t h, const uint8_t *b, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) h = step(h, b[i]);
  return step(h, 0x100);
}

/*
 * rows(buf: Uint8Array, count, out: Int32Array, fields: Int32Array, times: Float64Array): the insert's
 * TabSeparated rows (store/encode.ts COLUMNS: tenant, timestamp, service, message, ...), as the pattern
 * thread gets them, instead of the messages as strings (process/labeler.ts). For row k:
 * - out[3k..3k+2]: its message's key, as keys();
 * - fields[4k]: its service's number (its tenant and service, numbered as they first come in the call),
 *   fields[4k+1], fields[4k+2]: where its message's bytes (escaped) start and end, fields[4k+3]: where
 *   the row starts;
 * - times[2k], times[2k+1]: its timestamp (time_of).
 * fields[4 count + j]: the first row of service j. Returns the number of services, or -1 when the bytes
 * are not `count` such rows.
 */
static napi_value rows(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5], result;
  uint32_t count = 0;
  State *st;
  napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&st);
  napi_typedarray_type type[4];
  size_t length[4];
  void *data[4];
  const napi_value *arrays[4] = {&argv[0], &argv[2], &argv[3], &argv[4]};
  if (argc < 5 || napi_get_value_uint32(env, argv[1], &count) != napi_ok) goto bad;
  for (int i = 0; i < 4; i++)
    if (napi_get_typedarray_info(env, *arrays[i], &type[i], &length[i], &data[i], NULL, NULL) != napi_ok) goto bad;
  if (type[0] != napi_uint8_array || type[1] != napi_int32_array || length[1] < (size_t)count * 3 || type[2] != napi_int32_array ||
      length[2] < (size_t)count * 5 || type[3] != napi_float64_array || length[3] < (size_t)count * 2)
    goto bad;
  const uint8_t *b = data[0];
  const uint32_t n = (uint32_t)length[0];
  int32_t *out = data[1], *fields = data[2];
  double *times = data[3];
  /* The services' table: a power of two, at least twice the rows. */
  uint32_t slots = 64;
  while (slots < 2 * count) slots *= 2;
  if (slots > st->svc_slots) {
    /* All empty between calls: a call empties the slots it filled (below). */
    int32_t *t = realloc(st->svc_slot, slots * sizeof(int32_t));
    if (!t) goto bad;
    memset(t, 0xff, slots * sizeof(int32_t));
    st->svc_slot = t;
    st->svc_slots = slots;
  }
  slots = st->svc_slots;
  if (count > st->svc_cap) {
    uint32_t *a = realloc(st->svc_at, (size_t)count * 5 * sizeof(uint32_t));
    if (!a) goto bad;
    st->svc_at = a;
    st->svc_cap = count;
  }
  uint32_t *svc_at = st->svc_at;
  int32_t services = 0;
  int32_t *first = fields + 4 * (size_t)count;
  uint32_t p = 0;
  for (uint32_t k = 0; k < count; k++) {
    /* tenant \t timestamp \t service \t message \t ... \n: the short fields by a loop, the long by memchr */
    uint32_t tab[4];
    uint32_t q = p;
    for (int f = 0; f < 3; f++) {
      while (q < n && b[q] != '\t') q++;
      if (q >= n) goto bad_rows;
      tab[f] = q++;
    }
    const uint8_t *x = memchr(b + q, '\t', n - q);
    if (x == NULL) goto bad_rows;
    tab[3] = (uint32_t)(x - b);
    const uint8_t *nl = memchr(x, '\n', n - tab[3]);
    if (nl == NULL) goto bad_rows;
    /* Its service, by tenant and service. */
    uint32_t tenant_len = tab[0] - p, service_at = tab[1] + 1, service_len = tab[2] - service_at;
    uint32_t h = bytes_hash(bytes_hash(SEED, b + p, tenant_len), b + service_at, service_len);
    uint32_t slot = h & (slots - 1);
    int32_t svc = -1;
    for (;; slot = (slot + 1) & (slots - 1)) {
      int32_t j = st->svc_slot[slot];
      if (j < 0) break;
      const uint32_t *at = svc_at + 5 * (size_t)j;
      if (at[1] == tenant_len && at[3] == service_len && memcmp(b + at[0], b + p, tenant_len) == 0 && memcmp(b + at[2], b + service_at, service_len) == 0) {
        svc = j;
        break;
      }
    }
    fields[4 * k + 3] = (int32_t)p;
    if (svc < 0) {
      svc = services++;
      first[svc] = (int32_t)k;
      st->svc_slot[slot] = svc;
      uint32_t *at = svc_at + 5 * (size_t)svc;
      at[0] = p;
      at[1] = tenant_len;
      at[2] = service_at;
      at[3] = service_len;
      at[4] = slot;
    }
    fields[4 * k] = svc;
    fields[4 * k + 1] = (int32_t)(tab[2] + 1);
    fields[4 * k + 2] = (int32_t)tab[3];
    time_of(b + tab[0] + 1, tab[1] - tab[0] - 1, &times[2 * k], &times[2 * k + 1]);
    int64_t len = field_text(st, b + tab[2] + 1, tab[3] - tab[2] - 1);
    if (len < 0) out[3 * k + 2] = -1;
    else key_of(st, st->text, (uint32_t)len, out + 3 * k);
    p = (uint32_t)(nl - b) + 1;
  }
  if (p != n) goto bad_rows;
  napi_create_int32(env, services, &result);
  for (int32_t j = 0; j < services; j++) st->svc_slot[svc_at[5 * (size_t)j + 4]] = -1;
  return result;
bad_rows:
  for (int32_t j = 0; j < services; j++) st->svc_slot[svc_at[5 * (size_t)j + 4]] = -1;
  napi_create_int32(env, -1, &result);
  return result;
bad:
  napi_throw_range_error(env, NULL, "rows(buf: Uint8Array, count, out: Int32Array of 3 a row, fields: Int32Array of 5 a row, times: Float64Array of 2 a row)");
  return NULL;
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  State *st = data;
  free_kept(st->shapes);
  free(st->shapes);
  free(st->raw_start);
  free(st->raw_end);
  free(st->raw_h);
  free(st->raw_g);
  free(st->raw_maybe);
  free(st->text);
  free(st->svc_slot);
  free(st->svc_at);
  free(st);
}

NAPI_MODULE_INIT() {
  /* The same table for every thread, written before any reads it (the same values every time). */
  for (int c = 0; c < 128; c++) {
    int digit = c >= '0' && c <= '9', space = c == ' ' || (c >= 9 && c <= 13);
    ascii_scan[c] = (uint16_t)((digit ? '0' : c) | (digit || c == '/' || c == '\\' || c == '-' ? SCAN_MAYBE : 0) | (space ? SCAN_SPACE : 0));
  }
  State *st = calloc(1, sizeof(State));
  if (st == NULL || !grow(st, 64)) {
    napi_throw_error(env, NULL, "mask_keys: out of memory");
    return NULL;
  }
  napi_set_instance_data(env, st, finalize, NULL);
  static const struct { const char *name; napi_callback cb; } fns[] = {{"keys", keys}, {"rows", rows}, {"shape", add_shape}, {"kept", add_kept}, {"family", add_family}, {"clear", clear_shapes}};
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value f;
    napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].cb, st, &f);
    napi_set_named_property(env, exports, fns[i].name, f);
  }
  return exports;
}
