// lib.js — what the browser journeys share: the council and the server, TOTP codes, checks, and a Tab that
// visits pages and checks every one it lands on (axe-core at WCAG 2.2 AA, JavaScript errors, one h1, the
// title, a screenshot). Node.js 18, playwright-core and axe-core only (tests/browser/README.md).
'use strict';

const { spawn, execFileSync } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const readline = require('readline');

const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// ---- checks -------------------------------------------------------------------------------------------------

const results = [];

function check(name, ok, why) {
  results.push(!!ok);
  let line = (ok ? 'ok ' : 'FAIL ') + name;
  if (!ok && why !== undefined) line += ': ' + (typeof why === 'string' ? why : JSON.stringify(why)).slice(0, 800);
  console.log(line);
  return !!ok;
}

function tally() {
  const passed = results.filter(Boolean).length;
  return { passed, failed: results.length - passed };
}

// ---- TOTP (RFC 6238: SHA-1, 30-second steps, 6 digits), as tests/api/run.py makes them ----------------------

const usedSteps = new Map();

function base32(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0;
  const out = [];
  for (const ch of s.replace(/=+$/, '').toUpperCase()) {
    const i = alphabet.indexOf(ch);
    if (i < 0) throw new Error('not base32: ' + ch);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

function totpAt(secret, step) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const h = crypto.createHmac('sha1', base32(secret)).update(msg).digest();
  const o = h[h.length - 1] & 0x0f;
  const n = (h.readUInt32BE(o) & 0x7fffffff) % 1000000;
  return String(n).padStart(6, '0');
}

// A code of a step not used by this process yet with at least 3 seconds left (the server refuses a code used
// twice); waits for the next step when it must.
async function freshTotp(secret) {
  for (;;) {
    const now = Date.now() / 1000;
    const step = Math.floor(now / 30);
    if (step > (usedSteps.get(secret) || 0) && (step + 1) * 30 - now >= 3) {
      usedSteps.set(secret, step);
      return totpAt(secret, step);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

// ---- the council and the server -------------------------------------------------------------------------------

function buildCouncil(hearth, dir) {
  execFileSync('python3', [path.join(__dirname, 'council.py'), '--hearth', hearth, '--dir', dir], { stdio: 'inherit' });
  // where council.py put it: a file in dir, or a PostgreSQL database whose trail files are in audit_dir (which
  // the server, started from this process, finds in HEARTH_AUDIT_DIR)
  const where = JSON.parse(fs.readFileSync(path.join(dir, 'council.json'), 'utf8'));
  if (where.audit_dir) process.env.HEARTH_AUDIT_DIR = where.audit_dir;
  return {
    db: where.db,
    logins: JSON.parse(fs.readFileSync(path.join(dir, 'logins.json'), 'utf8')),
  };
}

// `hearth serve` on a free port; resolves to {port, proc, log, stop()} once it answers /healthz.
function startServer(hearth, db) {
  return new Promise((resolve, reject) => {
    const proc = spawn(hearth, ['serve', '--db', db, '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const log = [];
    let port = null;
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error('the server did not start:\n' + log.join('\n')));
    }, 20000);
    readline.createInterface({ input: proc.stderr }).on('line', (line) => {
      log.push(line);
      try {
        const ev = JSON.parse(line);
        if (ev.event === 'server_started' && port === null) {
          port = Number(ev.port);
          clearTimeout(timer);
          resolve({
            port, proc, log,
            stop: () => new Promise((done) => {
              if (proc.exitCode !== null) return done(proc.exitCode);
              proc.once('exit', (code, sig) => done(sig ? sig : code));
              proc.kill('SIGTERM');
            }),
          });
        }
      } catch (e) { /* not a JSON line */ }
    });
    proc.once('exit', (code) => {
      if (port === null) {
        clearTimeout(timer);
        reject(new Error('the server exited with ' + code + ':\n' + log.join('\n')));
      }
    });
  });
}

// ---- a browser tab that checks every page it lands on ----------------------------------------------------------

class Tab {
  // browser: playwright Browser; opts: {base, shots, label, javaScript (default true)}
  static async open(browser, opts) {
    const js = opts.javaScript !== false;
    const context = await browser.newContext({ javaScriptEnabled: js, viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    const tab = new Tab(context, page, opts, js);
    page.on('console', (msg) => {
      // A page answered with an error status (a form with errors is 400, as tests/web/run.py expects) is logged
      // by chromium as a failed load of the document itself: that is the status, not a JavaScript error. A
      // failed script, stylesheet or font, or a refusal by the Content-Security-Policy, still counts.
      const doc = msg.location() && msg.location().url === page.url() &&
        /^Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text());
      if (msg.type() === 'error' && !doc) tab.errors.push(msg.text() + ' (' + (msg.location() || {}).url + ')');
    });
    page.on('pageerror', (e) => tab.errors.push(String(e)));
    page.on('dialog', async (d) => {
      tab.dialogs.push(d.message());
      await d.dismiss();
    });
    return tab;
  }

  constructor(context, page, opts, js) {
    this.context = context;
    this.page = page;
    this.opts = opts;
    this.js = js;
    this.errors = [];
    this.dialogs = [];
    this.pages = 0;
  }

  url(p) {
    return this.opts.base + p;
  }

  // Go to path and check the page; the response's status is returned.
  async go(p, name) {
    const r = await this.page.goto(this.url(p));
    await this.landed(name || p);
    return r ? r.status() : 0;
  }

  // Click what selector names (a link or a submit button), wait for the page it leads to, and check it.
  async click(selector, name) {
    await Promise.all([this.page.waitForNavigation(), this.page.click(selector)]);
    await this.landed(name);
  }

  // The checks every page gets, named "LABEL: NAME ...".
  async landed(name) {
    const page = this.page;
    await page.waitForLoadState('load');
    this.pages++;
    const label = this.opts.label + ': ' + name;
    const file = path.join(this.opts.shots, String(Tab.shot++).padStart(3, '0') + '-' +
      (this.opts.label + '-' + name).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') + '.png');
    await page.screenshot({ path: file, fullPage: true });
    const shape = await page.evaluate(() => ({
      h1: document.querySelectorAll('h1').length,
      title: document.title,
      main: !!document.getElementById('main-content'),
    }));
    check(label + ' has one h1, a main landmark and a title naming the service',
      shape.h1 === 1 && shape.main && / – Hearth( – |$)/.test(shape.title), shape);
    if (!this.js) {
      // With JavaScript switched off the page runs no timers, and axe-core waits on setTimeout: run its
      // callbacks as microtasks (the page's own scripts do not run, so nothing else sees the change).
      await page.evaluate(() => {
        window.setTimeout = (fn) => { Promise.resolve().then(fn); return 0; };
        window.clearTimeout = () => {};
      });
    }
    await page.evaluate(AXE_SOURCE);
    const violations = await page.evaluate(async (tags) => {
      const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 3) }));
    }, AXE_TAGS);
    check(label + ' has 0 axe violations at WCAG 2.2 AA', violations.length === 0, violations);
    check(label + ' has no JavaScript errors', this.errors.length === 0, this.errors);
    check(label + ' opened no dialog', this.dialogs.length === 0, this.dialogs);
    this.errors = [];
    this.dialogs = [];
  }

  async text(selector) {
    return (await this.page.textContent(selector)) || '';
  }

  async close() {
    await this.context.close();
  }
}
Tab.shot = 1;

// Sign in through the page as username, with the password and a fresh TOTP code.
async function signIn(tab, logins, username) {
  const u = logins.find((x) => x.username === username);
  if (!u) throw new Error('no demo login ' + username);
  await tab.go('/sign-in', 'sign-in page');
  await tab.page.fill('#username', username);
  await tab.page.fill('#password', u.password);
  await tab.page.fill('#code', await freshTotp(u.totp_secret));
  await tab.click('form[action="/sign-in"] button[type=submit]', 'worklist after signing in as ' + username);
  return new URL(tab.page.url()).pathname;
}

async function signOut(tab) {
  await tab.click('form[action="/sign-out"] button[type=submit]', 'signed out');
}

module.exports = { check, tally, buildCouncil, startServer, Tab, signIn, signOut, freshTotp, totpAt, AXE_TAGS };
