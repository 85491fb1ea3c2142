// Checks against the whole local stack (`cargo xtask console`): what the page shows must equal
// the truth the stack computed from the seeding tool's record of the cases, independently of the
// store and of the API (cima_testkit::ConsoleTruth, written as JSON). Every wait is bounded.

import { assert } from './report.mjs';
import { SEVERITY_CODES, WAIT_MS, clearFilters, closeTimeline, expectRequest, idle, tiles } from './console-checks.mjs';

/** Open, total and one tile per severity equal the truth; overview.png is what README shows. */
export async function tilesMatchTruth(page, truth, out) {
  await idle(page);
  const t = await tiles(page);
  const want = { open: truth.open, total: truth.total };
  for (const code of SEVERITY_CODES) want[`sev-${code}`] = truth.by_severity[code] || 0;
  const wrong = Object.entries(want).filter(([k, v]) => t[k] !== v);
  assert(wrong.length === 0, `tiles differ from the seeded truth: ${wrong.map(([k, v]) => `${k} shows ${t[k]}, truth ${v}`).join('; ')}`);
  if (out) {
    await page.evaluate(() => document.querySelector('#overview').scrollIntoView());
    await page.screenshot({ path: `${out}/overview.png`, fullPage: false });
  }
  return { tiles: t };
}

/** The "Cases by account" chart: every account with its name and count, as seeded. */
export async function accountsChartMatchesTruth(page, truth) {
  const rows = await page.$$eval('#charts table.bars', (tables) => {
    const table = tables.find((t) => (t.querySelector('caption') || {}).textContent === 'Cases by account');
    if (!table) return null;
    return Array.from(table.querySelectorAll('tbody tr'), (tr) => ({
      label: tr.querySelector('th').firstChild.textContent.trim(),
      id: (tr.querySelector('th .sub') || {}).textContent || '',
      cases: Number(tr.querySelector('td.n').firstChild.textContent.replace(/,/g, '')),
    }));
  });
  assert(rows, 'no "Cases by account" chart');
  const shown = Object.fromEntries(rows.map((r) => [r.id, r]));
  for (const a of truth.accounts) {
    const row = shown[a.account_id];
    assert(row, `account ${a.account_id} (${a.account_name}) is missing from the chart: ${JSON.stringify(rows)}`);
    assert(row.label === a.account_name, `account ${a.account_id} is named ${row.label}, seeded as ${a.account_name}`);
    assert(row.cases === a.cases, `${a.account_name}: ${row.cases} cases shown, ${a.cases} seeded`);
  }
  assert(rows.length === truth.accounts.length, `${rows.length} accounts shown, ${truth.accounts.length} with cases`);
  return { accounts: rows.length };
}

/** Filtering by one account: the tiles become that account's seeded numbers, every row is its. */
export async function filterByAccount(page, truth, out) {
  // The account with most cases that is not every case, so the total must change.
  const a = truth.accounts.slice().sort((x, y) => y.cases - x.cases).find((x) => x.cases < truth.total);
  assert(a, 'no account to filter by');
  try {
    await page.selectOption('#f-account', a.account_id);
    const asked = Promise.all([
      expectRequest(page, (r) => r.url().includes('/cases/summary?') && new URL(r.url()).searchParams.get('account_id') === a.account_id),
      expectRequest(page, (r) => /\/cases\?/.test(r.url()) && new URL(r.url()).searchParams.get('account_id') === a.account_id),
    ]);
    await page.click('#filters button[type="submit"]');
    await asked;
    await page.waitForFunction(() => document.querySelector('#overview-status').textContent.startsWith('Updated')
      && !document.querySelector('[aria-busy="true"]'), null, { timeout: WAIT_MS });
    const t = await tiles(page);
    assert(t.total === a.cases && t.open === a.open,
      `${a.account_name}: tiles total ${t.total}, open ${t.open}; seeded ${a.cases}, ${a.open}`);
    for (const code of SEVERITY_CODES) {
      const want = a.by_severity[code] || 0;
      assert((t[`sev-${code}`] || 0) === want, `${a.account_name}: ${code} shows ${t[`sev-${code}`]}, seeded ${want}`);
    }
    const accounts = await page.$$eval('#cases-table tbody tr[data-case-row]', (trs) => trs.map((tr) => tr.textContent));
    assert(accounts.length > 0 && accounts.every((text) => text.includes(a.account_id)),
      `rows of other accounts under the ${a.account_id} filter`);
    if (out) await page.screenshot({ path: `${out}/account-filtered.png`, fullPage: false });
    return { account: a.account_name, total: t.total, open: t.open, rows: accounts.length };
  } finally {
    await clearFilters(page);
  }
}

/** The case that was backfilled, answered by AWS and resolved shows its three events. */
export async function timelineMatchesTruth(page, truth) {
  try {
    await page.fill('#f-subject', truth.timeline_subject);
    const asked = expectRequest(page, (r) => /\/cases\?/.test(r.url()) && new URL(r.url()).searchParams.get('q') === truth.timeline_subject);
    await page.click('#filters button[type="submit"]');
    await asked;
    await idle(page);
    const button = await page.waitForSelector(`#cases-table button[data-case-id="${truth.timeline_case_id}"]`, { timeout: WAIT_MS });
    await button.click();
    await page.waitForSelector('#timeline[open]', { timeout: WAIT_MS });
    await page.waitForFunction(() => document.querySelector('#timeline-status').textContent !== 'Loading…', null, { timeout: WAIT_MS });
    const status = await page.textContent('#timeline-status');
    assert(!/^Error/.test(status), `timeline: ${status}`);
    const events = await page.$$eval('#timeline-body .timeline > li .event-main', (els) => els.map((e) => e.textContent));
    assert(events.length === truth.timeline_events, `${events.length} events shown, ${truth.timeline_events} stored: ${JSON.stringify(events)}`);
    assert(/^Resolved/.test(events[events.length - 1]), `the last event is ${events[events.length - 1]}, not the resolution`);
    await page.keyboard.press('Escape');
    await page.waitForSelector('#timeline:not([open])', { state: 'attached', timeout: WAIT_MS });
    return { case_id: truth.timeline_case_id, events };
  } finally {
    await closeTimeline(page);
    await clearFilters(page);
  }
}

/** The chat's answer counts what was seeded: POST /query's counts per account, summed. */
export async function chatCountsTruth(page, truth) {
  const answered = page.waitForResponse((r) => r.url().endsWith('/query') && r.request().method() === 'POST', { timeout: WAIT_MS * 2 });
  // Never an unhandled rejection when fill fails first.
  answered.catch(() => {});
  await page.fill('#question', truth.question, { timeout: WAIT_MS });
  await page.press('#question', 'Enter');
  const response = await answered;
  assert(response.ok(), `POST /query answered ${response.status()}: ${(await response.text()).slice(0, 300)}`);
  const body = await response.json();
  const counted = Object.values(body.results || {}).flat().reduce((n, i) => n + (Number.isInteger(i && i.count) ? i.count : 0), 0);
  assert(counted === truth.running_instances, `the answer counts ${counted} running instances, ${truth.running_instances} seeded`);
  assert((body.account_errors || []).length === 0, `accounts failed: ${JSON.stringify(body.account_errors)}`);
  await page.waitForFunction(() => document.querySelector('#chat-status').textContent === 'Answered.', null, { timeout: WAIT_MS });
  return { answer: body.answer, counted };
}

/**
 * The API itself refuses what the page never sends: no token, a token whose signature was
 * changed, a token whose claims were changed. A valid token, sent the same way, is answered.
 */
export async function apiRefusesBadTokens(api, token) {
  const call = async (authorization) => {
    const headers = authorization === null ? {} : { authorization };
    const r = await fetch(`${api}/cases/summary`, { headers, signal: AbortSignal.timeout(WAIT_MS) });
    return r.status;
  };
  const [header, payload, signature] = token.split('.');
  const middle = Math.floor(signature.length / 2);
  const otherSignature = signature.slice(0, middle) + (signature[middle] === 'A' ? 'B' : 'A') + signature.slice(middle + 1);
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  const otherClaims = Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url');
  const statuses = {
    valid: await call(`Bearer ${token}`),
    none: await call(null),
    signature_changed: await call(`Bearer ${header}.${payload}.${otherSignature}`),
    claims_changed: await call(`Bearer ${header}.${otherClaims}.${signature}`),
  };
  assert(statuses.valid === 200, `a valid token got ${statuses.valid}`);
  for (const k of ['none', 'signature_changed', 'claims_changed']) {
    assert(statuses[k] === 401, `${k.replace('_', ' ')}: ${statuses[k]}, expected 401`);
  }
  return statuses;
}
