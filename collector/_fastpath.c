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

typedef struct {
    uint8_t *data;
    Py_ssize_t len, cap, limit;
} Out;

/* A varint at *p (< end), minimal and within 64 bits; 0 if not. */
static int read_varint(const uint8_t **p, const uint8_t *end, uint64_t *value) {
    uint64_t v = 0;
    const uint8_t *q = *p;
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
static int read_length(const uint8_t **p, const uint8_t *end, const uint8_t **start, Py_ssize_t *len) {
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

/* [a-zA-Z_][a-zA-Z0-9_]* ; with colon: the metric name rule [a-zA-Z_:][a-zA-Z0-9_:]* */
static int valid_name(const uint8_t *s, Py_ssize_t n, int colon) {
    if (n == 0) return 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                 (colon && c == ':') || (i > 0 && c >= '0' && c <= '9');
        if (!ok) return 0;
    }
    return 1;
}

/* Bytewise order, shorter first on a common prefix: Python's str order for ASCII names. */
static int compare(const uint8_t *a, Py_ssize_t an, const uint8_t *b, Py_ssize_t bn) {
    int c = memcmp(a, b, (size_t)(an < bn ? an : bn));
    if (c) return c;
    return (an > bn) - (an < bn);
}

static int is_reserved(const Rules *r, const uint8_t *s, Py_ssize_t n) {
    for (int i = 0; i < r->n_reserved; i++)
        if (r->reserved[i].len == n && memcmp(r->reserved[i].name, s, (size_t)n) == 0) return 1;
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

typedef struct {
    Py_ssize_t kept;       /* bytes of the labels kept */
    Py_ssize_t labels_end; /* offset where the samples start */
    long long samples;
} SeriesScan;

/* Checks one TimeSeries; 0 when the Python path must decide. */
static int scan_series(const uint8_t *s, const uint8_t *end, const Rules *r, SeriesScan *out) {
    const uint8_t *p = s, *prev = NULL, *field;
    Py_ssize_t prev_len = 0, len;
    long long names = 0;
    int have_metric = 0;
    out->kept = 0;
    out->samples = 0;
    while (p < end && *p == 0x0A) {
        const uint8_t *tag = p++;
        Bytes name, value;
        if (!read_length(&p, end, &field, &len) || !parse_label(field, field + len, &name, &value))
            return 0;
        if (!valid_utf8(value.name, value.len)) return 0; /* the parser refuses it, dropped or not */
        if (is_reserved(r, name.name, name.len)) continue;
        if (name.len > r->max_name || value.len > r->max_value) return 0;
        if (!valid_name(name.name, name.len, 0)) return 0;
        if (prev && compare(prev, prev_len, name.name, name.len) >= 0) return 0;
        if (name.len == 8 && memcmp(name.name, "__name__", 8) == 0) {
            if (!valid_name(value.name, value.len, 1)) return 0;
            have_metric = 1;
        }
        prev = name.name;
        prev_len = name.len;
        names++;
        out->kept += p - tag;
    }
    if (!have_metric || names + r->n_site > r->max_labels) return 0;
    out->labels_end = p - s;
    while (p < end && *p == 0x12) {
        p++;
        if (!read_length(&p, end, &field, &len) || !parse_sample(field, field + len, r)) return 0;
        out->samples++;
    }
    return p == end;
}

static int out_reserve(Out *o, Py_ssize_t more) {
    if (o->len + more <= o->cap) return 1;
    Py_ssize_t cap = o->cap * 2;
    if (cap < o->len + more) cap = o->len + more;
    if (cap > o->limit) cap = o->limit;
    if (o->len + more > cap) return 0;
    uint8_t *grown = PyMem_Realloc(o->data, (size_t)cap);
    if (!grown) return 0;
    o->data = grown;
    o->cap = cap;
    return 1;
}

/* Kept labels merged with the site's (a sender's label first on equal names, as bisect_right),
 * then the samples verbatim. */
static void emit_series(const uint8_t *s, const SeriesScan *scan, const Rules *r, uint8_t *w) {
    const uint8_t *p = s, *end = s + scan->labels_end, *field;
    Py_ssize_t len;
    int site = 0;
    while (p < end) {
        const uint8_t *tag = p++;
        Bytes name, value;
        read_length(&p, end, &field, &len);
        parse_label(field, field + len, &name, &value);
        if (is_reserved(r, name.name, name.len)) continue;
        while (site < r->n_site &&
               compare(name.name, name.len, r->site_names[site].name, r->site_names[site].len) > 0) {
            Py_ssize_t n = r->site_offsets[site + 1] - r->site_offsets[site];
            memcpy(w, r->site + r->site_offsets[site], (size_t)n);
            w += n;
            site++;
        }
        memcpy(w, tag, (size_t)(p - tag));
        w += p - tag;
    }
    memcpy(w, r->site + r->site_offsets[site], (size_t)(r->site_len - r->site_offsets[site]));
}

static PyObject *relabel_request(const uint8_t *raw, Py_ssize_t n, const Rules *r) {
    const uint8_t *p = raw, *end = raw + n, *series;
    Py_ssize_t len;
    long long count = 0, samples = 0;
    Out o = {NULL, 0, 0, 0};
    o.limit = n + (Py_ssize_t)r->max_series * (r->site_len + 10) + 16;
    o.cap = n + n / 4 + 64;
    if (o.cap > o.limit) o.cap = o.limit;
    o.data = PyMem_Malloc((size_t)o.cap);
    if (!o.data) return PyErr_NoMemory();
    while (p < end) {
        SeriesScan scan;
        if (*p++ != 0x0A || !read_length(&p, end, &series, &len) || ++count > r->max_series ||
            !scan_series(series, series + len, r, &scan))
            goto fallback;
        samples += scan.samples;
        Py_ssize_t body = scan.kept + r->site_len + (len - scan.labels_end);
        Py_ssize_t need = 1 + varint_size((uint64_t)body) + body;
        if (!out_reserve(&o, need)) goto fallback;
        uint8_t *w = o.data + o.len;
        *w++ = 0x0A;
        write_varint(w, (uint64_t)body);
        w += varint_size((uint64_t)body);
        emit_series(series, &scan, r, w);
        memcpy(w + scan.kept + r->site_len, series + scan.labels_end, (size_t)(len - scan.labels_end));
        o.len += need;
    }
    if (samples > r->max_samples) goto fallback;
    PyObject *body = PyBytes_FromStringAndSize((const char *)o.data, o.len);
    PyMem_Free(o.data);
    if (!body) return NULL;
    return Py_BuildValue("(NLL)", body, count, samples);
fallback:
    PyMem_Free(o.data);
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

PyMODINIT_FUNC PyInit__fastpath(void) { return PyModule_Create(&module); }
