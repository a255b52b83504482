/*
 * cli_policy.c — `hearth policy check FILE` and `hearth notice --policy FILE [--format F]`.
 *
 * Both load the council's policy with every check (src/policy/): check says whether the file is valid and
 * prints each problem as FILE:LINE; notice writes the privacy notice made from it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "policy/policy.h"
#include "policy/policy_notice.h"

/* Load path, printing every error line and the summary error to stderr on failure. NULL on failure. */
static policy *load_or_report(const char *path)
{
    core_error err;
    core_error_clear(&err);
    core_buf lines;
    core_buf_init(&lines, 256 * 1024);
    policy *p = NULL;
    if (policy_load_ex(path, &p, &err, &lines) != 0) {
        fputs(lines.data, stderr);
        fprintf(stderr, "hearth: %s\n", err.message);
        if (err.hint[0]) fprintf(stderr, "hint: %s\n", err.hint);
    }
    core_buf_release(&lines);
    return p;
}

static const char DEFAULT_POLICY[] = "policy/durham.yaml";

char *cli_find_default(const char *relative)
{
    if (access(relative, R_OK) == 0)
        return strdup(relative);
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return NULL;
    *slash = '\0';
    char *path = NULL;
    if (asprintf(&path, "%s/../%s", exe, relative) < 0)
        return NULL;
    if (access(path, R_OK) != 0) {
        free(path);
        return NULL;
    }
    return path;
}

int cli_policy_open(const char *path, policy **out)
{
    *out = NULL;
    char *found = path ? NULL : cli_find_default(DEFAULT_POLICY);
    if (!path && !found)
        return CLI_OK;
    *out = load_or_report(path ? path : found);
    free(found);
    return *out ? CLI_OK : CLI_FAIL;
}

static size_t count(const json_t *doc, const char *key)
{
    return json_array_size(json_object_get(doc, key));
}

int cli_policy_check(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, "hearth policy check: expected one FILE\n");
        return CLI_USAGE;
    }
    policy *p = load_or_report(argv[1]);
    if (!p) return CLI_FAIL;
    const char *ctl = json_string_value(json_object_get(json_object_get(p->doc, "controller"), "name"));
    printf("%s: valid policy '%s' (%s): data categories %zu, retention classes %u, holds %u, research shares "
           "%zu, "
           "automated decisions %s, assessment %s\n",
           argv[1], p->profile, ctl, count(p->doc, "data_categories"), p->nclasses, p->nholds,
           count(p->doc, "research_shares"), p->automated_decisions ? "allowed" : "never",
           p->assessment_needs_agreement ? "only with recorded agreement" : "without a recorded agreement");
    policy_free(p);
    return CLI_OK;
}

int cli_notice(int argc, char **argv)
{
    const char *path = NULL;
    policy_notice_format f = POLICY_NOTICE_TEXT;
    static const struct option opts[] = {{"policy", required_argument, NULL, 'p'},
                                         {"format", required_argument, NULL, 'f'},
                                         {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            path = optarg;
            break;
        case 'f':
            if (policy_notice_format_parse(optarg, &f)) {
                fprintf(stderr, "hearth notice: --format must be text, html or json\n");
                return CLI_USAGE;
            }
            break;
        default:
            return CLI_USAGE;
        }
    }
    if (!path || optind != argc) {
        fprintf(stderr, "hearth notice: --policy FILE is required\n");
        return CLI_USAGE;
    }
    policy *p = load_or_report(path);
    if (!p) return CLI_FAIL;
    core_error err;
    core_error_clear(&err);
    core_buf out;
    core_buf_init(&out, CORE_BUF_DEFAULT_MAX);
    int rc = policy_notice_render(p, f, &out, &err);
    if (rc == 0 && fwrite(out.data, 1, out.len, stdout) != out.len)
        rc = core_error_set(&err, CORE_E_IO, "standard output could not be written");
    core_buf_release(&out);
    policy_free(p);
    if (rc) {
        cli_print_error(&err);
        return CLI_FAIL;
    }
    return CLI_OK;
}

int cli_policy_ropa(int argc, char **argv)
{
    const char *path = NULL;
    int html = 0;
    static const struct option opts[] = {{"policy", required_argument, NULL, 'p'},
                                         {"format", required_argument, NULL, 'f'},
                                         {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'p') {
            path = optarg;
        } else if (c == 'f' && (strcmp(optarg, "csv") == 0 || strcmp(optarg, "html") == 0)) {
            html = strcmp(optarg, "html") == 0;
        } else {
            fprintf(stderr, "hearth policy ropa: --format is csv or html\n");
            return CLI_USAGE;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "hearth policy ropa: takes --policy FILE and --format csv|html only\n");
        return CLI_USAGE;
    }
    policy *p = NULL;
    if (cli_policy_open(path, &p) != CLI_OK)
        return CLI_FAIL;
    core_error err;
    core_error_clear(&err);
    if (!p) {
        core_error_set(&err, CORE_E_USAGE, "no policy file");
        core_error_hint(&err, "give it with --policy FILE");
        cli_print_error(&err);
        return CLI_FAIL;
    }
    core_buf out;
    core_buf_init(&out, CORE_BUF_DEFAULT_MAX);
    int rc = policy_ropa_render(p, html, &out, &err);
    if (rc == 0 && fwrite(out.data, 1, out.len, stdout) != out.len)
        rc = core_error_set(&err, CORE_E_IO, "standard output could not be written");
    core_buf_release(&out);
    policy_free(p);
    if (rc) {
        cli_print_error(&err);
        return CLI_FAIL;
    }
    return CLI_OK;
}
