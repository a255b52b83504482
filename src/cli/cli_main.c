/*
 * cli_main.c — the command table and main() of `hearth`.
 */
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "core/core_log.h"

static const cli_command commands[] = {
    {"init", "create a database and apply every migration",
     "usage: hearth init --db PATH [--signing-key FILE]\n"
     "\n"
     "Create the SQLite database at PATH (if absent) and apply every migration not yet applied, and the\n"
     "audit trail's keys when it has none: the hash key PATH.audit-key, the public key PATH.audit-pubkey and\n"
     "the Ed25519 signing key (mode 0600) at FILE, else $HEARTH_AUDIT_SIGNING_KEY, else\n"
     "PATH.audit-signing-key. In production keep the signing key apart from the database, owned by the\n"
     "service account, where the database's administrators cannot read or write (src/audit/README.md).\n"
     "Safe to run again: an up-to-date database is left as it is.\n",
     cli_init},
    {"migrate", "copy a council from SQLite to an empty PostgreSQL database",
     "usage: hearth migrate --from sqlite:PATH --to postgres://USER@HOST:PORT/DB [--audit-dir DIR]\n"
     "\n"
     "Copy the council in the SQLite database at PATH, with its audit trail PATH.audit, into the PostgreSQL\n"
     "database at the address given, which is first migrated to the current schema and must then be empty\n"
     "(no audit entry, no rows but the reference rows its migrations made; else exit 1 and nothing is copied).\n"
     "Every table is copied in dependency order with its ids, and the trail's entries in order, in one\n"
     "transaction: all or nothing. Progress per table goes to stderr. The trail's hash key, public key,\n"
     "checkpoints and signing key (unless $HEARTH_AUDIT_SIGNING_KEY names it) are copied into the audit\n"
     "directory as hearth.audit-key, hearth.audit-pubkey, ..., so the chain verifies with the same keys.\n"
     "Then the rows of every table are counted on both sides and printed as a table, and the target's trail\n"
     "is verified as `hearth audit verify` does. The source is only read; stop its servers first (while it is\n"
     "copied and counted its write lock is held, so a writer left running waits).\n"
     "  --audit-dir DIR   where the target's audit files go (default $HEARTH_AUDIT_DIR, which must be set\n"
     "                    otherwise); the server and `hearth audit verify` then need HEARTH_AUDIT_DIR=DIR\n"
     "Exit 0 when every count matches and the trail verifies; 1 when the target is not empty, the source\n"
     "cannot be read, the copy fails (nothing is kept), a count differs or the trail does not verify; 2 on\n"
     "usage errors.\n",
     cli_migrate},
    {"demo partners", "write synthetic partner datasets about a demo council's people",
     "usage: hearth demo partners --db PATH --out DIR [--truth FILE] [--seed S] [--as-of YYYY-MM-DD]\n"
     "\n"
     "Write four partner files about the people of the council at PATH, as partners would send them, with a\n"
     "mapping file for each (DIR/NAME.json): school_attendance.csv (attendance_pct, persistent_absence),\n"
     "police_incidents.csv (domestic_abuse, offending), dwp_benefits.csv (out_of_work_benefit) and\n"
     "housing.csv (homelessness_risk, rent_arrears). About 1 row in 10 has a recording error (surname typo,\n"
     "day and month swapped, missing postcode) and about 1 in 25 is a person the council does not know; a few\n"
     "families show needs under several headlines. Import them with `hearth import` and link them with\n"
     "`hearth link index` (script/server does both). Everything is synthetic; the database is only read.\n"
     "  --truth FILE   write ref,person_id for every row about a person of the council (to measure linkage)\n",
     cli_demo_partners},
    {"demo", "build a reproducible synthetic council",
     "usage: hearth demo --db PATH [--families N] [--seed S] [--logins FILE]\n"
     "\n"
     "Create PATH (which must not exist) holding a realistic synthetic council: agencies, teams, a user for\n"
     "every role, N families (default 1000) of every shape with contacts, episodes at every stage and notes.\n"
     "The same seed (default 1) always builds the same council. All data is synthetic: NHS numbers are in the\n"
     "999 test range, phone numbers in the drama range, email addresses at example.org.\n"
     "  --logins FILE   write the demo users as a JSON array: username, password, totp_secret, role, agency, team\n",
     cli_demo},
    {"serve", "serve the web API",
     "usage: hearth serve --db PATH [--address ADDR] [--port PORT] [--connections N] [--threads N]\n"
     "                    [--idle-timeout SECONDS] [--per-address-limit N] [--secure-cookies]\n"
     "                    [--signing-key FILE] [--policy FILE] [--assets DIR] [--lang en|cy]\n"
     "                    [--job-memory MB]\n"
     "\n"
     "Serve Hearth's JSON API on http://ADDR:PORT (default 127.0.0.1:8080) from the database at PATH,\n"
     "which is migrated first. PORT 0 picks a free port. The chosen address is printed as a log line\n"
     "(event server_started). Stops cleanly on SIGINT or SIGTERM.\n"
     "An event loop holds the connections; handler threads answer the requests.\n"
     "  --connections N        open connections at most (default 8192); the open-file limit is raised to\n"
     "                         fit them within the hard limit (event open_files), or N lowered to fit\n"
     "  --threads N            handler threads, each with a database handle (default 4 per core, 8..64)\n"
     "  --idle-timeout SECONDS close a connection that sends nothing for this long (default 30)\n"
     "  --per-address-limit N  open connections from one client address at most (default 0: no limit;\n"
     "                         behind a reverse proxy every client has the proxy's address, so limit\n"
     "                         per client at the proxy and leave this 0, or set it above the proxy's own)\n"
     "  --job-memory MB        memory limit of each background job's process (default: half the\n"
     "                         machine's memory; 0: none). A job past it fails; the server goes on\n"
     "--secure-cookies marks the browser session cookie Secure: use it when clients reach Hearth over HTTPS\n"
     "through a TLS-terminating proxy (Hearth itself serves plain HTTP).\n"
     "--signing-key FILE: the audit trail's signing key (as `hearth init`; default $HEARTH_AUDIT_SIGNING_KEY,\n"
     "else PATH.audit-signing-key). At start the server moves what a crash left in the audit outbox into the\n"
     "trail and signs entries a crash left unsigned.\n"
     "--policy FILE: the council's policy (policy/*.yaml; `hearth policy check`), whose privacy notice\n"
     "GET /privacy serves to anyone, signed in or not (?format=text, html or json). A policy that is not valid\n"
     "stops the server. Without --policy the server uses policy/durham.yaml from the working directory, else\n"
     "from the source tree it was built in (BUILD_DIR/../policy/); when neither exists it serves without one,\n"
     "logs a warning, and GET /privacy answers 404.\n"
     "--assets DIR: govuk-frontend's dist/govuk files for the web pages (default: node_modules in the working\n"
     "directory, else in the source tree).\n"
     "--lang en|cy: the language of the web pages (default en). cy writes them in Welsh where a string has been\n"
     "translated and in English where it has not yet (src/web/web_strings.c), with <html lang=\"cy\">.\n",
     cli_serve},
    {"user add", "add a user who can sign in",
     "usage: hearth user add --db PATH --username NAME --role ROLE [--name DISPLAY] [--team ID] [--agency ID]\n"
     "                       [--password-stdin] [--totp]\n"
     "\n"
     "ROLE is one of front_door, practitioner, team_manager, partner, governance, analyst, admin.\n"
     "The password is read from standard input with --password-stdin (first line); otherwise a random\n"
     "password is generated and printed once. Passwords are stored only as Argon2id hashes.\n"
     "--totp enrols a second factor: a new TOTP secret is printed once, and sign-in then needs its code;\n"
     "ten one-time recovery codes are printed with it (each signs in once in place of a code).\n"
     "The addition is recorded in the audit trail.\n",
     cli_user_add},
    {"user disable", "stop a user signing in and end their sessions",
     "usage: hearth user disable --db PATH --username NAME\n"
     "\n"
     "Disable the user: sign-in is refused and every session and API token of theirs is revoked at once.\n"
     "Nothing is deleted; `hearth user enable` lets them sign in again. Recorded in the audit trail.\n",
     cli_user_disable},
    {"user enable", "let a disabled user sign in again",
     "usage: hearth user enable --db PATH --username NAME\n"
     "\n"
     "Enable a disabled user. Sessions revoked when they were disabled stay revoked. Recorded in the audit\n"
     "trail.\n",
     cli_user_enable},
    {"user reset", "give a user a new password (and second factor)",
     "usage: hearth user reset --db PATH --username NAME [--password-stdin] [--totp]\n"
     "\n"
     "Set a new password: read from standard input with --password-stdin (first line), otherwise generated\n"
     "and printed once. --totp also enrols a new TOTP secret and a new set of recovery codes (printed once;\n"
     "the old secret and codes stop working); without it the enrolled second factor is kept. The account's\n"
     "failed sign-ins are cleared (lifting a lock-out) and all its sessions and API tokens are revoked.\n"
     "Recorded in the audit trail.\n",
     cli_user_reset},
    {"user role", "change a user's role (and team or agency)",
     "usage: hearth user role --db PATH --username NAME --role ROLE [--team ID] [--agency ID]\n"
     "\n"
     "ROLE is one of front_door, practitioner, team_manager, partner, governance, analyst, admin.\n"
     "--team and --agency change the user's team and agency too; without them they are kept. All the\n"
     "user's sessions and API tokens are revoked, so that nothing keeps acting in the old role.\n"
     "Recorded in the audit trail.\n",
     cli_user_role},
    {"user recovery-codes", "replace a user's one-time recovery codes",
     "usage: hearth user recovery-codes --db PATH --username NAME\n"
     "\n"
     "Make a new set of ten recovery codes for a user who has a second factor, print them once, and make\n"
     "the old set (used or not) stop working. A code signs in once in place of a TOTP code:\n"
     "POST /api/v1/session {\"username\", \"password\", \"recovery_code\"}. Only hashes are stored.\n"
     "Recorded in the audit trail.\n",
     cli_user_recovery_codes},
    {"token add", "make an API token for a partner system",
     "usage: hearth token add --db PATH --username NAME [--scopes P1,P2,...] [--days N]\n"
     "\n"
     "Make an API token that acts as the user (who must not be disabled) and print it once: it is sent as\n"
     "Authorization: Bearer <token>, and only its hash is stored. --scopes limits it to those route\n"
     "permissions (e.g. record.read,record.list; each must be a permission of some route); without it the\n"
     "token may do what the user's role may. It lasts --days N days (default 30, at most 365); it has no\n"
     "idle time-out. Ended early by `hearth token revoke`, or by disabling, resetting or changing the role of\n"
     "its user. Recorded in the audit trail.\n",
     cli_token_add},
    {"token list", "list sessions and API tokens (never the tokens themselves)",
     "usage: hearth token list --db PATH [--username NAME]\n"
     "\n"
     "Print every session and API token (sign-ins too), oldest first, one per line, tab-separated:\n"
     "id, user, kind (browser or api), scopes, created, expires, revoked (\"-\" when not). Tokens are never\n"
     "shown: only their hashes are stored.\n",
     cli_token_list},
    {"token revoke", "end a session or API token",
     "usage: hearth token revoke --db PATH --id ID\n"
     "\n"
     "Revoke the session or API token with that id (from `hearth token list`): it stops working at once.\n"
     "Revoking one already revoked is not an error. Recorded in the audit trail.\n",
     cli_token_revoke},
    {"import", "import a partner's CSV file into a dataset",
     "usage: hearth import --db PATH --dataset NAME --mapping MAPPING.json [--rejects FILE] [--section LABEL]\n"
     "                     [--agency ID] [--batch-rows N] FILE.csv\n"
     "\n"
     "Stream FILE.csv (UTF-8, with a header row; any size) through MAPPING.json — Hearth person fields to\n"
     "columns (id, given_name, family_name, full_name, date_of_birth with date_format, sex, postcode, address,\n"
     "town, email, nhs_number, nino, upn) and \"attributes\": {\"name\": \"column\", ...} for the dataset's own\n"
     "columns; the file the link commands read — into dataset NAME (created on first use). Every row is\n"
     "checked: field count, UTF-8, the date format, sex, postcode, NHS number, NINO and UPN check characters,\n"
     "lengths. Good rows are imported, keyed by the id column; each bad one is written to the rejects file as\n"
     "\"LINE: reason\" (default FILE.csv.rejects). Run it again and rows already held are updated when changed\n"
     "and left alone when not; a key repeated within the file is a reject. A file that cannot be imported\n"
     "(absent mapped column, header not UTF-8, ...) imports nothing. The import commits every 10,000 rows, so\n"
     "a running server's writes are not held up for its whole length: an error found later in the file (an\n"
     "unclosed quote, Ctrl-C) keeps the batches already committed, says so, and running the import again\n"
     "finishes it; a file of at most one batch is all or nothing. Recorded in the audit trail (dataset and\n"
     "counts; a partial import as partial).\n"
     "  --rejects FILE   where to write the rejected rows (replaced only when the import succeeds)\n"
     "  --section LABEL  sharing label of a new dataset (default partner_data; a code of reference list section)\n"
     "  --agency ID      the agency whose data a new dataset is\n"
     "  --batch-rows N   rows per transaction (default 10000)\n"
     "Exit 0 when imported (rejects or not), 1 when the import stopped (nothing, or only earlier batches,\n"
     "imported), 2 on usage errors.\n",
     cli_import},
    {"sar pack", "a person's subject-access pack, as a ZIP file",
     "usage: hearth sar pack --db PATH --person ID --out FILE.zip [--portable]\n"
     "\n"
     "Gather every record about person ID (their own records, their families' records, the contacts naming\n"
     "them, partners' rows linked to them, match decisions, their requests) into FILE.zip: a readable report\n"
     "(report.html, their chronology in plain sentences), records.json and one CSV per kind of record, the\n"
     "access report of who has seen the records, withheld.csv (other people's information left out, with the\n"
     "reason) and review.csv (free-text fields a person reads before the pack is released). See\n"
     "docs/requests.md. Recorded in the audit trail before anything is read. The file appears only when\n"
     "complete. Exit 0 when written, 1 when not (an unknown person, a database error), 2 on usage errors.\n"
     "  --portable   the portable copy instead (UK GDPR art. 20): what the person provided (their details, names,\n"
     "               addresses, contact details) as JSON and CSV, for another system\n",
     cli_sar_pack},
    {"check", "check an identifier: nhs, upn, nino or postcode",
     "usage: hearth check {nhs|upn|nino|postcode} VALUE\n"
     "\n"
     "Check VALUE by the rule for its kind (NHS number modulus 11; UPN check letter and LA code; NINO\n"
     "HMRC prefix rules; postcode shape). Spaces and lower case are accepted.\n"
     "Exit 0 and print the canonical form when valid; exit 1 and print the reason when not.\n",
     cli_check},
    {"policy check", "check a council's policy file",
     "usage: hearth policy check FILE\n"
     "\n"
     "Read the council's policy FILE (YAML: who the controller is, what is collected and on what lawful\n"
     "basis, recipients, retention classes and holds, rights, research shares; docs/policy.md describes every\n"
     "key) and check all of it: every key known (a misspelt key is an error, never ignored), every value of\n"
     "its kind, codes from their lists, periods longer than nothing, real dates, codes unique, the article 9\n"
     "and DPA 2018 Schedule 1 conditions paired. Exit 0 and print a one-line summary when the file is valid;\n"
     "exit 1 and print each problem as FILE:LINE: what is wrong (up to 20) on standard error when it is not.\n",
     cli_policy_check},
    {"notice", "write the privacy notice made from a policy file",
     "usage: hearth notice --policy FILE [--format text|html|json]\n"
     "\n"
     "Write the privacy notice of the council's policy FILE to standard output: who the controller is, what is\n"
     "collected and from whom, why and on what basis, who receives it, how long each kind of record is kept\n"
     "(from the retention classes themselves, so changing a period in the policy changes the notice), the\n"
     "holds, the research shares and how to opt out, the rights and how to use them, and how to complain.\n"
     "  --format F   text (default, wrapped at 78 columns), html (a page, every value escaped) or json (the\n"
     "               sections and the whole policy)\n"
     "Exit 1 with FILE:LINE errors when the policy is not valid (as `hearth policy check`).\n",
     cli_notice},
    {"link dedupe", "find records of one CSV file that are the same person",
     "usage: hearth link dedupe --mapping M.json --out PAIRS.csv [OPTIONS] FILE.csv\n"
     "\n"
     "Read FILE.csv through the mapping M.json (Hearth field -> CSV column: id, given_name, family_name,\n"
     "full_name, date_of_birth, date_format, sex, postcode, address, town, email, nhs_number, nino, upn),\n"
     "find candidate pairs with several blocking rules, compare them field by field, weigh the evidence\n"
     "(Fellegi-Sunter, m by EM, u from random pairs, no labels needed) and write PAIRS.csv:\n"
     "  left_id,right_id,match_weight,probability,decision      (decision: link, review or no)\n"
     "It only suggests: nothing is merged. Needs no database. When every possible pair fits the pair budget\n"
     "(--rule-pairs) every pair is compared, and it says so. A date of birth that is not a date is read as\n"
     "missing and counted; an id repeated in a file, or a file with no data rows, is an error.\n"
     "\n"
     "  --rejects FILE     write each refused row (file:line: reason) to FILE\n"
     "  --nicknames FILE   add nickname pairs from a lookup file (name1,relationship,name2 or name,nick,...)\n"
     "  --no-identifiers   do not compare or block on NHS number, NINO or UPN\n"
     "  --explain          add each comparison's contribution to the match weight as a column, and the\n"
     "                     blocking rules that offered the pair (blocking_rules)\n"
     "  --threads N        threads (default: the processors online)\n"
     "  --block-cap N      largest block compared (default 2000 records)\n"
     "  --rule-pairs N     the pair budget: most pairs one blocking rule may offer (past it its largest\n"
     "                     blocks are left out); every pair is compared when all fit it (default 4 per\n"
     "                     record read, at least 1000000)\n"
     "  --min-decision D   write only pairs decided D or better: no (all, the default), review or link\n",
     cli_link_dedupe},
    {"link pair", "find records of two CSV files that are the same person",
     "usage: hearth link pair --mapping M.json --out PAIRS.csv [OPTIONS] A.csv B.csv\n"
     "\n"
     "As `hearth link dedupe`, for pairs of one record from A.csv and one from B.csv (both read through\n"
     "the same mapping). left_id is A's id, right_id is B's. A is the index: a record of B is one person,\n"
     "so a link far weaker than the B record's best is put in review, unless A seems to hold people more\n"
     "than once (src/link/README.md, \"Decision\").\n",
     cli_link_pair},
    {"link synth", "write a synthetic person index, a partner dataset and the truth",
     "usage: hearth link synth --people N --index INDEX.csv --partner PARTNER.csv [--truth TRUTH.csv]\n"
     "                         [--seed S] [--overlap PERCENT]\n"
     "\n"
     "Write N synthetic people in households (UK-shaped names of the demo council's mix, dates of birth of\n"
     "all ages, addresses and postcodes, some NHS numbers and NINOs) to INDEX.csv, and N rows to PARTNER.csv\n"
     "of which PERCENT (default 70) are index people recorded again with realistic errors (typos,\n"
     "nicknames, day and month swapped, moves, missing fields, names changed) and the rest new people.\n"
     "TRUTH.csv gets index_id,partner_id for every re-recorded person. The same seed (default 1) gives the\n"
     "same files. Columns: id, given_name, family_name, sex, date_of_birth (dd/mm/yyyy), address_1,\n"
     "address_2, town, postcode, nhs_number, nino (bench/link-mappings/synth.json maps them).\n",
     cli_link_synth},
    {"job run", "run one background job (started by a server's job worker, not by hand)",
     "usage: hearth job run --db PATH --job ID\n"
     "\n"
     "Run job ID of the database at PATH: the process `hearth serve` starts for each job it claims\n"
     "(src/jobs/README.md). The job must be running under a worker, which gives this process a pipe on\n"
     "descriptor 3 for its progress and its last word (a result or an error) and a memory limit\n"
     "(hearth serve --job-memory). It never changes the job's row itself. Kinds: link_run (the matching\n"
     "engine, POST /api/v1/link-runs), retention_run (POST /api/v1/retention-plans/ID/run), sar_pack\n"
     "(POST /api/v1/requests/ID/pack), annex_a (POST /api/v1/returns/annex-a), research_extract\n"
     "(POST /api/v1/returns/research-extracts with \"job\": true) and partner_import (POST /api/v1/imports);\n"
     "the last four keep their file in the database (GET /api/v1/jobs/ID/output). Exit status 0 when it\n"
     "said its last word (the job's success or its error), 75 when it stopped on a cancel at a progress\n"
     "point, else 1.\n",
     cli_job_run},
    {"link index", "match a partner dataset, or the index itself, against the person index",
     "usage: hearth link index --db PATH [--dataset NAME] [--threads N] [--policy FILE]\n"
     "\n"
     "Run the matching engine (as `hearth link dedupe`) over the person index and dataset NAME, imported with\n"
     "`hearth import`; without --dataset, over the index against itself to find people recorded twice.\n"
     "Restricted and merged people never take part. The run learns from these records how often different\n"
     "people agree by chance and keeps that model (the front door's check then uses the newest trained on the\n"
     "index; src/pindex/README.md says why true matches' behaviour is the engine's generic one). What it\n"
     "suggests is kept for people to decide, with the evidence for each pair (GET /api/v1/match-reviews):\n"
     "  - a dataset row whose one clear candidate passes the upper threshold (a row is one person at most),\n"
     "    and that has no link yet, is linked to that person (undone by deciding the pair different) --\n"
     "    unless the council's policy says automated_decisions: false, when it waits for review like the rest;\n"
     "  - every other suggestion, and every pair of two people, waits for review: nothing is merged.\n"
     "A pair a person has decided is never asked again. One transaction; recorded in the audit trail with\n"
     "counts only.\n"
     "  --threads N   threads (default: the processors online)\n"
     "  --policy FILE the council's policy (default: policy/durham.yaml, as `hearth serve`)\n"
     "Exit 0 when the suggestions were kept, 1 when nothing was (the database is as it was), 2 on usage errors.\n",
     cli_link_index},
    {"identify indicators", "show or replace the indicators family identification uses",
     "usage: hearth identify indicators --db PATH [--load FILE.json]\n"
     "\n"
     "Print the indicators as JSON: {code, label, dataset, attribute, op, value, need, headline}. An\n"
     "indicator says that a row of partner dataset `dataset` whose attribute `attribute` passes the test\n"
     "evidences the family need `need` (a code of the outcome framework, e.g. EDU_ATTENDANCE). op: lt, le,\n"
     "gt, ge (numbers; a trailing % is allowed), eq, ne (text, any case), yes (yes, y, true or 1), present.\n"
     "With --load, first replace every indicator with the JSON array in FILE.json (all or nothing; recorded\n"
     "in the audit trail).\n",
     cli_identify_indicators},
    {"identify", "list families whose linked partner data shows needs under three or more headlines",
     "usage: hearth identify --db PATH [--min-headlines N]\n"
     "\n"
     "Print, as JSON, the families whose members' linked partner rows meet indicators (see `hearth identify\n"
     "indicators`) under at least N (default 3) Supporting Families headlines, most headlines first, each with\n"
     "every piece of evidence and the latest decision recorded on it. It only lists: nothing is opened and\n"
     "nobody is contacted. Recorded in the audit trail as a read.\n",
     cli_identify},
    {"retention plan", "say which records fall due under a policy, and what happens to each",
     "usage: hearth retention plan --db PATH --policy FILE [--as-of YYYY-MM-DD] [--format csv|json] [--out FILE]\n"
     "                             [--save]\n"
     "\n"
     "Work out the retention plan of the council's policy FILE (its retention classes and standing holds) over\n"
     "the database at PATH as of a date (default today): for every contact, episode and family some class\n"
     "covers, the first class in file order that matches it, the date its period runs from, the date it falls\n"
     "due, the hold in force on it (the policy's standing holds, then legal holds placed on records: `hearth\n"
     "retention hold`), and the action: keep (not due, or held), review (due, and the class says a person\n"
     "decides) or dispose (due; the class destroys or archives). docs/retention.md states every rule.\n"
     "Nothing is changed (unless --save): the plan only reads, and the database is not migrated.\n"
     "CSV (the default) has the header\n"
     "  record_class,record_table,record_id,person_id,family_id,trigger,trigger_date,due_date,action,hold\n"
     "and rows ordered by class (in policy order), then table, then record id; an empty date means none (an\n"
     "open case or a current programme). person_id is the child whose date of birth decided a date_of_birth\n"
     "trigger. A summary (rows, counts by action, held rows) goes to standard error.\n"
     "  --as-of DATE   the day the plan is for (YYYY-MM-DD; default today, UTC)\n"
     "  --format F     csv (default) or json (an array of objects with the same keys, plus disposal and label)\n"
     "  --out FILE     write the plan to FILE (only once it is complete) instead of standard output\n"
     "  --save         also keep the plan in the database as a draft for approval (retention_plan and its rows,\n"
     "                 in one transaction, recorded in the audit trail); prints its id and rows digest, the\n"
     "                 BLAKE2b-256 of the CSV (b2sum -l 256 plan.csv), which a second person in information\n"
     "                 governance sends to approve it: POST /api/v1/retention-plans/{id}/approval\n"
     "Exit 0 with the plan; 1 when the policy, database or output fails (nothing written); 2 on usage errors.\n",
     cli_retention_plan},
    {"extract national", "the national evaluation extract, encrypted to the recipient, with its disclosure log",
     "usage: hearth extract national --db PATH --period FROM..TO --recipient-key FILE --out FILE\n"
     "                               [--policy FILE] [--share CODE] [--la-code CODE]\n"
     "\n"
     "For every person of a family on the Supporting Families programme in the period (dates YYYY-MM-DD),\n"
     "write the policy's research share (default: its first) to FILE: the LA code, programme, family and\n"
     "person references, and exactly the fields the share lists (and the notice promises); for a share the\n"
     "policy marks pseudonymised, keyed pseudonyms instead of references (the key, PATH.research-key, or\n"
     "hearth.research-key in HEARTH_AUDIT_DIR for PostgreSQL, never\n"
     "leaves Hearth), birth month and postcode sector only, and one row per family when its fields are all\n"
     "the family's. People who objected and restricted people are left out and counted, never named. FILE is\n"
     "sealed to the recipient's public key (64 hex characters; libsodium's sealed box): Hearth keeps no\n"
     "readable copy. Each person sent is a row of the disclosure log (recipient, fields, basis, date, when\n"
     "it must be destroyed), shown in their access report and subject-access pack; recorded in the audit\n"
     "trail. See docs/extracts.md.\n",
     cli_extract_national},
    {"extract keypair", "make a recipient's key pair for extracts",
     "usage: hearth extract keypair --public FILE --secret FILE\n"
     "\n"
     "Write a new key pair as 64 hexadecimal characters each: the public key goes to the council (its\n"
     "--recipient-key), the secret key stays with the recipient (written readable by its owner only).\n",
     cli_extract_keypair},
    {"extract open", "open an extract with the recipient's secret key",
     "usage: hearth extract open --secret-key FILE --in FILE\n"
     "\n"
     "What the recipient does: write the extract FILE, decrypted with their secret key, to standard output.\n"
     "Exit 1 when the key does not open it.\n",
     cli_extract_open},
    {"return annex-a", "Ofsted's Annex A lists 1 (contacts) and 2 (early help) for a census date",
     "usage: hearth return annex-a --db PATH --as-of DATE --out FILE [--format xlsx|csv] [--list 1|2]\n"
     "\n"
     "Write Ofsted's Annex A for the census date DATE (YYYY-MM-DD): List 1, every child of every contact\n"
     "received in the six months before it; List 2, every child of every early help assessment started in\n"
     "those six months and of every early help episode still open on the census date. The sheets, column\n"
     "headers and their order, dates (DD/MM/YYYY) and coded values are the Annex A template's; the codes come\n"
     "from the reference lists annexa_gender, annexa_ethnicity_letter and annexa_contact_source, and a value\n"
     "without one is refused. People whose processing is restricted are left out and counted. Each child in\n"
     "the return is recorded in the audit trail before FILE is written (readable by its owner only). See\n"
     "docs/returns.md.\n"
     "  --format F   xlsx (default: one workbook, both lists) or csv (one list a file: give --list)\n"
     "  --list N     1 or 2: the list a CSV file holds\n"
     "Exit 0 with the return; 1 when a value has no Annex A code or the database or FILE fails (nothing\n"
     "written); 2 on usage errors.\n",
     cli_return_annex_a},
    {"return reach", "service reach and outcomes by quarter, with small counts suppressed",
     "usage: hearth return reach --db PATH --period FROM..TO [--round 5] [--format csv|json] [--out FILE]\n"
     "\n"
     "Count, for each calendar quarter of the period (dates YYYY-MM-DD), the families reached by area and by\n"
     "need, the children reached by age band, sex and ethnicity, early help episodes opened and closed (by\n"
     "outcome), contacts by days from contact to decision, and reviews held on time or late. Every count goes\n"
     "through statistical disclosure control: counts of 1 to 5 are suppressed ('c'), and further counts so\n"
     "that none can be worked out from the totals; --round 5 rounds what is published to the nearest 5.\n"
     "Restricted people are not counted. CSV (table,unit,period,category,value) or JSON to standard output\n"
     "or FILE. Recorded in the audit trail. See docs/returns.md.\n",
     cli_return_reach},
    {"claims check", "Supporting Families outcome claims: each closed programme episode against every condition",
     "usage: hearth claims check --db PATH [--as-of DATE] [--episode ID] [--claimable]\n"
     "\n"
     "Check every episode on the Supporting Families programme that closed by DATE (default today) against the\n"
     "outcome framework's claim conditions: a dependent child, at least three needs identified, a lead\n"
     "practitioner, a whole-family assessment, a plan covering every need, support delivered, every need's\n"
     "outcome met and sustained for its period after closure, and no claim made yet. Writes a JSON array to\n"
     "standard output: per episode each condition (met, and why) and the evidence per need, for a person to\n"
     "sign off. --claimable lists only those that meet every condition. Nothing is changed. docs/claims.md.\n",
     cli_claims_check},
    {"claims record", "record a claim a person has signed off (once per family)",
     "usage: hearth claims record --db PATH --episode ID --signed-off-by NAME [--as-of DATE]\n"
     "\n"
     "Re-check the episode and, when every condition holds, record the claim signed off by NAME with the\n"
     "evidence as it stands, and its audit event, in one transaction. A family is claimed once under a\n"
     "framework version: a second claim is refused. Prints the claim's id. Exit 1 when a condition fails (each\n"
     "named) or the family was claimed already.\n",
     cli_claims_record},
    {"policy ropa", "the record of processing activities (UK GDPR art. 30), from the policy",
     "usage: hearth policy ropa [--policy FILE] [--format csv|html]\n"
     "\n"
     "Write the council's record of processing activities to standard output, made from its policy file (default\n"
     "policy/durham.yaml, as `hearth serve`): one row per category of data with the controller and DPO and\n"
     "their contacts, the purposes, the data subjects, the category with its lawful basis and condition, the\n"
     "sources and channels, the recipients and other sharing, the research shares, transfers outside the UK,\n"
     "how long each kind of record is kept (as the notice says it) with the holds, and the security measures.\n"
     "CSV by default; --format html for a page. Change the policy and the record changes with the notice.\n",
     cli_policy_ropa},
    {"retention run", "carry out an approved retention plan: destroy or archive what is due",
     "usage: hearth retention run --db PATH --plan ID [--policy FILE] [--confirm]\n"
     "\n"
     "Carry out retention plan ID, saved with `hearth retention plan --save` and approved by governance, under\n"
     "the policy file it was made with (its digest is checked; default policy/durham.yaml as `hearth serve`).\n"
     "The plan is worked out again as of today first: a record held since the approval (a legal hold, an open\n"
     "data-subject request) or no longer due is spared. Every other row due for disposal is destroyed (its\n"
     "personal data removed everywhere, earlier versions included, a disposal record kept: GET\n"
     "/api/v1/disposals) or archived (left out of working lists), as its class says. Without --confirm it is a\n"
     "dry run that changes nothing and says what would happen. Each record is its own transaction: an\n"
     "interrupted run keeps what it did, and running it again goes on; when every row is done the plan is\n"
     "marked run. Each disposal is recorded in the audit trail. See docs/retention.md.\n"
     "Exit 0 when done (or the dry run finished), 1 when it stopped (a plan not approved, another policy file,\n"
     "a database error), 2 on usage errors.\n",
     cli_retention_run},
    {"retention hold add", "place a legal hold on a person, family, episode or contact",
     "usage: hearth retention hold add --db PATH --reason CODE --table TABLE --record ID [--from YYYY-MM-DD]\n"
     "                                 [--note TEXT]\n"
     "\n"
     "Place a legal hold (reason CODE of the reference list legal_hold_reason: IICSA-2015, LITIGATION, SAR-OPEN,\n"
     "FUTURE-INQUIRY, ...) on record ID of TABLE (person, family, episode or contact), in force from --from\n"
     "(default today). While it stands the retention plan keeps the record whatever its class says: a hold on a\n"
     "person covers every record about them (contacts naming them as a child, their families' episodes and\n"
     "family records); a hold on a family covers its episodes and contacts (docs/retention.md). Prints the\n"
     "hold's id. Recorded in the audit trail.\n",
     cli_retention_hold_add},
    {"retention hold end", "end a legal hold",
     "usage: hearth retention hold end --db PATH --id ID [--until YYYY-MM-DD]\n"
     "\n"
     "End legal hold ID: it is no longer in force from --until (default today) on. The hold is kept, so a plan\n"
     "as of an earlier date still sees it; the previous row is kept in row_history. Ending a hold already ended\n"
     "is an error. Recorded in the audit trail.\n",
     cli_retention_hold_end},
    {"retention hold list", "list legal holds",
     "usage: hearth retention hold list --db PATH [--all]\n"
     "\n"
     "Print the standing legal holds (with --all, ended ones too) by id, tab-separated with a header line:\n"
     "id, reason, scope_table, scope_id, from_date, until_date (\"-\" while it stands), note.\n"
     "The standing holds the policy declares (the IICSA moratorium) are in the policy file, not here.\n",
     cli_retention_hold_list},
    {"audit verify", "check the audit trail's hash chain, signed checkpoints and an anchor",
     "usage: hearth audit verify --db PATH --public-key FILE [--anchor FILE]\n"
     "\n"
     "Recompute the audit trail of the database at PATH from its first entry: every entry's keyed hash\n"
     "(hash key in PATH.audit-key), that entries are numbered 1, 2, 3, ... without gaps, every signed\n"
     "checkpoint in PATH.audit-checkpoints against the public key in FILE (keep a copy where the database's\n"
     "administrators cannot write; PATH.audit-pubkey is written when the trail starts), that each checkpoint\n"
     "matches the entry it names, and that no entries are missing after the last checkpoint. With --anchor,\n"
     "also that the checkpoint `hearth audit anchor` printed is still in the checkpoint file and that every\n"
     "entry up to it is present and unchanged: cutting the tail together with its checkpoints is caught.\n"
     "Never reads the signing key. Reads only; safe beside a running server.\n"
     "Exit 0 and print \"N entries verified, M checkpoints\" when the trail is intact; exit 1 naming the first\n"
     "bad entry (changed, removed, reordered, inserted or cut off), a bad checkpoint or a lost anchor when it\n"
     "is not, or when it cannot be checked; exit 2 on usage errors.\n",
     cli_audit_verify},
    {"audit anchor", "print the audit trail's latest signed checkpoint, to keep elsewhere",
     "usage: hearth audit anchor --db PATH\n"
     "\n"
     "Print the latest signed checkpoint of the audit trail of PATH as one line of JSON (format, seq, hash,\n"
     "signature, public_key). The data protection officer keeps it away from the server (and the database's\n"
     "administrators); `hearth audit verify --anchor FILE` later fails if the trail no longer holds it or\n"
     "anything up to it was cut. A server signs a checkpoint every minute and when it starts and stops.\n"
     "Exit 0, or 1 when there is no checkpoint yet.\n",
     cli_audit_anchor},
};

static const size_t ncommands = sizeof(commands) / sizeof(commands[0]);

static void usage_all(FILE *f)
{
    fprintf(f, "usage: hearth COMMAND [OPTIONS]\n\nHearth — Early Help case management and information governance.\n\n"
               "commands:\n");
    for (size_t i = 0; i < ncommands; i++)
        fprintf(f, "  %-20s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nRun `hearth COMMAND --help` for a command's options.\n");
}

const char *cli_db_only(int argc, char **argv, const char *command)
{
    const char *db = NULL;
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'}, {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c != 'd')
            return NULL;
        db = optarg;
    }
    if (!db || optind != argc) {
        fprintf(stderr, "hearth %s: --db PATH is required, and nothing else\n", command);
        return NULL;
    }
    return db;
}

int cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return 1;
    return 0;
}

void cli_print_error(const core_error *err)
{
    fprintf(stderr, "hearth: %s", err->message);
    if (err->detail[0])
        fprintf(stderr, ": %s", err->detail);
    fprintf(stderr, "\n");
    if (err->hint[0])
        fprintf(stderr, "hint: %s\n", err->hint);
}

int cli_db_open(cli_db *d, const char *path, core_error *err)
{
    memset(d, 0, sizeof(*d));
    int rc = store_open(&d->s, path, err);
    if (rc == 0)
        rc = store_migrate(d->s, err);
    if (rc == 0)
        rc = audit_open(&d->trail, path, NULL, err);
    if (rc) {
        if (d->s)
            store_close(d->s);
        d->s = NULL;
    }
    return rc;
}

int cli_db_record(cli_db *d, const char *action, const char *table, int64_t id, json_t *detail, core_error *err)
{
    json_t *j = detail ? detail : json_object();
    if (!j || json_object_set_new(j, "via", json_string("cli")) != 0) {
        json_decref(j);
        return core_error_set(err, CORE_E_INTERNAL, "out of memory");
    }
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (!text)
        return core_error_set(err, CORE_E_INTERNAL, "out of memory");
    audit_event ev = {0, NULL, action, table, id, text, NULL};
    int rc = audit_record(d->trail, &ev, AUDIT_DURABLE, err);
    free(text);
    if (rc)
        core_error_hint(err, "the change was made but is not in the audit trail: check the database and run "
                             "hearth audit verify");
    return rc;
}

int cli_db_close(cli_db *d, core_error *err)
{
    core_arena_release(&d->arena); /* statements first: they belong to the store */
    int rc = audit_close(d->trail, err);
    if (d->s)
        store_close(d->s);
    memset(d, 0, sizeof(*d));
    return rc;
}

int cli_main(int argc, char **argv)
{
    core_log_init_from_env();
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage_all(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    for (size_t i = 0; i < ncommands; i++) {
        const cli_command *c = &commands[i];
        /* A command's name is one or more words: each must be the next argument. */
        int words = 0, match = 1;
        for (const char *w = c->name; match && *w; words++) {
            const char *sp = strchr(w, ' ');
            size_t len = sp ? (size_t)(sp - w) : strlen(w);
            match = 1 + words < argc && strlen(argv[1 + words]) == len && strncmp(argv[1 + words], w, len) == 0;
            w += len + (sp ? 1 : 0);
        }
        if (!match)
            continue;
        int cargc = argc - words;
        char **cargv = argv + words;
        if (cli_wants_help(cargc, cargv)) {
            fputs(c->usage, stdout);
            return CLI_OK;
        }
        int rc = c->run(cargc, cargv);
        if (rc == CLI_USAGE)
            fputs(c->usage, stderr);
        return rc;
    }
    /* The first word of commands that take more ("hearth retention"): say which. */
    size_t len = strlen(argv[1]), found = 0;
    for (size_t i = 0; i < ncommands; i++) {
        const char *name = commands[i].name;
        if (strncmp(name, argv[1], len) == 0 && name[len] == ' ') {
            if (!found++)
                fprintf(stderr, "hearth %s: say which, one of:\n", argv[1]);
            fprintf(stderr, "  hearth %-26s %s\n", name, commands[i].summary);
        }
    }
    if (found)
        return CLI_USAGE;
    fprintf(stderr, "hearth: unknown command '%s'\n\n", argv[1]);
    usage_all(stderr);
    return CLI_USAGE;
}
