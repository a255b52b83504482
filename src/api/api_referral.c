/*
 * api_referral.c — the professionals' referral form: a partner agency's request for support, sent to the front
 * door.
 *
 *   POST /api/v1/referral-form   {child_given_name?, child_family_name?, child_date_of_birth?, postcode?,
 *                                 reason, family_agrees: "yes"|"no" (or true|false)}
 *                                (permission referral.submit: partners)
 *
 * The request becomes a contact in the front door's triage queue, as one the front door records from the
 * online referral form: received today, channel online_form, made by a professional (the partner's name and
 * agency), the DfE source code of the agency's type, and the reason with who the child is and whether the
 * family agrees, in the partner's words. No person record is made from it: the front door finds the child in
 * the index (or records them) when it triages the contact, as it does for a phone call, so a partner's typing
 * never adds a duplicate person. Sending it gives the partner no footing on the contact: they wrote it, they
 * do not read the front door's work on it. Every answer is checked before anything is written, every problem
 * reported (req->problems); the contact and its 'create' event commit together.
 */
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "access/access.h"
#include "api/api.h"
#include "core/core_clock.h"
#include "model/model.h"
#include "model/model_data.h"
#include "model/model_ident.h"

enum { NAME_MAX_LEN = 200, REASON_MAX_LEN = 20000 };

/* The DfE contact source code (Annex A, CIN census) of a partner agency's type; 8 (other) for the rest. */
static const struct {
    const char *agency_type, *source;
} SOURCES[] = {
    {"school", "2A"},        {"early_years", "8"},     {"health_visiting", "3B"}, {"school_nursing", "3C"},
    {"gp", "3A"},            {"hospital", "3E"},       {"mental_health", "3F"},   {"police", "6"},
    {"probation", "7"},      {"youth_justice", "7"},   {"housing", "4"},          {"voluntary", "8"},
    {"local_authority", "5B"}, {"early_help", "5D"},   {"adult_social_care", "5A"},
};

static void problem(model_ctx *ctx, const char *field, int code, const char *detail, const char *hint)
{
    core_error e;
    core_error_set(&e, code, "%s", detail);
    if (hint)
        core_error_hint(&e, "%s", hint);
    model_problem(ctx, field, &e);
}

/* A text answer: NULL when absent or blank; a problem when not text or too long. */
static const char *text(model_ctx *ctx, json_t *body, const char *field, size_t max, const char *what)
{
    json_t *v = json_object_get(body, field);
    if (!v || json_is_null(v))
        return NULL;
    const char *s = json_string_value(v);
    if (!s) {
        problem(ctx, field, CORE_E_WRONG_TYPE, core_arena_printf(ctx->arena, "%s must be text", what), NULL);
        return NULL;
    }
    size_t n = strlen(s);
    if (n > max)
        problem(ctx, field, CORE_E_INVALID_VALUE,
                core_arena_printf(ctx->arena, "%s must be %zu characters or fewer", what, max), NULL);
    while (*s == ' ')
        s++;
    return *s ? s : NULL;
}

/* 1 when s is a real calendar date YYYY-MM-DD. */
static int real_date(model_ctx *ctx, const char *s)
{
    time_t t;
    if (strlen(s) != 10 || core_clock_parse(core_arena_printf(ctx->arena, "%sT00:00:00Z", s), &t))
        return 0;
    struct tm tm;
    char back[11];
    gmtime_r(&t, &tm);
    strftime(back, sizeof(back), "%Y-%m-%d", &tm);
    return strcmp(back, s) == 0;
}

/* The answers as a contact's JSON body (a new reference), or NULL with every problem in ctx->problems. */
static json_t *contact_of(http_req *req, model_ctx *ctx, json_t *body, core_error *err)
{
    static const char *const KNOWN[] = {"child_given_name", "child_family_name", "child_date_of_birth", "postcode",
                                        "reason", "family_agrees"};
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        int known = 0;
        for (size_t i = 0; i < sizeof(KNOWN) / sizeof(KNOWN[0]); i++)
            known |= strcmp(key, KNOWN[i]) == 0;
        if (!known)
            problem(ctx, key, CORE_E_UNKNOWN_FIELD, core_arena_printf(ctx->arena, "unknown field %s", key),
                    "the form's fields are child_given_name, child_family_name, child_date_of_birth, postcode, "
                    "reason and family_agrees");
    }
    const char *given = text(ctx, body, "child_given_name", NAME_MAX_LEN, "the child's given name");
    const char *family = text(ctx, body, "child_family_name", NAME_MAX_LEN, "the child's family name");
    const char *dob = text(ctx, body, "child_date_of_birth", 10, "the child's date of birth");
    const char *postcode = text(ctx, body, "postcode", 16, "the postcode");
    const char *reason = text(ctx, body, "reason", REASON_MAX_LEN, "the reason");
    json_t *yes = json_object_get(body, "family_agrees"); /* "yes"/"no", or a form's yes/no as true/false */
    const char *agrees = json_is_boolean(yes) ? (json_is_true(yes) ? "yes" : "no")
                                              : text(ctx, body, "family_agrees", 16, "whether the family agrees");
    if (!given && !family)
        problem(ctx, "child_family_name", CORE_E_MISSING_FIELD, "give the child's name", NULL);
    char today[11];
    core_clock_today(today);
    if (dob && !real_date(ctx, dob))
        problem(ctx, "child_date_of_birth", CORE_E_INVALID_DATE, "the child's date of birth must be a real date",
                "for example 2019-03-27");
    else if (dob && strcmp(dob, today) > 0)
        problem(ctx, "child_date_of_birth", CORE_E_INVALID_DATE, "the child's date of birth cannot be in the future",
                "for an unborn child, say when the baby is due in the reason");
    char canon[MODEL_IDENT_MAX];
    const char *why = NULL;
    if (postcode && model_ident_check(MODEL_IDENT_POSTCODE, postcode, strlen(postcode), canon, &why) != 0)
        problem(ctx, "postcode", CORE_E_INVALID_IDENTIFIER, "the postcode is not a UK postcode", "for example M1 1AE");
    if (!reason)
        problem(ctx, "reason", CORE_E_MISSING_FIELD, "say why the family needs support", NULL);
    if (!agrees || (strcmp(agrees, "yes") != 0 && strcmp(agrees, "no") != 0))
        problem(ctx, "family_agrees", CORE_E_MISSING_FIELD, "say whether the family agrees to this request",
                "yes or no");
    if (ctx->problems)
        return NULL;
    /* the partner and their agency, from the directory */
    const char *name = NULL, *agency = NULL, *type = NULL;
    if (model_staff_name(ctx, req->who.user_id, &name, err))
        return NULL;
    if (req->who.agency_id && model_agency_name_type(ctx->db, ctx->arena, req->who.agency_id, &agency, &type, err))
        return NULL;
    const char *source = "8";
    for (size_t i = 0; type && i < sizeof(SOURCES) / sizeof(SOURCES[0]); i++)
        if (strcmp(type, SOURCES[i].agency_type) == 0)
            source = SOURCES[i].source;
    const char *about = core_arena_printf(
        ctx->arena, "Request for support from %s%s%s.\n\nAbout: %s%s%s%s%s%s%s.\nThe family %s to this request.\n\n%s",
        name ? name : "a partner agency", agency ? ", " : "", agency ? agency : "", given ? given : "",
        given && family ? " " : "", family ? family : "", dob ? ", born " : "", dob ? dob : "",
        postcode ? ", postcode " : "", postcode ? canon : "", strcmp(agrees, "yes") == 0 ? "agrees" : "does not agree",
        reason);
    json_t *c = json_pack("{s:s,s:s,s:s,s:s?,s:s,s:s}", "received_on", today, "channel", "online_form",
                          "contactor_type", "professional", "contactor_name", name, "source_code", source, "reason",
                          about);
    if (c && req->who.agency_id)
        json_object_set_new(c, "contactor_agency_id", json_integer(req->who.agency_id));
    return c;
}

int api_referral_form_send(http_req *req, json_t *body, int64_t *contact, core_error *err)
{
    *contact = 0;
    model_ctx ctx;
    model_ctx_init(&ctx, req->db, &req->arena, req->who.user_id);
    json_t *c = json_is_object(body) ? contact_of(req, &ctx, body, err) : NULL;
    if (!json_is_object(body))
        problem(&ctx, NULL, CORE_E_WRONG_TYPE, "the body must be a JSON object", NULL);
    if (!c) {
        req->problems = ctx.problems;
        if (err->code)
            return err->code;
        /* the first problem is the error, with its own code (as the model answers a refused body) */
        json_t *p = json_array_get(ctx.problems, 0);
        static const int codes[] = {CORE_E_UNKNOWN_FIELD, CORE_E_WRONG_TYPE, CORE_E_MISSING_FIELD,
                                    CORE_E_INVALID_IDENTIFIER, CORE_E_INVALID_DATE, CORE_E_INVALID_VALUE};
        const char *name = json_string_value(json_object_get(p, "code"));
        int code = CORE_E_INVALID_VALUE;
        for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
            if (name && strcmp(name, core_error_name(codes[i])) == 0)
                code = codes[i];
        core_error_set(err, code, "%s", json_string_value(json_object_get(p, "detail")));
        const char *hint = json_string_value(json_object_get(p, "hint"));
        if (hint && hint[0])
            core_error_hint(err, "%s", hint);
        return err->code;
    }
    json_t *out = NULL;
    int rc = store_begin(req->db, err);
    if (rc == 0) {
        rc = model_create(&ctx, model_resource_find("contacts"), 0, c, &out, err);
        req->problems = ctx.problems;
    }
    json_decref(c);
    if (rc == 0) {
        *contact = json_integer_value(json_object_get(out, "id"));
        rc = http_audit_write(req, "create", "contact", *contact, "{\"via\":\"referral_form\"}", err);
    }
    if (rc == 0)
        rc = store_commit(req->db, err);
    if (rc) {
        store_rollback(req->db);
        *contact = 0;
    }
    return rc;
}

int api_referral_form(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *body;
    int64_t id;
    if (http_body_json(req, &body, &err) || api_referral_form_send(req, body, &id, &err))
        return http_reply_error(req, &err);
    json_t *o = json_pack("{s:I,s:s}", "contact_id", (json_int_t)id, "state", "sent to the front door");
    int rc = http_reply_json(req, 201, o);
    json_decref(o);
    return rc;
}
