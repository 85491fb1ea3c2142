#!/usr/bin/env node
// Page load of a running CIMA console, measured in Debian's chromium (what `cargo xtask
// bench-console` runs; a measurement, never a check):
//
//   node bench-page.mjs --url http://127.0.0.1:PORT/ --user NAME --password PW
//     [--reloads 5] [--cold-wait-ms 0]
//
// Signs in once through the hosted UI and times the page it lands on, then waits --cold-wait-ms
// (the bench passes the API's cache TTL, so the first reload finds nothing cached) and reloads
// --reloads times. Each load is timed until every KPI tile (`#tiles [data-tile] .tile-value`)
// shows a number: `wall_ms` from page.reload() (the hosted UI's redirect and the code exchange
// included), `nav_ms` the page's own performance.now() at that moment, i.e. since the final
// navigation (back from the hosted UI) started.
//
// Prints one JSON document on stdout; exits 1 when a load did not finish.

import { launch } from './lib/chromium.mjs';
import { signIn } from './lib/console-checks.mjs';
import { parseArgs } from './lib/report.mjs';

/** A load that does not draw its tiles in this long failed. */
const LOAD_MS = 120000;

/**
 * Waits until every tile shows a number; answers performance.now() of that moment. The page
 * navigates (to the hosted UI and back) while this waits: a wait cut by a navigation is retried
 * in the new document.
 */
async function tilesDrawn(page, deadline) {
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`the tiles showed no numbers within ${LOAD_MS} ms`);
    try {
      const handle = await page.waitForFunction(() => {
        const values = Array.from(document.querySelectorAll('#tiles [data-tile] .tile-value'));
        const drawn = values.length >= 7 && values.every((v) => /^[\d,]+$/.test(v.textContent.trim()));
        return drawn ? performance.now() : false;
      }, null, { timeout: left, polling: 'raf' });
      return await handle.jsonValue();
    } catch (err) {
      if (!/context was destroyed|navigat/i.test(String(err && err.message))) throw err;
    }
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2), ['url', 'user', 'password', 'reloads', 'cold-wait-ms']);
  for (const required of ['url', 'user', 'password']) {
    if (!args[required]) throw new Error(`--${required} is required`);
  }
  const reloads = Number(args.reloads ?? 5);
  const coldWait = Number(args['cold-wait-ms'] ?? 0);
  if (!Number.isInteger(reloads) || reloads < 1) throw new Error('--reloads must be a whole number ≥ 1');
  const browser = await launch();
  const out = { chromium: null, sign_in: null, loads: [] };
  try {
    out.chromium = browser.context.browser()?.version() ?? null;
    const page = await browser.context.newPage();
    const started = Date.now();
    await signIn(page, { url: args.url, user: args.user, password: args.password, out: null });
    const nav = await tilesDrawn(page, Date.now() + LOAD_MS);
    // From the first goto (the hosted UI's form filled and sent in between): an upper bound only.
    out.sign_in = { wall_ms: Date.now() - started, nav_ms: nav };
    if (coldWait > 0) await new Promise((resolve) => setTimeout(resolve, coldWait));
    for (let i = 0; i < reloads; i += 1) {
      const t = Date.now();
      await page.reload({ timeout: LOAD_MS, waitUntil: 'commit' });
      const navMs = await tilesDrawn(page, t + LOAD_MS);
      out.loads.push({ wall_ms: Date.now() - t, nav_ms: navMs });
    }
    if (browser.blocked.length) throw new Error(`requests beyond the loopback: ${browser.blocked.join(', ')}`);
  } catch (err) {
    out.error = String((err && err.message) || err).split('\n').slice(0, 4).join(' | ');
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((err) => {
  process.stdout.write(`${JSON.stringify({ error: String((err && err.message) || err) })}\n`);
  process.exitCode = 1;
});
