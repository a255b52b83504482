/*
 * fuzz_jobs_message.c — libFuzzer driver for the lines a job process sends its worker (jobs/jobs_message.c):
 * the worker reads them from a process that may have been corrupted (it ran out of memory, it crashed), so
 * it trusts nothing in them.
 *
 * Per input: the bytes as one line for jobs_message_parse. Asserted: it returns 0 or a negative code; on
 * success the type is one of the three and its fields are what the line said, bounded: a stage, ref and
 * error's texts NUL-terminated within their arrays, a result an object; progress counts never negative.
 * jobs_message_release always frees what was taken. Seeds: tests/fuzz/seeds/fuzz_jobs_message/.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "jobs/jobs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    jobs_message m;
    core_error err;
    core_error_clear(&err);
    int rc = jobs_message_parse((const char *)data, size, &m, &err);
    assert(rc <= 0);
    if (rc == 0) {
        assert(m.type == JOBS_MSG_PROGRESS || m.type == JOBS_MSG_RESULT || m.type == JOBS_MSG_ERROR);
        assert(memchr(m.stage, '\0', sizeof m.stage) && memchr(m.ref, '\0', sizeof m.ref));
        assert(memchr(m.error.code, '\0', sizeof m.error.code));
        assert(memchr(m.error.message, '\0', sizeof m.error.message));
        assert(memchr(m.error.detail, '\0', sizeof m.error.detail));
        assert(memchr(m.error.hint, '\0', sizeof m.error.hint));
        if (m.type == JOBS_MSG_RESULT)
            assert(json_is_object(m.result));
        else
            assert(m.result == NULL);
    } else {
        assert(err.code == rc);
    }
    jobs_message_release(&m);
    return 0;
}
