// casework.js — the rest of a family's way through Hearth in the browser, after the front door sent it to early
// help and the team manager allocated it (journeys.js): the lead practitioner assesses (an area of the
// whole-family assessment with its scale), completes the assessment, agrees a plan with a goal and an action,
// marks the action done, holds a review and asks to close; the team manager signs the closure off. Then
// information governance and the administrator open their pages. Every page is checked by lib.js's Tab (one
// h1, 0 axe violations, no JavaScript error, a screenshot). Dates are the suites' clock's (HEARTH_NOW), never
// the machine's.
'use strict';

const { execFileSync } = require('child_process');
const { check, signIn, signOut } = require('./lib');
const { tab } = require('./journeys');

const NOW = new Date(process.env.HEARTH_NOW || '2026-11-23T12:00:00Z');

// The clock's date plus days, as [day, month, year] strings.
function day(offset) {
  const d = new Date(NOW.getTime() + offset * 86400000);
  return [String(d.getUTCDate()), String(d.getUTCMonth() + 1), String(d.getUTCFullYear())];
}

// One value read from the council: with sqlite3's command line, or psql's for a postgres:// address.
function sql(db, query) {
  if (/^postgres(ql)?:\/\//.test(db))
    return execFileSync('psql', ['-X', '-qAt', '-v', 'ON_ERROR_STOP=1', db, '-c', query], { encoding: 'utf8' }).trim();
  return execFileSync('sqlite3', ['-readonly', db, query], { encoding: 'utf8' }).trim();
}

// Where db's audit trail is read: its own file beside SQLite's, the database itself on PostgreSQL.
function trail(db) {
  return /^postgres(ql)?:\/\//.test(db) ? db : db + '.audit';
}

// Fill a question page: dates as day offsets (NAME-day, -month, -year), radios by value or the first
// (value true), selects by value or the first real option (true), text as given.
async function fill(p, fields) {
  for (const [name, v] of Object.entries(fields)) {
    if (typeof v === 'number') {
      const [d, m, y] = day(v);
      await p.fill('#' + name + '-day', d);
      await p.fill('#' + name + '-month', m);
      await p.fill('#' + name + '-year', y);
    } else if (await p.$('input[type=radio][name="' + name + '"]')) {
      const sel = v === true ? 'input[type=radio][name="' + name + '"]' : 'input[type=radio][name="' + name + '"][value="' + v + '"]';
      await p.check(sel + ' >> nth=0');
    } else if (await p.$('select[name="' + name + '"]')) {
      const values = await p.$$eval('select[name="' + name + '"] option', (os) => os.map((o) => o.value).filter((x) => x));
      await p.selectOption('select[name="' + name + '"]', v === true ? values[0] : v);
    } else {
      await p.fill('[name="' + name + '"]', v);
    }
  }
}

// Open the form at path, fill it, send it, and check it was accepted (no error summary).
async function form(t, path, fields, name) {
  await t.go(path, name);
  await fill(t.page, fields);
  await t.click('main form[action="' + path + '"] button[type=submit] >> nth=0', name + ' sent');
  const errors = await t.page.$$eval('.govuk-error-summary__list a', (as) => as.map((a) => a.textContent.trim()));
  if (!errors.length && /^Check your answers/.test(await t.text('h1'))) {
    check('casework: ' + name + ': check your answers shows them', (await t.text('main')).length > 0);
    await t.click('main form button.govuk-button:not(.govuk-button--secondary) >> nth=0', name + ' confirmed');
  }
  check('casework: ' + name + ' is accepted', errors.length === 0, errors);
  return errors.length === 0;
}

async function casework(ctx) {
  const row = sql(ctx.db, "SELECT e.id || '|' || u.username FROM episode e JOIN family f ON f.id = e.family_id " +
    "JOIN app_user u ON u.id = e.lead_user_id WHERE f.name LIKE 'Quillfeather%' AND e.end_date IS NULL");
  const [episode, lead] = row.split('|');
  check('casework: the family the front door sent has an open episode with a lead', episode && lead, row);
  if (!episode) return;
  const e = '/episodes/' + episode;
  const t = await tab(ctx, 'casework');
  await signIn(t, ctx.logins, lead);
  const st = await t.go(e, 'the episode');
  check('casework: the lead opens the episode', st === 200, st);

  await form(t, e + '/add-assessment', { started_on: -2, organisation: 'Hearthshire Early Help' }, 'an assessment');
  const assessment = sql(ctx.db, 'SELECT max(id) FROM assessment WHERE episode_id = ' + episode);
  await form(t, '/assessments/' + assessment + '/add-area', {
    area: true, working_well: 'Mum walks the children to school most days.',
    worried_about: 'Attendance has fallen to 78% this term.',
    needs_to_happen: 'A morning routine, and the school told of any absence by 9am.', scale: '4',
  }, 'an area of the assessment');
  await form(t, '/assessments/' + assessment + '/complete',
    { completed_on: -1, summary: 'Attendance is the family\'s main need; the family agrees to a plan.' },
    'the assessment completed');

  await form(t, e + '/add-plan', { agreed_on: -1, ends_on: 180 }, 'a plan');
  const plan = sql(ctx.db, 'SELECT max(id) FROM plan WHERE episode_id = ' + episode);
  await form(t, '/plans/' + plan + '/add-goal', { description: 'Every child at school every day.', headline: true },
    'a goal');
  await form(t, '/plans/' + plan + '/add-action',
    { description: 'Set up a morning routine chart with the family.', owner_name: 'Lead practitioner', due_date: 14 },
    'an action');
  const action = sql(ctx.db, 'SELECT max(id) FROM plan_action WHERE plan_id = ' + plan);
  await form(t, '/actions/' + action + '/update', { status: 'done', done_on: 0 }, 'the action done');

  await form(t, e + '/add-review', { held_on: 0, outcome: true, next_review_due: 42,
    notes: 'Attendance up to 93% over the last three weeks.' }, 'a review');
  await form(t, e + '/ask-to-close', { closure_requested_on: 0, closure_request_reason: true,
    closure_request_note: 'Goals met; the family is happy to close.' }, 'asking to close');
  const chronology = await t.text('main');
  check('casework: the episode shows the closure asked for', /clos/i.test(chronology), chronology.slice(0, 300));
  await signOut(t);
  await t.close();

  // the team manager signs the closure off
  const m = await tab(ctx, 'closure sign-off');
  await signIn(m, ctx.logins, 'manager.n');
  await m.go('/closures', 'closures to sign off');
  const asked = await m.page.$('main a[href="' + e + '/close"]');
  check('casework: the closure asked for waits for the manager\'s sign-off', !!asked);
  if (asked) {
    await form(m, e + '/close', { end_date: 0, closure_reason: true }, 'the closure signed off');
    const ended = sql(ctx.db, 'SELECT count(*) FROM episode WHERE end_date IS NOT NULL AND id = ' + episode);
    check('casework: the episode is closed', ended === '1', ended);
  }
  await signOut(m);
  await m.close();
}

// Governance and the administrator: their pages open, and a break-glass access is reviewed.
async function governanceAdmin(ctx) {
  const g = await tab(ctx, 'governance');
  await signIn(g, ctx.logins, 'governance1');
  const st = await g.go('/governance', 'governance');
  check('governance: /governance opens', st === 200, st);
  const review = await g.page.$('main a[href^="/governance/reviews/"]');
  if (review) {
    const href = await review.getAttribute('href');
    await g.click('main a[href="' + href + '"]', 'a break-glass review');
    await g.click('main form button[type=submit]', 'a review with errors');
    const errs = await g.page.$$eval('.govuk-error-summary__list a', (as) => as.map((a) => a.getAttribute('href')));
    check('governance: a review without answers lists both errors', errs.join() === '#outcome,#note', errs);
    await g.page.check('input[name=outcome] >> nth=0');
    await g.page.fill('#note', 'Checked against the out-of-hours log: justified.');
    await g.click('main form button[type=submit]', 'the review recorded');
  }
  await g.go('/governance/access-report?person=1', 'an access report');
  await signOut(g);
  await g.close();
  const a = await tab(ctx, 'administrator');
  await signIn(a, ctx.logins, 'admin');
  await a.go('/admin', 'administration');
  await a.go('/admin/users/new', 'a new user');
  await a.click('main form button[type=submit]', 'a new user with errors');
  const errs = await a.page.$$eval('.govuk-error-summary__list a', (as) => as.map((x) => x.getAttribute('href')));
  check('administrator: an empty new user lists every error', errs.join() === '#username,#name,#role', errs);
  // a team: every error of the empty form, then added, its page showing the success banner
  await a.go('/admin/teams/new', 'a new team');
  await a.click('main form button[type=submit]', 'a new team with errors');
  const terrs = await a.page.$$eval('.govuk-error-summary__list a', (as) => as.map((x) => x.getAttribute('href')));
  check('administrator: an empty new team lists every error', terrs.join() === '#name,#agency_id,#kind', terrs);
  await fill(a.page, { name: 'Early Help Harbour', agency_id: true, kind: 'early_help' });
  await a.click('main form button[type=submit]', 'a new team added');
  check('administrator: the new team is added', /The team has been added/.test(await a.text('main')));
  await a.go('/admin/agencies/new', 'a new agency');
  await a.go('/admin/settings/break_glass_hours', 'a setting');
  await signOut(a);
  await a.close();
}

// The idle warning, with the page's clock under the test's hand: shown before the time-out, "stay signed in"
// keeps the session, and at the time-out the page goes to sign in.
async function idleWarning(ctx) {
  const t = await tab(ctx, 'idle warning');
  await t.page.clock.install();
  await signIn(t, ctx.logins, 'dpo');
  await t.go('/governance', 'a page left open');
  const banner = '#hearth-idle';
  const times = await t.page.$eval(banner, (b) => [Number(b.dataset.idleSeconds), Number(b.dataset.warnSeconds)]);
  check('idle warning: hidden at first', !(await t.page.isVisible(banner)));
  await t.page.clock.fastForward((times[0] - times[1] + 1) * 1000);
  check('idle warning: shown before the time-out, as an alert', (await t.page.isVisible(banner)) &&
    (await t.page.getAttribute(banner, 'role')) === 'alert');
  check('idle warning: ... with the focus on "stay signed in"',
    await t.page.evaluate(() => document.activeElement && document.activeElement.id === 'hearth-idle-stay'));
  await Promise.all([t.page.waitForResponse((r) => r.url().endsWith('/session/alive')), t.page.click('#hearth-idle-stay')]);
  await t.page.waitForFunction(() => document.getElementById('hearth-idle').hidden);
  check('idle warning: "stay signed in" hides it and keeps the session', !(await t.page.isVisible(banner)));
  await t.page.clock.fastForward((times[0] - times[1] - 10) * 1000);
  check('idle warning: the time-out starts again from the click', !(await t.page.isVisible(banner)));
  await Promise.all([t.page.waitForURL('**/sign-in'), t.page.clock.fastForward((times[1] + 20) * 1000)]);
  await t.landed('signed out when idle');
  check('idle warning: at the time-out the page goes to sign in', new URL(t.page.url()).pathname === '/sign-in');
  await t.close();
}

module.exports = {
  trail,
  form, fill, sql,
  all: [
    { name: 'casework to closure', run: casework },
    { name: 'governance and administration', run: governanceAdmin },
    { name: 'idle warning', run: idleWarning },
  ],
};
