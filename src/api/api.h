/*
 * api.h — the JSON API under /api/v1: the route table and its handlers.
 *
 * Every resource of model/ is served by four generic handlers (list and create on its collection, read and
 * change on its item); a few handlers are special (health, person search, reference lists, schemas).
 * The one route table is api_routes[] in api_routes.c: read it to see every endpoint, its permission and its
 * body limit.
 */
#ifndef HEARTH_API_H
#define HEARTH_API_H

#include "http/http.h"

extern const http_route api_routes[];
extern const size_t api_routes_count;

int api_resource_list(http_req *req);
int api_resource_create(http_req *req);
int api_resource_get(http_req *req);
int api_resource_update(http_req *req);
int api_person_search(http_req *req);
int api_healthz(http_req *req);
int api_reference_list(http_req *req);
int api_schema(http_req *req);
int api_session_create(http_req *req);
int api_session_delete(http_req *req);
int api_access_report(http_req *req);
int api_break_glass(http_req *req);
int api_duty(http_req *req);
int api_review_list(http_req *req);
int api_review_record(http_req *req);
int api_restriction(http_req *req);
int api_settings_list(http_req *req);
int api_person_matches(http_req *req);
/* The people who may be the same as the person just created (JSON object `created`): *out a JSON array of
 * {id, probability, suggestion} (new reference; empty when none), each audited as read through the index. */
int api_match_duplicates(http_req *req, json_t *created, json_t **out, core_error *err);
int api_setting_update(http_req *req);

#endif
