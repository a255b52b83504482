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

module.exports = {
  EVIL, EVIL_TEXT, tab,
  all: [
    { name: 'sign-in errors', run: signInErrors },
    { name: 'practitioner', run: practitioner },
  ],
};
