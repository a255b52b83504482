/*
 * gov_sar_pdf.c — the subject-access pack's report as a PDF (report.pdf), written with libharu.
 *
 * The same content as report.html, in the same order: who it is about, the chronology, every record (field:
 * value), who has looked, and what was left out and why. Text is set in DejaVu Sans (Debian's
 * fonts-dejavu-core) embedded with UTF-8, so every name prints as written; without that font the PDF falls
 * back to Helvetica and characters outside Latin-1 print as '?'. Lines wrap at the margin; pages follow as
 * needed. libharu reports errors through a handler, which records the first one for the caller.
 */
#include "gov/gov.h"

#include <hpdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char FONT_REGULAR[] = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
static const char FONT_BOLD[] = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";

enum { PDF_MAX = 256 * 1024 * 1024 };

typedef struct pdf {
    HPDF_Doc doc;
    HPDF_Page page;
    HPDF_Font regular, bold;
    float y, width, height, margin;
    unsigned long error; /* the first libharu error, 0 while none */
    int latin1;          /* the fallback font: only Latin-1 prints */
} pdf;

static void on_error(HPDF_STATUS error_no, HPDF_STATUS detail_no, void *user)
{
    (void)detail_no;
    pdf *p = user;
    if (!p->error)
        p->error = error_no;
}

static void new_page(pdf *p)
{
    p->page = HPDF_AddPage(p->doc);
    HPDF_Page_SetSize(p->page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
    p->width = HPDF_Page_GetWidth(p->page);
    p->height = HPDF_Page_GetHeight(p->page);
    p->margin = 50;
    p->y = p->height - p->margin;
}

/* The fallback font speaks WinAnsi: keep ASCII and Latin-1, replace the rest with '?'. */
static char *latin1(const char *s)
{
    size_t n = strlen(s);
    char *out = core_xmalloc(n + 1), *o = out;
    const unsigned char *u = (const unsigned char *)s;
    while (*u) {
        if (*u < 0x80) {
            *o++ = (char)*u++;
        } else if ((*u == 0xC2 || *u == 0xC3) && (u[1] & 0xC0) == 0x80) {
            *o++ = (char)(((*u & 0x03) << 6) | (u[1] & 0x3F));
            u += 2;
        } else {
            *o++ = '?';
            u++;
            while ((*u & 0xC0) == 0x80)
                u++;
        }
    }
    *o = 0;
    return out;
}

/* Write text from x, wrapping at the right margin; a new page when the page is full. */
static void text(pdf *p, const char *s, float size, int bold, float x)
{
    if (p->error)
        return;
    char *own = p->latin1 ? latin1(s) : NULL;
    const char *t = own ? own : s;
    HPDF_Font f = bold ? p->bold : p->regular;
    float line = size * 1.35f, room = p->width - p->margin - x;
    size_t left = strlen(t);
    do {
        if (p->y - line < p->margin)
            new_page(p);
        HPDF_Page_SetFontAndSize(p->page, f, size);
        HPDF_UINT fit = HPDF_Page_MeasureText(p->page, t, room, HPDF_TRUE, NULL);
        if (fit == 0) /* one word wider than the line: break it */
            fit = HPDF_Page_MeasureText(p->page, t, room, HPDF_FALSE, NULL);
        if (fit == 0 || fit > left)
            fit = (HPDF_UINT)left;
        char *chunk = core_xmalloc(fit + 1);
        memcpy(chunk, t, fit);
        chunk[fit] = 0;
        p->y -= line;
        HPDF_Page_BeginText(p->page);
        HPDF_Page_TextOut(p->page, x, p->y, chunk);
        HPDF_Page_EndText(p->page);
        free(chunk);
        t += fit;
        left -= fit;
        while (*t == ' ') {
            t++;
            left--;
        }
    } while (left > 0 && !p->error);
    free(own);
}

static void gap(pdf *p, float points)
{
    p->y -= points;
}

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static void content(pdf *p, const gov_sar *sar, const char *generated_at)
{
    char line[512];
    json_t *person = json_array_get(json_object_get(json_array_get(sar->sections, 0), "rows"), 0);
    snprintf(line, sizeof line, "The information we hold about %s %s", str(person, "given_name"),
             str(person, "family_name"));
    text(p, line, 16, 1, p->margin);
    snprintf(line, sizeof line, "Prepared on %s in answer to a request for your information. It holds %llu records "
                                "about you; %zu pieces of information about other people were left out (listed at "
                                "the end, with the reason).",
             generated_at, (unsigned long long)sar->records, json_array_size(sar->redactions));
    gap(p, 6);
    text(p, line, 10, 0, p->margin);

    gap(p, 12);
    text(p, "What happened, in date order", 13, 1, p->margin);
    size_t i;
    json_t *e;
    json_array_foreach(sar->chronology, i, e)
    {
        snprintf(line, sizeof line, "%s   %s", str(e, "date"), str(e, "text"));
        text(p, line, 10, 0, p->margin);
    }

    json_t *sec;
    json_array_foreach(sar->sections, i, sec)
    {
        json_t *rows = json_object_get(sec, "rows");
        if (json_array_size(rows) == 0)
            continue;
        gap(p, 12);
        text(p, str(sec, "title"), 13, 1, p->margin);
        const char *table = str(sec, "record");
        size_t r;
        json_t *row;
        json_array_foreach(rows, r, row)
        {
            gap(p, 4);
            core_arena words = CORE_ARENA_INIT;
            const char *k;
            json_t *v;
            json_object_foreach(row, k, v)
            {
                const char *label = gov_sar_field_label(&words, k); /* NULL: bookkeeping */
                const char *t = label ? gov_sar_value_text(sar, &words, table, k, v) : "";
                if (t[0]) {
                    size_t n = strlen(label) + strlen(t) + 3;
                    char *kv = core_xmalloc(n);
                    snprintf(kv, n, "%s: %s", label, t);
                    text(p, kv, 9, 0, p->margin + 10);
                    free(kv);
                }
            }
            core_arena_release(&words);
        }
    }

    gap(p, 12);
    text(p, "Who has looked at these records", 13, 1, p->margin);
    json_array_foreach(sar->access, i, e)
    {
        json_t *by = json_object_get(e, "by");
        const char *name = str(by, "name");
        snprintf(line, sizeof line, "%s   %s (%s)   %s %s %lld", str(e, "at"), name[0] ? name : "the system",
                 str(by, "role"), str(e, "action"), str(e, "record"),
                 (long long)json_integer_value(json_object_get(e, "record_id")));
        text(p, line, 9, 0, p->margin);
    }
    gap(p, 12);
    text(p, "What was left out, and why", 13, 1, p->margin);
    json_array_foreach(sar->redactions, i, e)
    {
        const char *field = str(e, "field"), *reason = str(e, "reason");
        snprintf(line, sizeof line, "%s %lld, %s: %s", str(e, "record"),
                 (long long)json_integer_value(json_object_get(e, "record_id")),
                 strcmp(field, "*") == 0 ? "the whole record" : field,
                 strcmp(reason, "source_of_information") == 0
                     ? "it would identify someone who gave information (DPA 2018 sch. 2 part 3 para 16)"
                     : "about another person (DPA 2018 sch. 2 part 3 para 16)");
        text(p, line, 9, 0, p->margin);
    }
}

int gov_sar_pdf(const gov_sar *sar, const char *generated_at, char **out, size_t *out_len, core_error *err)
{
    *out = NULL;
    *out_len = 0;
    pdf p = {0};
    p.doc = HPDF_New(on_error, &p);
    if (!p.doc)
        return core_error_set(err, CORE_E_INTERNAL, "cannot start the PDF report");
    HPDF_SetCompressionMode(p.doc, HPDF_COMP_ALL);
    HPDF_UseUTFEncodings(p.doc);
    HPDF_SetCurrentEncoder(p.doc, "UTF-8");
    const char *regular = HPDF_LoadTTFontFromFile(p.doc, FONT_REGULAR, HPDF_TRUE);
    const char *bold = regular ? HPDF_LoadTTFontFromFile(p.doc, FONT_BOLD, HPDF_TRUE) : NULL;
    if (regular && bold) {
        p.regular = HPDF_GetFont(p.doc, regular, "UTF-8");
        p.bold = HPDF_GetFont(p.doc, bold, "UTF-8");
    } else { /* no DejaVu: the standard fonts, Latin-1 only */
        p.error = 0;
        HPDF_ResetError(p.doc);
        p.latin1 = 1;
        p.regular = HPDF_GetFont(p.doc, "Helvetica", "WinAnsiEncoding");
        p.bold = HPDF_GetFont(p.doc, "Helvetica-Bold", "WinAnsiEncoding");
    }
    new_page(&p);
    content(&p, sar, generated_at);
    if (!p.error)
        HPDF_SaveToStream(p.doc);
    HPDF_UINT32 size = p.error ? 0 : HPDF_GetStreamSize(p.doc);
    if (p.error || size == 0 || size > PDF_MAX) {
        HPDF_Free(p.doc);
        return core_error_set(err, CORE_E_INTERNAL, "cannot write the PDF report (libharu error 0x%04lx)",
                              p.error);
    }
    char *data = core_xmalloc(size);
    HPDF_UINT32 got = size;
    HPDF_ResetStream(p.doc);
    HPDF_ReadFromStream(p.doc, (HPDF_BYTE *)data, &got);
    HPDF_Free(p.doc);
    if (got != size) {
        free(data);
        return core_error_set(err, CORE_E_INTERNAL, "cannot read the PDF report back");
    }
    *out = data;
    *out_len = size;
    return 0;
}
