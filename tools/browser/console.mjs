#!/usr/bin/env node
// One browser session against a running CIMA console (the whole local stack: page, API behind
// JWT verification, seeded data, local Cognito):
//
//   node console.mjs --url http://127.0.0.1:PORT/ --user NAME --password PW --out DIR
//     [--question "how many open support cases"] [--xss-subject "<img src=x onerror=alert(1)>"]
//     [--truth truth.json --api http://127.0.0.1:PORT --token ID_TOKEN]
//
// With --truth (what `cargo xtask test` passes: cima_testkit::ConsoleTruth as JSON), the tiles,
// the accounts chart, an account filter, a timeline and the chat's answer are compared with the
// seeded truth, and the API is called without a token and with tampered ones.
//
// Prints a JSON report (and a closing "N passed, N failed" line); exits 1 when a check failed.

import { mkdirSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { launch } from './lib/chromium.mjs';
import * as checks from './lib/console-checks.mjs';
import { Report, parseArgs } from './lib/report.mjs';
import * as stack from './lib/stack-checks.mjs';

export async function runSession(page, seen, blocked, report, opts) {
  const { url, user, password, out, question, xssSubject } = opts;
  const signedIn = await report.check('signs in through the hosted UI', () => checks.signIn(page, { url, user, password, out }));
  if (!signedIn) return;
  await report.check('tokens are kept in memory only', () => checks.tokensInMemoryOnly(page));
  await report.check('tiles show numbers', () => checks.tilesShowNumbers(page, out));
  await report.check('filtering by severity changes tiles and table', () => checks.filterBySeverity(page, out));
  await report.check('a header sorts the table', () => checks.sortByHeader(page));
  await report.check("a case's timeline opens and closes with Escape", () => checks.timelineOpens(page, out));
  await report.check('a chat question gets an answer', () => checks.chatAnswers(page, out, question));
  await report.check('a markup subject renders as text', () => checks.xssRendersAsText(page, seen, xssSubject));
  await report.check('axe: no serious or critical violation', () => checks.axeScan(page, 'console'));
  await report.check('usable at phone width', () => checks.phoneWidth(page, out));
  if (opts.extra) await opts.extra();
  await report.check('a reload signs in again through the hosted UI', () => checks.reloadSignsInAgain(page, seen));
  await report.check('sign-out returns to sign-in', () => checks.signOutReturnsToSignIn(page, out));
  await report.check('no dialog, CSP violation, uncaught error or outside request', () => checks.nothingUnexpected(seen, blocked));
}

async function main() {
  const args = parseArgs(process.argv.slice(2), ['url', 'user', 'password', 'out', 'question', 'xss-subject', 'truth', 'api', 'token']);
  for (const required of ['url', 'user', 'password', 'out', ...(args.truth ? ['api', 'token'] : [])]) {
    if (!args[required]) throw new Error(`--${required} is required`);
  }
  const truth = args.truth ? JSON.parse(readFileSync(args.truth, 'utf8')) : null;
  mkdirSync(args.out, { recursive: true });
  const report = new Report('console');
  const browser = await launch();
  try {
    const page = await browser.context.newPage();
    const seen = await checks.watch(page);
    const extra = truth && (async () => {
      await report.check('tiles show the seeded truth', () => stack.tilesMatchTruth(page, truth, args.out));
      await report.check('cases by account show the seeded accounts', () => stack.accountsChartMatchesTruth(page, truth));
      await report.check('filtering by account shows its seeded numbers', () => stack.filterByAccount(page, truth, args.out));
      await report.check('a timeline shows its backfill, AWS reply and resolution', () => stack.timelineMatchesTruth(page, truth));
      await report.check('the chat counts the seeded instances', () => stack.chatCountsTruth(page, truth));
      await report.check('the API answers 401 without a token and to tampered ones', () => stack.apiRefusesBadTokens(args.api, args.token));
    });
    await runSession(page, seen, browser.blocked, report, {
      url: args.url, user: args.user, password: args.password, out: args.out,
      question: args.question || (truth ? truth.question : 'how many open support cases'),
      xssSubject: args['xss-subject'] || (truth ? truth.markup_subject : checks.XSS_SUBJECT),
      extra,
    });
  } finally {
    await browser.close();
  }
  report.finish({ url: args.url, screenshots: args.out });
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    process.stderr.write(`console.mjs: ${err.stack || err}\n`);
    process.exitCode = 2;
  });
}
