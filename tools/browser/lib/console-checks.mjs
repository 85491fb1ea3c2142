// The checks of one console session, shared by console.mjs (the whole local stack) and
// page-check.mjs (the page with fixture answers). Each throws with a reason on failure and
// returns what it saw. Every wait is bounded by WAIT_MS.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { assert } from './report.mjs';

export const WAIT_MS = 30000;
export const SEVERITY_CODES = ['low', 'normal', 'high', 'urgent', 'critical'];
export const XSS_SUBJECT = '<img src=x onerror=alert(1)>';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Watches a page for what must never happen: script dialogs (an escaped payload ran), CSP
 * violations, uncaught errors, requests leaving the loopback. Call before the first navigation.
 */
export async function watch(page) {
  const seen = { dialogs: [], pageErrors: [], authorizeVisits: 0, tokenExchanges: 0 };
  page.on('dialog', (dialog) => {
    seen.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    dialog.dismiss().catch(() => {});
  });
  page.on('pageerror', (err) => seen.pageErrors.push(String(err.message || err)));
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname.endsWith('/oauth2/authorize')) seen.authorizeVisits += 1;
    if (url.pathname.endsWith('/oauth2/token')) seen.tokenExchanges += 1;
  });
  seen.csp = [];
  // Reported to the driver, so violations on pages navigated away from are kept too.
  await page.exposeFunction('__cimaCspViolation', (line) => seen.csp.push(line));
  // Injected by the driver, so the page's own CSP does not apply to it.
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cimaCspViolation(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  return seen;
}

/**
 * A wait for a request, started before the action that makes it. Handled at once, so a check
 * that fails before awaiting it leaves no unhandled rejection behind; awaiting it still throws.
 */
export function expectRequest(page, predicate) {
  const waiting = page.waitForRequest(predicate, { timeout: WAIT_MS });
  waiting.catch(() => {});
  return waiting;
}

/** Clears the filters when any is set, and waits for the unfiltered answers. */
export async function clearFilters(page) {
  const set = await page.$$eval('#filters input, #filters select', (els) => els.some((e) => e.value));
  if (!set) return;
  const cleared = expectRequest(page, (r) => r.url().includes('/cases/summary') && !new URL(r.url()).search);
  await page.click('#filters button[type="reset"]');
  await cleared;
  await idle(page);
}

/** Closes the timeline if a failed check left it open: its modal would block every later check. */
export async function closeTimeline(page) {
  if (await page.$('#timeline[open]')) {
    await page.keyboard.press('Escape');
    await page.waitForSelector('#timeline:not([open])', { state: 'attached', timeout: WAIT_MS });
  }
}

/** Waits until no section is loading. */
export async function idle(page) {
  await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'), null, { timeout: WAIT_MS });
}

/** The tiles' numbers by key (open, total, sev-low, ...); "—" reads as null. */
export async function tiles(page) {
  return page.$$eval('#tiles [data-tile]', (els) => Object.fromEntries(els.map((el) => {
    const t = el.querySelector('.tile-value').textContent.trim();
    return [el.dataset.tile, /^[\d,]+$/.test(t) ? Number(t.replace(/,/g, '')) : null];
  })));
}

async function shot(page, out, name, fullPage = true) {
  if (!out) return null;
  const path = join(out, name);
  await page.screenshot({ path, fullPage });
  return path;
}

export async function signIn(page, { url, user, password, out }) {
  await page.goto(url, { timeout: WAIT_MS });
  const form = await page.waitForSelector('input[name="username"]', { timeout: WAIT_MS });
  const hostedUi = new URL(page.url());
  assert(hostedUi.pathname === '/oauth2/authorize' || hostedUi.pathname.endsWith('/login'),
    `expected the hosted UI, got ${page.url()}`);
  const screenshot = await shot(page, out, 'sign-in.png', false);
  await form.fill(user);
  await page.fill('input[name="password"]', password);
  await Promise.all([
    page.waitForURL((u) => u.href.startsWith(new URL(url).origin), { timeout: WAIT_MS }),
    page.click('button[type="submit"]'),
  ]);
  await page.waitForSelector('#app', { state: 'visible', timeout: WAIT_MS });
  const who = (await page.textContent('#user-name')).trim();
  assert(who, 'no user name in the header after sign-in');
  assert(!new URL(page.url()).searchParams.has('code'), 'the code stayed in the address bar');
  return { hosted_ui: hostedUi.origin, user: who, screenshot };
}

/** Tokens live in memory only: nothing token-like in either storage. */
export async function tokensInMemoryOnly(page) {
  const stored = await page.evaluate(() => ({
    local: Object.keys(localStorage).map((k) => [k, localStorage.getItem(k)]),
    session: Object.keys(sessionStorage).map((k) => [k, sessionStorage.getItem(k)]),
  }));
  assert(stored.local.length === 0, `localStorage holds ${JSON.stringify(stored.local.map(([k]) => k))}`);
  const jwtish = stored.session.filter(([, v]) => /eyJ[\w-]+\.[\w-]+\./.test(v || ''));
  assert(jwtish.length === 0, `sessionStorage holds a token under ${JSON.stringify(jwtish.map(([k]) => k))}`);
  return { session_keys: stored.session.map(([k]) => k) };
}

export async function tilesShowNumbers(page, out) {
  await idle(page);
  const status = await page.textContent('#overview-status');
  assert(!/^Error/.test(status), `overview: ${status}`);
  const t = await tiles(page);
  for (const key of ['open', 'total', ...SEVERITY_CODES.map((c) => `sev-${c}`)]) {
    assert(Number.isInteger(t[key]), `tile ${key} shows no number (${JSON.stringify(t)})`);
  }
  assert(t.total >= t.open, `open ${t.open} > total ${t.total}`);
  const rows = await page.$$eval('#cases-table tbody tr[data-case-row]', (r) => r.length);
  assert(rows > 0, 'the cases table has no rows');
  return { tiles: t, rows, screenshot: await shot(page, out, 'desktop.png') };
}

/** Filters by a severity that has cases; tiles and table must follow. */
export async function filterBySeverity(page, out) {
  try {
    return await severityFiltered(page, out);
  } finally {
    await clearFilters(page);
  }
}

async function severityFiltered(page, out) {
  const before = await tiles(page);
  const candidates = SEVERITY_CODES.filter((c) => before[`sev-${c}`] > 0);
  assert(candidates.length > 0, 'no severity has cases');
  // Prefer one that is not every case, so the total must change.
  const code = candidates.find((c) => before[`sev-${c}`] < before.total) || candidates[0];
  await page.selectOption('#f-severity', code);
  const asked = Promise.all([
    expectRequest(page, (r) => r.url().includes('/cases/summary?') && new URL(r.url()).searchParams.get('severity') === code),
    expectRequest(page, (r) => /\/cases\?/.test(r.url()) && new URL(r.url()).searchParams.get('severity') === code),
  ]);
  asked.catch(() => {});
  await page.click('#filters button[type="submit"]');
  await asked;
  await page.waitForFunction(() => document.querySelector('#overview-status').textContent.startsWith('Updated')
    && !document.querySelector('[aria-busy="true"]'), null, { timeout: WAIT_MS });
  const after = await tiles(page);
  assert(after.total === before[`sev-${code}`], `total ${after.total} after filtering ${code}, expected ${before[`sev-${code}`]}`);
  for (const other of SEVERITY_CODES.filter((c) => c !== code)) {
    assert(!after[`sev-${other}`], `severity ${other} still counts ${after[`sev-${other}`]} under a ${code} filter`);
  }
  const shown = await page.$$eval('#cases-table tbody .badge', (els) => els.map((e) => e.getAttribute('title')));
  assert(shown.length > 0, 'no rows after filtering');
  assert(shown.every((s) => s === code), `rows of other severities: ${JSON.stringify(shown)}`);
  const screenshot = await shot(page, out, 'filtered.png');
  return { severity: code, before: before.total, after: after.total, rows: shown.length, screenshot };
}

/** Sorting by a header asks the API for that order and marks the header. */
export async function sortByHeader(page) {
  // The API's sort field; `-field` is descending.
  const field = 'severity_code';
  const asked = expectRequest(page, (r) => /\/cases\?/.test(r.url()) && new URL(r.url()).searchParams.get('sort')?.replace(/^-/, '') === field);
  await page.click(`#cases-table button[data-sort="${field}"]`);
  const request = await asked;
  await idle(page);
  const aria = await page.getAttribute(`#cases-table th:has(button[data-sort="${field}"])`, 'aria-sort');
  assert(aria === 'descending' || aria === 'ascending', `aria-sort is ${aria}`);
  const focused = await page.evaluate(() => document.activeElement && document.activeElement.dataset.sort);
  assert(focused === field, 'focus left the sort button');
  return { sort: new URL(request.url()).searchParams.get('sort'), aria_sort: aria };
}

export async function timelineOpens(page, out) {
  const opener = await page.waitForSelector('#cases-table tbody button[data-case-id]', { timeout: WAIT_MS });
  const caseId = await opener.getAttribute('data-case-id');
  try {
    await opener.click();
    await page.waitForSelector('#timeline[open]', { timeout: WAIT_MS });
    await page.waitForFunction(() => document.querySelector('#timeline-status').textContent !== 'Loading…', null, { timeout: WAIT_MS });
    const status = await page.textContent('#timeline-status');
    assert(!/^Error/.test(status), `timeline: ${status}`);
    const events = await page.$$eval('#timeline-body .timeline li', (li) => li.length);
    assert(events > 0, 'the timeline shows no events');
    const inside = await page.evaluate(() => document.querySelector('#timeline').contains(document.activeElement));
    assert(inside, 'focus is not inside the open dialog');
    const screenshot = await shot(page, out, 'timeline.png', false);
    await page.keyboard.press('Escape');
    await page.waitForSelector('#timeline:not([open])', { state: 'attached', timeout: WAIT_MS });
    const back = await page.evaluate(() => document.activeElement && document.activeElement.dataset.caseId);
    assert(back === caseId, 'focus did not return to the case that opened the timeline');
    return { case_id: caseId, events, screenshot };
  } finally {
    await closeTimeline(page);
  }
}

export async function chatAnswers(page, out, question) {
  await page.fill('#question', question);
  await page.press('#question', 'Enter');
  await page.waitForFunction(() => {
    const s = document.querySelector('#chat-status').textContent;
    return s === 'Answered.' || s.startsWith('Error');
  }, null, { timeout: WAIT_MS * 2 });
  const status = await page.textContent('#chat-status');
  assert(status === 'Answered.', `chat: ${status}`);
  const answer = (await page.textContent('.chat-answer .answer')).trim();
  assert(answer && answer !== '—', 'the answer is empty');
  await page.waitForFunction((q) => Array.from(document.querySelectorAll('#history button[data-query]'))
    .some((b) => b.dataset.query === q), question, { timeout: WAIT_MS });
  const results = await page.$$eval('.chat-answer .result', (r) => r.length);
  const failed = await page.$$eval('.chat-answer .account-errors li', (r) => r.length);
  return { answer, results, account_errors: failed, screenshot: await shot(page, out, 'chat.png') };
}

/** A case whose subject is markup shows it as text; nothing runs. */
export async function xssRendersAsText(page, seen, subject = XSS_SUBJECT) {
  try {
    return await markupSubject(page, seen, subject);
  } finally {
    await clearFilters(page);
  }
}

async function markupSubject(page, seen, subject) {
  // The whole subject as the "subject contains" filter: the markup travels as a query value too.
  await page.fill('#f-subject', subject);
  const asked = expectRequest(page, (r) => /\/cases\?/.test(r.url()) && new URL(r.url()).searchParams.get('q') === subject);
  await page.click('#filters button[type="submit"]');
  await asked;
  await idle(page);
  const subjects = await page.$$eval('#cases-table tbody button[data-case-id]', (b) => b.map((x) => x.firstChild.textContent));
  assert(subjects.includes(subject), `no row shows ${subject} as text: ${JSON.stringify(subjects)}`);
  const injected = await page.$$eval('#app img, #app [onerror]', (els) => els.length);
  assert(injected === 0, `${injected} element(s) made from data`);
  assert(seen.dialogs.length === 0, `a dialog fired: ${seen.dialogs.join('; ')}`);
  return { rows: subjects.length };
}

/** axe-core over the page as it stands: no serious or critical violation. */
export async function axeScan(page, label) {
  // Evaluated by the driver, outside the page's CSP, as a test tool and not part of the page.
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert(bad.length === 0, `${label}: ${bad.map((v) => `${v.id} (${v.impact}) at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`).join('; ')}`);
  return { violations: result.violations.map((v) => `${v.id} (${v.impact})`) };
}

export async function phoneWidth(page, out) {
  await page.setViewportSize({ width: 390, height: 844 });
  try {
    await idle(page);
    const screenshot = await shot(page, out, 'phone.png');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    // The elements sticking out, outside the containers that scroll on purpose.
    const wide = await page.evaluate(() => Array.from(document.querySelectorAll('body *'))
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1 && !el.parentElement.closest('.table-wrap, .result'))
      .slice(0, 5).map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${el.className} in ${(el.closest('[id], [aria-labelledby]') || {}).id || (el.closest('[aria-labelledby]') || { getAttribute: () => '?' }).getAttribute('aria-labelledby')}`));
    assert(width <= 391, `the page is ${width}px wide at 390px; sticking out: ${wide.join(', ')}`);
    const tileColumns = await page.$eval('#tiles .tiles', (el) => getComputedStyle(el).gridTemplateColumns.split(' ').length);
    return { scroll_width: width, tile_columns: tileColumns, screenshot };
  } finally {
    await page.setViewportSize({ width: 1280, height: 800 });
  }
}

/** A reload signs in again through the hosted UI (its session answers without the form). */
export async function reloadSignsInAgain(page, seen) {
  const visits = seen.authorizeVisits;
  const exchanges = seen.tokenExchanges;
  await page.reload({ timeout: WAIT_MS });
  await page.waitForSelector('#app', { state: 'visible', timeout: WAIT_MS });
  assert(seen.authorizeVisits > visits, 'the reload did not go through the hosted UI');
  assert(seen.tokenExchanges > exchanges, 'no new code exchange after the reload');
  await idle(page);
  return { authorize_visits: seen.authorizeVisits - visits };
}

export async function signOutReturnsToSignIn(page, out) {
  await page.click('#sign-out');
  await page.waitForSelector('#sign-in', { state: 'visible', timeout: WAIT_MS });
  const message = await page.textContent('#signin-message');
  assert(/signed out/i.test(message), `after sign-out the page says ${message}`);
  assert(!(await page.isVisible('#app')), 'the console is still shown after sign-out');
  const screenshot = await shot(page, out, 'signed-out.png', false);
  // The hosted UI's session ended too: signing in asks for the password again.
  await page.click('#sign-in');
  await page.waitForSelector('input[name="password"]', { timeout: WAIT_MS });
  return { message, screenshot };
}

/** What the watchers saw over the whole session. */
export async function nothingUnexpected(seen, blocked) {
  assert(seen.dialogs.length === 0, `dialogs: ${seen.dialogs.join('; ')}`);
  assert(seen.csp.length === 0, `CSP violations: ${seen.csp.join('; ')}`);
  assert(seen.pageErrors.length === 0, `uncaught errors: ${seen.pageErrors.join('; ')}`);
  assert(blocked.length === 0, `requests beyond the loopback: ${blocked.join(', ')}`);
  return { authorize_visits: seen.authorizeVisits, token_exchanges: seen.tokenExchanges };
}
