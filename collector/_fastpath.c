/* The collector's ingest fast path: one pass over a float-only remote_write WriteRequest that
 * checks every series and rewrites its labels, without a Python object per label.
 *
 * It accepts only what the pure-Python path (collector/ingest.py) would accept AND would
 * re-serialize to the same bytes: a canonical encoding (fields in number order, defaults
 * omitted, minimal varints) of series holding labels and float samples, names valid and
 * strictly sorted, values valid UTF-8 within the limits, timestamps in the window. Anything
 * else returns None and the caller runs the Python path, which gives the verdict and message.
 * So this code never decides a rejection; it only proves an acceptance.
 *
 * Bounds: every read is checked against the end of its enclosing message; no recursion (the
 * nesting is fixed: request > series > label/sample); one output buffer, grown to at most
 * len(raw) + series * (site labels + 10) bytes, itself capped by max_series.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define MAX_SITE_LABELS 64
#define MAX_RESERVED 64

typedef struct {
    const uint8_t *name;
    Py_ssize_t len;
} Bytes;

typedef struct {
    Bytes reserved[MAX_RESERVED];
    int n_reserved;
    const uint8_t *site; /* the site labels, each encoded as a TimeSeries.labels field */
    Py_ssize_t site_len;
    Bytes site_names[MAX_SITE_LABELS];
    Py_ssize_t site_offsets[MAX_SITE_LABELS + 1];
    int n_site;
    long long max_series, max_samples, max_labels, max_name, max_value;
    long long low, high;
} Rules;

/* A varint at *p (< end), minimal and within 64 bits; 0 if not. */
static inline int read_varint(const uint8_t **p, const uint8_t *end, uint64_t *value) {
    uint64_t v = 0;
    const uint8_t *q = *p;
    if (q < end && *q < 0x80) { /* most lengths and tags: one byte */
        *value = *q;
        *p = q + 1;
        return 1;
    }
    for (int shift = 0; shift < 64 && q < end; shift += 7) {
        uint8_t byte = *q++;
        if (shift == 63 && byte > 1) return 0;
        v |= (uint64_t)(byte & 0x7F) << shift;
        if (!(byte & 0x80)) {
            if (byte == 0 && shift > 0) return 0; /* not minimal */
            *p = q;
            *value = v;
            return 1;
        }
    }
    return 0;
}

/* A length-delimited payload at *p: its start and length, inside end. */
static inline int read_length(const uint8_t **p, const uint8_t *end, const uint8_t **start, Py_ssize_t *len) {
    uint64_t v;
    if (!read_varint(p, end, &v) || v > (uint64_t)(end - *p)) return 0;
    *start = *p;
    *len = (Py_ssize_t)v;
    *p += v;
    return 1;
}

static int varint_size(uint64_t v) {
    int n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static void write_varint(uint8_t *p, uint64_t v) {
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p = (uint8_t)v;
}

/* Strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF). */
static int valid_utf8(const uint8_t *s, Py_ssize_t n) {
    Py_ssize_t i = 0;
    for (; i + 8 <= n; i += 8) { /* ASCII, 8 bytes at a time */
        uint64_t word;
        memcpy(&word, s + i, 8);
        if (word & 0x8080808080808080ULL) break;
    }
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        int extra;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) {
            extra = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            extra = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            extra = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (n - i <= extra) return 0;
        for (int k = 1; k <= extra; k++) {
            uint8_t cc = s[i + k];
            if ((cc & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if ((extra == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
            return 0;
        i += extra + 1;
    }
    return 1;
}

/* Label names [a-zA-Z_][a-zA-Z0-9_]*, metric names [a-zA-Z_:][a-zA-Z0-9_:]*: a bit per rule
 * and position (FIRST, REST; COLON adds ':' to both for metric names). */
enum { FIRST = 1, REST = 2, COLON = 4 };
static uint8_t name_chars[256];

static void init_name_chars(void) {
    for (int c = 0; c < 256; c++) {
        int letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        name_chars[c] = (uint8_t)((letter ? FIRST | REST : 0) | (c >= '0' && c <= '9' ? REST : 0) |
                                  (c == ':' ? COLON : 0));
    }
}

static int valid_name(const uint8_t *s, Py_ssize_t n, int colon) {
    uint8_t extra = colon ? COLON : 0;
    if (n == 0 || !(name_chars[s[0]] & (FIRST | extra))) return 0;
    for (Py_ssize_t i = 1; i < n; i++)
        if (!(name_chars[s[i]] & (REST | extra))) return 0;
    return 1;
}

/* Bytewise order, shorter first on a common prefix: Python's str order for ASCII names. */
static inline int compare(const uint8_t *a, Py_ssize_t an, const uint8_t *b, Py_ssize_t bn) {
    Py_ssize_t common = an < bn ? an : bn;
    for (Py_ssize_t i = 0; i < common; i++)
        if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
    return (an > bn) - (an < bn);
}

static inline int same(const uint8_t *a, const uint8_t *b, Py_ssize_t n) {
    for (Py_ssize_t i = 0; i < n; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

static int is_reserved(const Rules *r, const uint8_t *s, Py_ssize_t n) {
    for (int i = 0; i < r->n_reserved; i++)
        if (r->reserved[i].len == n && same(r->reserved[i].name, s, n)) return 1;
    return 0;
}

/* One Label message (canonical: name then value, each only if non-empty). */
static int parse_label(const uint8_t *p, const uint8_t *end, Bytes *name, Bytes *value) {
    name->len = value->len = 0;
    name->name = value->name = p;
    if (p < end && *p == 0x0A) {
        p++;
        if (!read_length(&p, end, &name->name, &name->len) || name->len == 0) return 0;
    }
    if (p < end && *p == 0x12) {
        p++;
        if (!read_length(&p, end, &value->name, &value->len) || value->len == 0) return 0;
    }
    return p == end;
}

/* One Sample message (canonical: value if its bits are not 0, timestamp if not 0). */
static int parse_sample(const uint8_t *p, const uint8_t *end, const Rules *r) {
    int64_t timestamp = 0;
    if (p < end && *p == 0x09) {
        uint64_t bits;
        if (end - p < 9) return 0;
        memcpy(&bits, p + 1, 8);
        if (bits == 0) return 0;
        p += 9;
    }
    if (p < end && *p == 0x10) {
        uint64_t v;
        p++;
        if (!read_varint(&p, end, &v) || v == 0) return 0;
        timestamp = (int64_t)v;
    }
    return p == end && timestamp >= r->low && timestamp <= r->high;
}

/* Copies the site's labels that sort before `name` (all that remain when name is NULL). */
static uint8_t *emit_site(const Rules *r, int *site, const uint8_t *name, Py_ssize_t len, uint8_t *w) {
    int from = *site;
    while (*site < r->n_site &&
           (!name || compare(name, len, r->site_names[*site].name, r->site_names[*site].len) > 0))
        (*site)++;
    Py_ssize_t n = r->site_offsets[*site] - r->site_offsets[from];
    memcpy(w, r->site + r->site_offsets[from], (size_t)n);
    return w + n;
}

/* Checks one TimeSeries and writes its new body at w: the kept labels merged with the site's (a
 * sender's label first on equal names, as bisect_right does), then the samples verbatim.
 * Returns the end of what it wrote, or NULL when the Python path must decide. */
static uint8_t *relabel_series(const uint8_t *s, const uint8_t *end, const Rules *r,
                               uint8_t *w, long long *samples) {
    const uint8_t *p = s, *prev = NULL, *field;
    Py_ssize_t prev_len = 0, len;
    long long names = 0;
    int have_metric = 0, site = 0;
    while (p < end && *p == 0x0A) {
        const uint8_t *tag = p++;
        Bytes name, value;
        if (!read_length(&p, end, &field, &len) || !parse_label(field, field + len, &name, &value))
            return NULL;
        if (!valid_utf8(value.name, value.len)) return NULL; /* the parser refuses it, dropped or not */
        if (is_reserved(r, name.name, name.len)) continue;
        if (name.len > r->max_name || value.len > r->max_value) return NULL;
        if (!valid_name(name.name, name.len, 0)) return NULL;
        if (prev && compare(prev, prev_len, name.name, name.len) >= 0) return NULL;
        if (name.len == 8 && same(name.name, (const uint8_t *)"__name__", 8)) {
            if (!valid_name(value.name, value.len, 1)) return NULL;
            have_metric = 1;
        }
        prev = name.name;
        prev_len = name.len;
        names++;
        w = emit_site(r, &site, name.name, name.len, w);
        memcpy(w, tag, (size_t)(p - tag));
        w += p - tag;
    }
    if (!have_metric || names + r->n_site > r->max_labels) return NULL;
    w = emit_site(r, &site, NULL, 0, w);
    const uint8_t *first_sample = p;
    while (p < end && *p == 0x12) {
        p++;
        if (!read_length(&p, end, &field, &len) || !parse_sample(field, field + len, r)) return NULL;
        (*samples)++;
    }
    if (p != end) return NULL;
    memcpy(w, first_sample, (size_t)(end - first_sample));
    return w + (end - first_sample);
}

/* Room for `more` bytes after `used` in *out, growing it (doubling) up to `limit`. */
static int reserve(PyObject **out, Py_ssize_t used, Py_ssize_t more, Py_ssize_t limit) {
    Py_ssize_t cap = PyBytes_GET_SIZE(*out);
    if (used + more <= cap) return 1;
    cap = cap * 2 > used + more ? cap * 2 : used + more;
    if (cap > limit) cap = limit;
    return used + more <= cap && _PyBytes_Resize(out, cap) == 0;
}

static PyObject *relabel_request(const uint8_t *raw, Py_ssize_t n, const Rules *r) {
    const uint8_t *p = raw, *end = raw + n, *series;
    Py_ssize_t len, used = 0;
    long long count = 0, samples = 0;
    /* Each series grows by at most the site's labels and its length's varint (<= 5 bytes). */
    Py_ssize_t grow = r->site_len + 6, limit = PY_SSIZE_T_MAX;
    if (r->max_series < (PY_SSIZE_T_MAX - n - 16) / grow)
        limit = n + (Py_ssize_t)r->max_series * grow + 16;
    Py_ssize_t cap = n + n / 4 + 64 < limit ? n + n / 4 + 64 : limit;
    PyObject *out = PyBytes_FromStringAndSize(NULL, cap);
    if (!out) return NULL;
    while (p < end) {
        if (*p++ != 0x0A || !read_length(&p, end, &series, &len) || ++count > r->max_series)
            goto fallback;
        Py_ssize_t most = len + r->site_len; /* the body's largest size: its length's size */
        int guess = varint_size((uint64_t)most);
        if (!reserve(&out, used, 1 + guess + most, limit)) goto fallback_or_error;
        uint8_t *head = (uint8_t *)PyBytes_AS_STRING(out) + used, *body = head + 1 + guess;
        uint8_t *w = relabel_series(series, series + len, r, body, &samples);
        if (!w) goto fallback;
        Py_ssize_t size = w - body;
        int actual = varint_size((uint64_t)size);
        if (actual < guess) memmove(head + 1 + actual, body, (size_t)size);
        head[0] = 0x0A;
        write_varint(head + 1, (uint64_t)size);
        used += 1 + actual + size;
    }
    if (samples > r->max_samples || _PyBytes_Resize(&out, used) != 0) goto fallback_or_error;
    return Py_BuildValue("(NLL)", out, count, samples);
fallback_or_error:
    if (!out) return NULL; /* _PyBytes_Resize failed: out of memory */
    if (PyErr_Occurred()) {
        Py_DECREF(out);
        return NULL;
    }
fallback:
    Py_DECREF(out);
    Py_RETURN_NONE;
}

/* The site labels, already encoded as TimeSeries.labels fields: split them by name. */
static int load_site(PyObject *site, Rules *r) {
    const uint8_t *p = (const uint8_t *)PyBytes_AS_STRING(site), *field;
    const uint8_t *end = p + PyBytes_GET_SIZE(site);
    Py_ssize_t len;
    r->site = p;
    r->site_len = end - p;
    r->n_site = 0;
    while (p < end) {
        Bytes value;
        if (r->n_site >= MAX_SITE_LABELS) return 0;
        r->site_offsets[r->n_site] = p - r->site;
        if (*p++ != 0x0A || !read_length(&p, end, &field, &len) ||
            !parse_label(field, field + len, &r->site_names[r->n_site], &value))
            return 0;
        if (r->n_site && compare(r->site_names[r->n_site - 1].name, r->site_names[r->n_site - 1].len,
                                 r->site_names[r->n_site].name, r->site_names[r->n_site].len) >= 0)
            return 0;
        r->n_site++;
    }
    r->site_offsets[r->n_site] = r->site_len;
    return 1;
}

static PyObject *relabel(PyObject *self, PyObject *args) {
    Py_buffer raw;
    PyObject *reserved, *site;
    Rules r;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*O!SLLLLLLL", &raw, &PyTuple_Type, &reserved, &site,
                          &r.max_series, &r.max_samples, &r.max_labels, &r.max_name, &r.max_value,
                          &r.low, &r.high))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t n = PyTuple_GET_SIZE(reserved);
    if (n > MAX_RESERVED || !load_site(site, &r)) {
        PyErr_SetString(PyExc_ValueError, "too many reserved or site labels, or site labels unsorted");
        goto done;
    }
    r.n_reserved = (int)n;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PyTuple_GET_ITEM(reserved, i);
        if (!PyBytes_Check(item)) {
            PyErr_SetString(PyExc_TypeError, "reserved names must be bytes");
            goto done;
        }
        r.reserved[i].name = (const uint8_t *)PyBytes_AS_STRING(item);
        r.reserved[i].len = PyBytes_GET_SIZE(item);
    }
    result = relabel_request((const uint8_t *)raw.buf, raw.len, &r);
done:
    PyBuffer_Release(&raw);
    return result;
}

static PyMethodDef methods[] = {
    {"relabel", relabel, METH_VARARGS,
     "relabel(raw, reserved, site, max_series, max_samples, max_labels, max_name, max_value, "
     "low_ms, high_ms) -> (body, series, samples) | None"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_fastpath", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__fastpath(void) {
    init_name_chars();
    return PyModule_Create(&module);
}
