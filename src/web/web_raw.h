/*
 * web_raw.h — the one type that may carry HTML into a template unescaped.
 *
 * A web_raw holds HTML that Hearth rendered itself: the output of a template (web_render()), whose every
 * value was escaped on the way in. Templates take a web_raw only where they say {{raw name}}; every other
 * value is a const char * and is escaped. Make one only with web_render() (web.h) or, for text written in
 * the source (never from a request or the database), web_raw_const().
 */
#ifndef HEARTH_WEB_RAW_H
#define HEARTH_WEB_RAW_H

typedef struct web_raw {
    const char *html; /* NULL: nothing */
} web_raw;

/* A fragment of HTML written in Hearth's source: a string literal, never data. */
#define web_raw_const(lit) ((web_raw){"" lit ""})

#endif
