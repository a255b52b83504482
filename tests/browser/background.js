'use strict';
// background.js — background work in a real browser (src/web/web_jobs.c, web_jobs_start.c): the data protection
// officer prepares a subject-access pack from the governance register, follows the job's page until it is
// done (it refreshes itself) and downloads the pack; the analyst, with JavaScript off, opens the background
// work, the Annex A form (with its errors) and the partner file form. Every page is checked by lib.js's Tab
// (axe-core at WCAG 2.2 AA, no JavaScript errors, no dialog).
const fs = require('fs');
const { check, signIn, signOut } = require('./lib');
const { tab } = require('./journeys');
const { sql, trail } = require('./casework');

const TODAY = (process.env.HEARTH_NOW || '2026-11-23T12:00:00Z').slice(0, 10); // the test clock's date
const WAIT_MS = 120000; // how long a job may take before the check fails (a deadline, never a timing)

async function dpoPack(ctx) {
  const t = await tab(ctx, 'dpo pack');
  await signIn(t, ctx.logins, 'dpo');
  // a subject-access request, registered over the API as the register's own form would (the page's session)
  const person = Number(sql(ctx.db, 'SELECT min(person_id) FROM family_member'));
  await t.go('/governance', 'governance before the request');
  const made = await t.page.evaluate(async ([p, today]) => {
    const csrf = document.querySelector('input[name=csrf_token]').value;
    const r = await fetch('/api/v1/requests', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify({ kind: 'access', person_id: p, requester: 'self', requester_name: 'The person',
        received_on: today }),
    });
    return { status: r.status, body: await r.json() };
  }, [person, TODAY]);
  check('dpo pack: the access request is registered', made.status === 201, made);
  const rid = made.body.id;
  await t.go('/governance', 'governance with the request');
  const button = `form[action="/governance/requests/${rid}/pack"] button[type=submit]`;
  check('dpo pack: the register offers "Prepare the pack"', /Prepare the pack/.test(await t.text(button)));
  await t.click(button, 'the pack queued');
  const url = new URL(t.page.url()).pathname;
  check('dpo pack: preparing it goes to the job\'s page', /^\/jobs\/\d+$/.test(url), url);
  // hearth-jobs.js keeps the page's progress up to date in place until the job is done (no reload)
  await t.page.waitForSelector('#job-live[data-running="false"] a[href$="/output"]', { timeout: WAIT_MS });
  await t.landed('the pack ready');
  check('dpo pack: the job\'s page, kept up to date in place, says it is done',
    new URL(t.page.url()).pathname === url && /Done/.test(await t.text('main')) &&
    (await t.page.$('meta[http-equiv="refresh"]')) === null);
  const id = url.split('/')[2];
  const before = Number(sql(trail(ctx.db), `SELECT count(*) FROM audit_event WHERE action = 'download' ` +
    `AND target_table = 'job' AND target_id = ${id}`));
  const [dl] = await Promise.all([t.page.waitForEvent('download'), t.page.click('main a[href$="/output"]')]);
  const file = await dl.path();
  const bytes = fs.readFileSync(file);
  check('dpo pack: the download is the pack, a ZIP named for the request',
    dl.suggestedFilename() === `subject-access-request-${rid}.zip` && bytes.slice(0, 2).toString() === 'PK',
    dl.suggestedFilename());
  const after = Number(sql(trail(ctx.db), `SELECT count(*) FROM audit_event WHERE action = 'download' ` +
    `AND target_table = 'job' AND target_id = ${id}`));
  check('dpo pack: the download is on the audit trail', after === before + 1, [before, after]);
  await t.go('/jobs', 'background work');
  check('dpo pack: /jobs lists the pack', (await t.page.$(`main a[href="/jobs/${id}"]`)) !== null);
  await signOut(t);
  await t.close();
}

async function analystNoScript(ctx) {
  const t = await tab(ctx, 'analyst no script', false);
  await signIn(t, ctx.logins, 'sfcoordinator');
  await t.go('/jobs', 'background work');
  await t.go('/returns/annex-a', 'the Annex A form');
  await t.page.fill('#as_of-day', '31');
  await t.page.fill('#as_of-month', '2');
  await t.page.fill('#as_of-year', '2026');
  await t.click('main form button[type=submit]', 'the Annex A form with an error');
  const errs = await t.page.$$eval('.govuk-error-summary a', (as) => as.map((a) => a.getAttribute('href')));
  check('analyst: a date that is not a date is in the error summary', errs.join() === '#as_of-day', errs);
  await t.page.fill('#as_of-day', '');
  await t.page.fill('#as_of-month', '');
  await t.page.fill('#as_of-year', '');
  await t.click('main form button[type=submit]', 'the return queued');
  check('analyst: the return is queued and its page shown', /^\/jobs\/\d+$/.test(new URL(t.page.url()).pathname));
  await t.go('/imports/new', 'the partner file form');
  await t.click('main form button[type=submit]', 'the partner file form with errors');
  const ierrs = await t.page.$$eval('.govuk-error-summary a', (as) => as.map((a) => a.getAttribute('href')));
  check('analyst: an empty import names the dataset and both files', ierrs.join() === '#dataset,#mapping,#file',
    ierrs);
  await signOut(t);
  await t.close();
}

module.exports = {
  all: [
    { name: 'background work: the DPO\'s pack', run: dpoPack },
    { name: 'background work: the analyst without JavaScript', run: analystNoScript },
  ],
};
