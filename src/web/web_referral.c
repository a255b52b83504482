/*
 * web_referral.c — the professionals' referral form, for partner agencies: a request for support sent to the
 * front door.
 *
 *   GET  /referrals/new    the question page: the child (name, date of birth, postcode), why the family needs
 *                          support, and whether the family agrees to the request
 *   POST /referrals/new    sent as POST /api/v1/referral-form sends it (api_referral_form_send: the same checks,
 *                          every problem beside its field, the contact and its audit event); then /referrals/sent
 *   GET  /referrals/sent   the confirmation
 *
 * The routes need referral.submit (partner agencies). The partner does not see the contact afterwards: the
 * front door triages it from its queue (docs/access.md: no footing from what you record yourself).
 */
#include "web/web_internal.h"
#include "web/web_qform.h"

#define NO_HINT WEB_S_LANG

static const web_qfield REFERRAL[] = {
    {"child_given_name", WEB_F_TEXT, WEB_S_REF_GIVEN, NO_HINT, NULL},
    {"child_family_name", WEB_F_TEXT, WEB_S_REF_FAMILY, NO_HINT, NULL},
    {"child_date_of_birth", WEB_F_DATE, WEB_S_REF_DOB, WEB_S_REF_DOB_HINT, NULL},
    {"postcode", WEB_F_TEXT, WEB_S_REF_POSTCODE, NO_HINT, NULL},
    {"reason", WEB_F_TEXTAREA, WEB_S_REF_REASON, WEB_S_REF_REASON_HINT, NULL},
    {"family_agrees", WEB_F_BOOL, WEB_S_REF_AGREES, WEB_S_REF_AGREES_HINT, NULL},
};
#define NFIELDS (sizeof(REFERRAL) / sizeof(REFERRAL[0]))

static int reply(http_req *req, web_qform *f)
{
    return web_qform_reply(req, f, web_str(WEB_S_REF_CAPTION), web_str(WEB_S_REF_HEADING), "/referrals/new",
                          web_str(WEB_S_REF_SEND), "/", web_paragraph(req, web_str(WEB_S_REF_INTRO)));
}

int web_referral_form(http_req *req)
{
    web_qform f;
    web_qform_init(req, &f, REFERRAL, NFIELDS);
    return reply(req, &f);
}

int web_referral_send(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    web_qform f;
    web_qform_init(req, &f, REFERRAL, NFIELDS);
    json_t *body = web_qform_body(req, &f);
    int64_t contact;
    if (api_referral_form_send(req, body, &contact, &err)) {
        if (!web_qform_refused(req, &f, &err)) return http_reply_error(req, &err);
        return reply(req, &f);
    }
    return http_reply_redirect(req, "/referrals/sent");
}

int web_referral_sent(http_req *req)
{
    core_buf *b = web_buf(req);
    web_tpl_referral_sent(b, &(web_tpl_referral_sent_args){.heading = web_str(WEB_S_REF_SENT),
                                                           .text = web_str(WEB_S_REF_SENT_TEXT),
                                                           .back = web_str(WEB_S_WORKLIST)});
    return web_reply_page(req, 200, web_str(WEB_S_REF_SENT), 0, web_render(b));
}
