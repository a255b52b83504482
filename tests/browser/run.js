#!/usr/bin/env node
// run.js — the browser tests: Hearth's pages in Debian's chromium (headless), driven by playwright-core.
//
//     node tests/browser/run.js --hearth build/hearth [--keep] [--shots DIR] [--chromium /usr/bin/chromium]
//
// Builds the demo council of tests/web/run.py (council.py: its work and hostile text), starts a real
// `hearth serve`, signs in as the demo users through the sign-in page (password and TOTP), and walks each
// role's journeys (journeys.js). Every page landed on is checked by lib.js's Tab: axe-core with the WCAG 2.2
// AA tags must find 0 violations, no JavaScript error may reach the console (a Content-Security-Policy
// refusal is one), no dialog may open (a script that ran from hostile text would open one), one h1 and a title
// naming the service; and a full-page screenshot of it is saved in the directory the run prints (kept; --shots
// names it). One journey
// is walked again with JavaScript switched off. Prints one line per check and `browser: N passed, N failed`;
// exit status 0 only when nothing failed. With HEARTH_TEST_BACKEND=postgres under script/with-postgres the
// council is a database of that cluster (council.py, tests/api/testdb.py) and the last line says browser_pg.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');
const lib = require('./lib');
const journeys = require('./journeys');
const casework = require('./casework');
const teamwork = require('./teamwork');
const background = require('./background');

// The clock of everything this run starts, as the Python suites set it (tests/api/run.py): never the machine's.
process.env.HEARTH_NOW = process.env.HEARTH_NOW || '2026-11-23T12:00:00Z';

function args() {
  const a = { keep: false, chromium: process.env.HEARTH_CHROMIUM || '/usr/bin/chromium' };
  const v = process.argv.slice(2);
  for (let i = 0; i < v.length; i++) {
    if (v[i] === '--hearth') a.hearth = v[++i];
    else if (v[i] === '--shots') a.shots = v[++i];
    else if (v[i] === '--chromium') a.chromium = v[++i];
    else if (v[i] === '--keep') a.keep = true;
    else if (v[i] === '--only') a.only = v[++i];
    else {
      console.error('usage: run.js --hearth PATH [--keep] [--shots DIR] [--chromium PATH] [--only JOURNEY]');
      process.exit(2);
    }
  }
  if (!a.hearth) {
    console.error('run.js: --hearth PATH is required');
    process.exit(2);
  }
  return a;
}

async function main() {
  const a = args();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-browser-'));
  const shots = a.shots ? path.resolve(a.shots) : fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-browser-shots-'));
  fs.mkdirSync(shots, { recursive: true });
  console.log('screenshots: ' + shots);
  let server = null, browser = null;
  try {
    const council = lib.buildCouncil(path.resolve(a.hearth), tmp);
    server = await lib.startServer(path.resolve(a.hearth), council.db);
    browser = await chromium.launch({ executablePath: a.chromium, headless: true });
    const ctx = { browser, base: 'http://127.0.0.1:' + server.port, shots, logins: council.logins, db: council.db };
    for (const j of journeys.all.concat(casework.all, teamwork.all, background.all)) {
      if (a.only && !j.name.includes(a.only)) continue;
      const t0 = Date.now();
      try {
        await j.run(ctx);
      } catch (e) {
        lib.check('journey ' + j.name + ' ran to its end', false, String(e && e.stack || e));
      }
      console.log('# ' + j.name + ': ' + ((Date.now() - t0) / 1000).toFixed(1) + ' s');
    }
  } catch (e) {
    lib.check('the browser tests started', false, String(e && e.stack || e));
  } finally {
    if (browser) await browser.close();
    if (server) {
      const how = await server.stop();
      lib.check('server stops cleanly', how === 0, how + '\n' + server.log.slice(-20).join('\n'));
    }
    if (a.keep) console.log('kept ' + tmp);
    console.log('screenshots: ' + shots);
  }
  const t = lib.tally();
  if (!a.keep) fs.rmSync(tmp, { recursive: true, force: true });
  const name = process.env.HEARTH_TEST_BACKEND === 'postgres' ? 'browser_pg' : 'browser';
  console.log(name + ': ' + t.passed + ' passed, ' + t.failed + ' failed');
  process.exit(t.failed ? 1 : 0);
}

main();
