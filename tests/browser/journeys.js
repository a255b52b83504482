// journeys.js — what each role does in the browser, as the demo users. Each journey opens its own tab (its own
// cookies), signs in through the sign-in page, and every page it lands on is checked by lib.js's Tab.
'use strict';

const { check, Tab, signIn, signOut } = require('./lib');

const EVIL = '<script>alert(1)</script>';
const EVIL_TEXT = '"\'& ' + EVIL;

async function tab(ctx, label, javaScript) {
  return Tab.open(ctx.browser, { base: ctx.base, shots: ctx.shots, label, javaScript });
}

// The sign-in page and its errors: every error in the summary, each beside its field.
async function signInErrors(ctx) {
  const t = await tab(ctx, 'sign-in');
  await t.go('/', 'signed out visitor sent to sign in');
  check('sign-in: a signed-out visitor is sent to /sign-in', new URL(t.page.url()).pathname === '/sign-in', t.page.url());
  await t.click('form[action="/sign-in"] button[type=submit]', 'empty form');
  const summary = await t.page.$$eval('.govuk-error-summary__list a', (as) => as.map((a) => a.getAttribute('href')));
  check('sign-in: an empty form lists every error in the summary', summary.join() === '#username,#password,#code', summary);
  const inline = await t.page.$$eval('.govuk-error-message', (ps) => ps.length);
  check('sign-in: ... and shows each beside its field', inline === 3, inline);
  if (t.js) {
    const focused = await t.page.evaluate(() => document.activeElement && document.activeElement.className);
    check('sign-in: govuk-frontend moves focus to the error summary', /govuk-error-summary/.test(focused || ''), focused);
  }
  await t.close();
}

// The practitioner: the caseload with the overdue review, the family page with hostile text shown as text.
async function practitioner(ctx) {
  const t = await tab(ctx, 'practitioner');
  const where = await signIn(t, ctx.logins, 'practitioner.n1');
  check('practitioner: signing in lands on the worklist', where === '/', where);
  const body = await t.text('main');
  check('practitioner: the caseload marks the overdue review', body.includes('Overdue'));
  check('practitioner: the hostile family name shows as text on the worklist', body.includes(EVIL_TEXT + ' household'));
  await t.click('a[href="/families/6"]', 'family page');
  const fam = await t.text('main');
  check('practitioner: the hostile family name, member and note show as text on the family page',
    fam.includes(EVIL_TEXT + ' household') && fam.includes(EVIL + ' O\'Brien "&"') && fam.includes(EVIL_TEXT), fam.slice(0, 300));
  const injected = await t.page.$$eval('main script', (s) => s.length);
  check('practitioner: no script element came from the record', injected === 0, injected);
  await signOut(t);
  check('practitioner: signing out ends at the sign-in page', new URL(t.page.url()).pathname === '/sign-in', t.page.url());
  const st = await t.go('/families/6', 'family page after signing out');
  check('practitioner: after signing out the family page sends to sign in', new URL(t.page.url()).pathname === '/sign-in', st);
  await t.close();
}

const pathOf = (t) => new URL(t.page.url()).pathname;

// The front door records a new family's contact (hostile text in the child's name and the reason), sees every
// error of the form, checks the answers, and sends the family to early help with its rationale.
async function frontDoorNew(ctx, who) {
  who = who || { label: 'front door', user: 'frontdoor1', family: 'Quillfeather', dob: ['3', '9', '2016'], js: true };
  const t = await tab(ctx, who.label, who.js);
  await signIn(t, ctx.logins, who.user);
  await t.click('a[href="/front-door"]', 'queue');
  const waiting = await t.page.$$eval('main tbody tr', (rs) => rs.length);
  check(who.label + ': the queue lists the undecided contacts with the time waiting',
    waiting >= 3 && (await t.text('main')).includes('days'), waiting);
  check(who.label + ': a hostile reason in the queue shows as text', (await t.text('main')).includes(EVIL_TEXT));
  await t.click('a[href="/front-door/new"]', 'record a contact');
  await t.click('form[action="/front-door/new"] button[type=submit]', 'record a contact with errors');
  const summary = await t.page.$$eval('.govuk-error-summary__list a', (as) => as.map((a) => a.getAttribute('href')));
  const inline = await t.page.$$eval('.govuk-error-message', (ps) => ps.length);
  check(who.label + ': an empty contact lists every error in the summary, each linked to its field',
    summary.join() === '#channel,#contactor_type,#source_code,#reason,#given_name,#family_name,#sex', summary);
  check(who.label + ': ... and shows each beside its field', inline === summary.length, inline);
  check(who.label + ': ... and the title starts with Error:', (await t.page.title()).startsWith('Error: '));
  const p = t.page;
  await p.check('#channel-2'); // the second channel: telephone
  const received = new Date(Date.parse(process.env.HEARTH_NOW) - 3 * 86400000); // three days before the clock
  await p.fill('#received-day', String(received.getUTCDate()));
  await p.fill('#received-month', String(received.getUTCMonth() + 1));
  await p.fill('#received-year', String(received.getUTCFullYear()));
  await p.check('#contactor_type');
  await p.fill('#contactor_name', 'Ms Hart, Brookfield Primary');
  await p.selectOption('#source_code', '2A');
  await p.fill('#reason', EVIL_TEXT + ' has missed school for two weeks');
  await p.fill('#given_name', EVIL);
  await p.fill('#family_name', who.family + ' "\'&');
  await p.fill('#dob-day', who.dob[0]);
  await p.fill('#dob-month', who.dob[1]);
  await p.fill('#dob-year', who.dob[2]);
  await p.check('#sex-2');
  if (who.js) { // the panel answers as the child is typed, within the contact its script has now recorded
    await p.waitForSelector('#fd-known-result:not([data-contact=""])', { timeout: 15000 });
    const panel = await t.text('#fd-known');
    check(who.label + ': "already known?" answers as the child is typed, within the contact, saying what it looked for',
      panel.includes('Nobody matches among the') && /^\d+$/.test(await p.inputValue('input[name=contact]')),
      panel.slice(0, 300));
  }
  await t.click('form[action="/front-door/new"] button[type=submit]', 'already known');
  check(who.label + ': the details lead to "already known?"', (await t.text('h1')).includes('already known'));
  const none = await p.isChecked('input[name=known][value=new]');
  check(who.label + ': with no one matching, a new family is chosen', none);
  await t.click('form[action="/front-door/check"] button.govuk-button:not(.govuk-button--secondary)', 'check answers');
  const answers = await t.text('.govuk-summary-list');
  check(who.label + ': check your answers shows the hostile name and reason as text',
    answers.includes(EVIL + ' ' + who.family + ' "\'&') && answers.includes(EVIL_TEXT + ' has missed'), answers.slice(0, 400));
  await t.click('form[action="/front-door/record"] button.govuk-button:not(.govuk-button--secondary)', 'contact recorded');
  check(who.label + ': recording the contact shows it with a success banner',
    /^\/front-door\/contacts\/\d+$/.test(pathOf(t)) && (await t.text('main')).includes('The contact is recorded'), t.page.url());
  const contact = pathOf(t);
  await t.click('form[action$="/decision"] button[type=submit]', 'decision with errors');
  const derr = await p.$$eval('.govuk-error-summary__list a', (as) => as.map((a) => a.getAttribute('href')));
  check(who.label + ': a decision without its answers lists every error', derr.join() === '#decision,#rationale', derr);
  await p.check('input[name=decision][value=early_help]');
  await t.click('form[action$="/decision"] button[type=submit]', 'early help without a team');
  const terr = await p.$$eval('.govuk-error-summary__list a', (as) => as.map((a) => a.getAttribute('href')));
  check(who.label + ': early help needs its team, and the rationale is still missing', terr.join() === '#team,#rationale', terr);
  await p.check('input[name=decision][value=early_help]');
  const north = await p.$$eval('#team option', (os) => os.filter((o) => o.textContent.includes('North')).map((o) => o.value));
  await p.selectOption('#team', north[0]);
  await p.fill('#rationale', 'Attendance has fallen and the school asks for help: early help, no safeguarding concern.');
  await t.click('form[action$="/decision"] button[type=submit]', 'sent to early help');
  const done = await t.text('main');
  check(who.label + ': the decision is recorded and the family sent to early help',
    done.includes('sent to the early help team') && done.includes('Early help') && done.includes('Early Help North'), done.slice(0, 500));
  await t.go('/front-door', 'queue after the decision');
  check(who.label + ': the decided contact has left the queue', !(await p.$('a[href="' + contact + '"]')));
  await signOut(t);
  await t.close();
  return contact;
}

// The same front door work without JavaScript, as a second front door user: a contact about a child already
// known (the hostile member of family 6), whose family has an open episode with its team shown.
async function frontDoorKnownNoJs(ctx) {
  const t = await tab(ctx, 'front door without JavaScript', false);
  await signIn(t, ctx.logins, 'frontdoor2');
  await t.go('/front-door/new', 'record a contact');
  const p = t.page;
  await p.check('#channel-3');
  await p.check('#contactor_type-2');
  await p.selectOption('#source_code', '1A');
  await p.fill('#reason', 'Grandmother worried about the children at home.');
  await p.fill('#given_name', EVIL);
  await p.fill('#family_name', 'O\'Brien "&"');
  await p.fill('#dob-day', '16');
  await p.fill('#dob-month', '4');
  await p.fill('#dob-year', '1999');
  await p.check('#sex-3');
  await t.click('form[action="/front-door/new"] button[type=submit]', 'already known');
  const known = await t.text('main');
  check('front door without JavaScript: the child already known is a candidate, named as text',
    known.includes(EVIL + ' O\'Brien "&"'), known.slice(0, 600));
  check('front door without JavaScript: ... with the family\'s open episode and the team holding it',
    known.includes('Open episode with Early Help North'), known.slice(0, 600));
  await t.click('form[action="/front-door/check"] button.govuk-button:not(.govuk-button--secondary)', 'no family chosen');
  check('front door without JavaScript: continuing without choosing is an error',
    (await p.$$eval('.govuk-error-summary__list a', (as) => as.map((a) => a.getAttribute('href')))).join() === '#known');
  await p.check('input[name=known][value^=p]');
  await t.click('form[action="/front-door/check"] button.govuk-button:not(.govuk-button--secondary)', 'check answers');
  await t.click('form[action="/front-door/record"] button[formaction="/front-door/change"]', 'change the answers');
  check('front door without JavaScript: "change" brings back the question page, filled in',
    (await p.inputValue('#family_name')) === 'O\'Brien "&"' && (await p.inputValue('#reason')).startsWith('Grandmother'));
  await t.click('form[action="/front-door/new"] button[type=submit]', 'already known again');
  await p.check('input[name=known][value^=p]');
  await t.click('form[action="/front-door/check"] button.govuk-button:not(.govuk-button--secondary)', 'check answers again');
  await t.click('form[action="/front-door/record"] button.govuk-button:not(.govuk-button--secondary)', 'contact recorded');
  const page = await t.text('main');
  check('front door without JavaScript: the contact page shows the family\'s open episode and its team',
    page.includes('Early Help North') && page.includes('already has an open episode'), page.slice(0, 600));
  await p.check('input[name=decision][value=early_help]');
  await p.fill('#rationale', 'Known family with an open episode: add to it.');
  await t.click('form[action$="/decision"] button[type=submit]', 'decided');
  check('front door without JavaScript: early help for a family with an open episode starts no second one',
    (await t.text('main')).includes('The decision is recorded.'));
  await signOut(t);
  await t.close();
}

// The team manager: unallocated work (the family the front door sent), allocation with its error, the
// caseload sorted by link and paged, reviews overdue.
async function teamManager(ctx) {
  const t = await tab(ctx, 'team manager');
  await signIn(t, ctx.logins, 'manager.n');
  const p = t.page;
  const un = await p.$$eval('#unallocated + table tbody tr', (rs) => rs.map((r) => r.textContent));
  const mine = un.findIndex((r) => r.includes('Quillfeather "\'& family'));
  check('team manager: the family the front door sent is unallocated work, its name as text', mine >= 0, un);
  check('team manager: reviews overdue across the team are listed', (await t.text('main')).includes('Reviews overdue'));
  const links = await p.$$eval('#unallocated + table a[href$="/allocate"]', (as) => as.map((a) => a.getAttribute('href')));
  await t.click('a[href="' + links[mine] + '"]', 'allocate');
  await t.click('form[action$="/allocate"] button[type=submit]', 'allocate without choosing');
  check('team manager: allocating without choosing is an error',
    (await p.$$eval('.govuk-error-summary__list a', (as) => as.map((a) => a.getAttribute('href')))).join() === '#lead');
  const who = await p.$$eval('input[name=lead]', (is) => is.map((i) => i.id));
  await p.check('#' + who[0]);
  await t.click('form[action$="/allocate"] button[type=submit]', 'allocated');
  const after = await p.$$eval('#unallocated + table tbody tr', (rs) => rs.map((r) => r.textContent));
  check('team manager: the allocated family leaves the unallocated work',
    (await t.text('main')).includes('The case is allocated.') && !after.some((r) => r.includes('Quillfeather')), after);
  await t.click('a[href^="/?sort=family&order=asc"]', 'caseload by family');
  const names = await p.$$eval('#team-caseload ~ table tbody tr td:first-child', (ts) => ts.map((x) => x.textContent.trim()));
  // the order of SQLite's NOCASE: ASCII letters folded, then by code point
  const fold = (x) => x.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const sorted = [...names].sort((a, b) => (fold(a) < fold(b) ? -1 : fold(a) > fold(b) ? 1 : 0));
  check('team manager: the caseload sorts by family name', names.length > 0 &&
    names.every((n, i) => fold(n) === fold(sorted[i])) &&
    (await p.getAttribute('th[aria-sort=ascending] a', 'href')).includes('order=desc'), names);
  await t.click('.govuk-pagination__next a', 'caseload page 2');
  check('team manager: the caseload has a second page', new URL(p.url()).searchParams.get('page') === '2' &&
    (await p.$$eval('#team-caseload ~ table tbody tr', (rs) => rs.length)) > 0);
  await signOut(t);
  await t.close();
}

// A practitioner cannot reach the front door's pages nor allocation.
async function practitionerRefused(ctx) {
  const t = await tab(ctx, 'practitioner refused');
  await signIn(t, ctx.logins, 'practitioner.n2');
  const st = await t.go('/front-door', 'front door refused');
  check('practitioner: the front door is refused (403)', st === 403, st);
  const st2 = await t.go('/team/episodes/1/allocate', 'allocation refused');
  check('practitioner: allocation is refused (403)', st2 === 403, st2);
  await t.close();
}

module.exports = {
  EVIL, EVIL_TEXT, tab,
  all: [
    { name: 'sign-in errors', run: signInErrors },
    { name: 'practitioner', run: practitioner },
    { name: 'front door', run: frontDoorNew },
    { name: 'front door without JavaScript', run: frontDoorKnownNoJs },
    // the first journey again with JavaScript off, as the third front door user
    { name: 'front door new family without JavaScript', run: (ctx) => frontDoorNew(ctx, {
      label: 'front door new family without JavaScript', user: 'frontdoor3', family: 'Marchbanks', dob: ['12', '1', '2019'], js: false }) },
    { name: 'team manager', run: teamManager },
    { name: 'practitioner refused', run: practitionerRefused },
  ],
};
