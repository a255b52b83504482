// teamwork.js — the pages of issue 11's later work in the browser: a partner agency (with JavaScript off) reads
// the families shared with them, adds a contribution to the Team Around the Family and sends a request for
// support through the professionals' referral form; the lead practitioner edits a note they saved and reads
// its earlier version; the team manager records supervision of the case, reads the team's supervision records
// and opens the family identification decisions. Every page is checked by lib.js's Tab (one h1, 0 axe
// violations, no JavaScript error, a screenshot).
'use strict';

const { check, signIn, signOut } = require('./lib');
const { tab, EVIL_TEXT } = require('./journeys');
const { form, sql } = require('./casework');

// The open episode practitioner.n1 leads (tests/web/run.py's give_work: episode 1 of family 6).
function leadEpisode(ctx) {
  return sql(ctx.db, "SELECT e.id FROM episode e JOIN app_user u ON u.id = e.lead_user_id " +
    "WHERE u.username = 'practitioner.n1' AND e.end_date IS NULL ORDER BY e.id LIMIT 1");
}

async function partner(ctx) {
  const t = await tab(ctx, 'partner without JavaScript', false);
  await signIn(t, ctx.logins, 'partner.police');
  const family = await t.page.$('main a[href^="/families/"]');
  check('partner: the worklist lists the families shared with them', !!family);
  if (family) {
    const href = await family.getAttribute('href');
    await t.click('main a[href="' + href + '"] >> nth=0', 'a shared family');
  }
  const e = '/episodes/' + leadEpisode(ctx);
  await t.go(e, 'the shared episode');
  check('partner: no supervision and none of the case\'s structure on the episode',
    !(await t.page.$('#supervision')) && !(await t.page.$('main a[href$="/add-plan"]')));
  await form(t, e + '/add-note', { note_type: 'taf_contribution', occurred_at: -1, 'occurred_at-time': '10:00',
    body: 'Police: no call-outs this month. ' + EVIL_TEXT }, 'partner: a contribution to the TAF');
  await t.go('/', 'the worklist again');
  await t.click('main a[href="/referrals/new"]', 'the referral form');
  await t.click('main form button[type=submit]', 'an empty referral');
  const errs = await t.page.$$eval('.govuk-error-summary__list a', (as) => as.map((a) => a.getAttribute('href')));
  check('partner: an empty referral lists every error', errs.join() === '#child_family_name,#reason,#family_agrees-1',
    errs);
  await form(t, '/referrals/new', { child_given_name: 'Ezra', child_family_name: 'Pennyworth ' + EVIL_TEXT,
    child_date_of_birth: -3000, postcode: 'M1 1AE', reason: 'Attendance has fallen; mum asked for help.',
    family_agrees: 'yes' }, 'partner: a request for support');
  check('partner: the request is confirmed', /Request for support sent/.test(await t.text('h1')));
  await signOut(t);
  await t.close();
}

async function practitionerEdit(ctx) {
  const episode = leadEpisode(ctx);
  const e = '/episodes/' + episode;
  const t = await tab(ctx, 'practitioner edits');
  await signIn(t, ctx.logins, 'practitioner.n1');
  await form(t, e + '/add-note', { note_type: 'visit', occurred_at: -1, 'occurred_at-time': '09:30',
    body: 'Home visit: the first words.' }, 'practitioner: a note');
  const note = sql(ctx.db, 'SELECT max(id) FROM case_note WHERE episode_id = ' + episode);
  await form(t, '/notes/' + note + '/edit', { body: 'Home visit: the corrected words.' },
    'practitioner: the note edited');
  const shown = await t.text('main');
  check('practitioner: the note shows as edited', /corrected words/.test(shown) && /edited/.test(shown));
  await t.click('main a[href="/notes/' + note + '/history"]', 'the note\'s earlier versions');
  check('practitioner: the earlier text is kept', /the first words/.test(await t.text('main')));
  await signOut(t);
  await t.close();
}

async function managerSupervision(ctx) {
  const e = '/episodes/' + leadEpisode(ctx);
  const t = await tab(ctx, 'team manager supervision');
  await signIn(t, ctx.logins, 'manager.n');
  await t.go(e, 'the case');
  await t.click('main a[href="' + e + '/add-supervision"]', 'recording supervision');
  await form(t, e + '/add-supervision', { supervised_on: -1, discussion: 'Attendance and the morning routine.',
    decisions: 'Review the plan at the next TAF meeting.', next_supervision_on: 27 }, 'manager: supervision');
  check('manager: the supervision is on the case', /morning routine/.test(await t.text('#supervision ~ table')));
  await t.go('/', 'the team worklist');
  await t.click('main a[href="/team/supervision"]', 'the team\'s supervision records');
  await t.go('/', 'the team worklist again');
  await t.click('main a[href="/governance/identification"]', 'family identification decisions');
  check('manager: family identification decisions open', /Family identification decisions/.test(await t.text('h1')));
  await signOut(t);
  await t.close();
}

module.exports = {
  all: [
    { name: 'partner without JavaScript', run: partner },
    { name: 'practitioner edits', run: practitionerEdit },
    { name: 'team manager supervision', run: managerSupervision },
  ],
};
