#!/usr/bin/env node
// The console page in a real browser before the whole local stack exists:
//
//   node page-check.mjs --out DIR [--localaws http://127.0.0.1:PORT]
//
// - the local AWS (moto + the project's extensions, ext_cognito's managed login) is started on
//   127.0.0.1 (or the one given is used), with a user pool, an app client and a user;
// - web/ is served on 127.0.0.1 at a free port with a config.json naming them and the CDN's CSP;
// - sign-in is real (hosted UI form, code + PKCE, token exchange); the console API's answers come
//   from fixtures/ (test inputs) through the browser's request interception, after the id token
//   each call carries is verified against the pool's JWKS;
// - the same session checks as console.mjs run, plus paging, API errors, a 401 sending the user
//   back through sign-in, and the pure renderers on hostile and incomplete JSON.
// Prints a JSON report and a closing "N passed, N failed" line; exits 1 when a check failed.

import { spawn } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from './lib/chromium.mjs';
import * as checks from './lib/console-checks.mjs';
import { Report, assert, parseArgs } from './lib/report.mjs';
import { serveStatic } from './lib/static-server.mjs';
import { runSession } from './console.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const READY_TIMEOUT_MS = 60000;
const STOP_TIMEOUT_MS = 10000;
const PAGE_SIZE = 10;
const USER = 'oncall';
const PASSWORD = 'Page-Check-1!';

const fixture = (name) => JSON.parse(readFileSync(join(HERE, 'fixtures', name), 'utf8'));

// --- the local AWS ------------------------------------------------------------------------------

/** Starts `python -m localaws.server`; resolves to {url, stop()} once it printed its READY line. */
function startLocalAws() {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && !k.startsWith('MOTO_')));
  Object.assign(env, { PYTHONPATH: join(ROOT, 'testing/localaws'), AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_DEFAULT_REGION: 'us-east-1' });
  const python = process.env.CIMA_PYTHON || join(ROOT, '.venv/bin/python');
  const child = spawn(python, ['-m', 'localaws.server', '--port', '0'], { cwd: join(ROOT, 'testing/localaws'), env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  const stop = () => new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => { clearTimeout(timer); done(); });
    child.kill('SIGTERM');
  });
  return new Promise((resolveReady, reject) => {
    const timer = setTimeout(() => { stop(); reject(new Error(`localaws printed no READY line in ${READY_TIMEOUT_MS} ms: ${stderr}`)); }, READY_TIMEOUT_MS);
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n')) {
        clearTimeout(timer);
        if (line.startsWith('LOCALAWS_READY ')) resolveReady({ url: line.slice('LOCALAWS_READY '.length).trim(), stop });
        else { stop(); reject(new Error(`unexpected first line from localaws: ${line}`)); }
      }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`localaws exited (${code}): ${stderr}`)); });
  });
}

/** One Cognito user pool API call (moto routes unsigned JSON-protocol calls by X-Amz-Target). */
async function cognito(endpoint, action, body) {
  const response = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': `AWSCognitoIdentityProviderService.${action}` },
    body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(`${action}: ${response.status} ${JSON.stringify(data)}`);
  return data;
}

async function userPool(endpoint, consoleUrl) {
  const health = await (await fetch(`${endpoint}/_localaws/health`)).json();
  assert(health.extensions.includes('localaws.ext_cognito'), `localaws has no ext_cognito loaded: ${JSON.stringify(health.extensions)}`);
  const poolId = (await cognito(endpoint, 'CreateUserPool', { PoolName: 'cima-console-page-check' })).UserPool.Id;
  const clientId = (await cognito(endpoint, 'CreateUserPoolClient', {
    UserPoolId: poolId, ClientName: 'CIMA console (page check)', GenerateSecret: false,
    AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: ['code'], AllowedOAuthScopes: ['openid', 'email', 'profile'],
    SupportedIdentityProviders: ['COGNITO'], CallbackURLs: [consoleUrl], LogoutURLs: [consoleUrl], ReadAttributes: ['email'],
  })).UserPoolClient.ClientId;
  await cognito(endpoint, 'AdminCreateUser', { UserPoolId: poolId, Username: USER, MessageAction: 'SUPPRESS',
    UserAttributes: [{ Name: 'email', Value: 'oncall@example.com' }] });
  await cognito(endpoint, 'AdminSetUserPassword', { UserPoolId: poolId, Username: USER, Password: PASSWORD, Permanent: true });
  const jwks = await (await fetch(`${endpoint}/${poolId}/.well-known/jwks.json`)).json();
  return { poolId, clientId, jwks };
}

/** The claims of an id token of this client that the pool's JWKS verifies, else null. */
function verifiedClaims(token, { jwks, clientId }) {
  try {
    const [head, payload, signature] = token.split('.');
    const header = JSON.parse(Buffer.from(head, 'base64url'));
    const jwk = jwks.keys.find((k) => k.kid === header.kid);
    if (!jwk || header.alg !== 'RS256') return null;
    const ok = verify('RSA-SHA256', Buffer.from(`${head}.${payload}`), createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(signature, 'base64url'));
    const claims = JSON.parse(Buffer.from(payload, 'base64url'));
    return ok && claims.aud === clientId && claims.token_use === 'id' && claims.exp * 1000 > Date.now() ? claims : null;
  } catch {
    return null;
  }
}

// --- the console API's answers from fixtures ------------------------------------------------------

function fixtureApi(pool) {
  const summaries = fixture('summaries.json');
  const { cases } = fixture('cases.json');
  const timeline = fixture('timeline.json');
  const answer = fixture('query.json');
  const history = fixture('history.json');
  const state = { calls: [], verified: 0, rejected: 0, faults: { unauthorized: 0, serverError: 0 } };

  // The API's filter parameters and the row field each one matches (q: the subject contains it).
  const FILTERS = { account_id: 'account_id', ou: 'ou_path', severity: 'severity_code', service: 'service_code', status: 'status', submitter: 'submitted_by' };
  const SUMMARY_PARAMS = new Set(['from', 'to', 'q', ...Object.keys(FILTERS)]);
  const LIST_PARAMS = new Set([...SUMMARY_PARAMS, 'sort', 'page_token', 'page_size']);
  const unknownParam = (q, allowed) => Array.from(q.keys()).find((k) => !allowed.has(k));
  const filterRows = (q) => cases.filter((c) =>
    Object.entries(FILTERS).every(([param, field]) => !q.get(param) || c[field] === q.get(param))
    && (!q.get('q') || c.subject.toLowerCase().includes(q.get('q').toLowerCase()))
    && (!q.get('from') || c.time_created >= q.get('from'))
    && (!q.get('to') || c.time_created.slice(0, 10) <= q.get('to')));

  async function handle(route) {
    const request = route.request();
    const url = new URL(request.url());
    const path = url.pathname.replace(/^\/api/, '');
    const reply = (status, body) => route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });
    state.calls.push(`${request.method()} ${path}${url.search}`);
    const auth = request.headers().authorization || '';
    const claims = auth.startsWith('Bearer ') ? verifiedClaims(auth.slice(7), pool) : null;
    if (!claims || state.faults.unauthorized > 0) {
      if (claims) state.faults.unauthorized -= 1;
      state.rejected += 1;
      return reply(401, { error: 'unauthorized', message: 'no valid token' });
    }
    state.verified += 1;
    const q = url.searchParams;
    // Strict like the API: an unknown parameter is a 400 naming it.
    const allowed = path === '/cases/summary' ? SUMMARY_PARAMS : path === '/cases' ? LIST_PARAMS : new Set();
    const unknown = unknownParam(q, allowed);
    if (unknown) return reply(400, { error: 'bad_request', field: unknown, message: `${unknown}: unknown parameter` });
    if (request.method() === 'GET' && path === '/cases/summary') {
      if (state.faults.serverError > 0) {
        state.faults.serverError -= 1;
        return reply(500, { error: 'upstream_error', message: 'Athena query failed' });
      }
      return reply(200, summaries[q.get('severity') || ''] || summaries['']);
    }
    if (request.method() === 'GET' && path === '/cases') {
      const rows = filterRows(q);
      const sort = q.get('sort') || '-time_created';
      const field = sort.replace(/^-/, '');
      const sign = sort.startsWith('-') ? -1 : 1;
      rows.sort((a, b) => sign * String(a[field]).localeCompare(String(b[field])));
      const offset = Number(q.get('page_token') || 0);
      const page = rows.slice(offset, offset + PAGE_SIZE);
      return reply(200, { as_of: summaries[''].as_of, total: rows.length, offset, page_size: PAGE_SIZE, returned: page.length,
        cases: page, ...(offset + PAGE_SIZE < rows.length ? { next_page_token: String(offset + PAGE_SIZE) } : {}) });
    }
    if (request.method() === 'GET' && path.startsWith('/cases/')) {
      const id = decodeURIComponent(path.slice('/cases/'.length));
      const row = cases.find((c) => c.case_id === id);
      if (!row) return reply(404, { error: 'not_found', message: 'no such case' });
      return reply(200, { as_of: summaries[''].as_of, case: row, ...timeline });
    }
    if (request.method() === 'POST' && path === '/query') {
      const body = JSON.parse(request.postData() || '{}');
      if (typeof body.query !== 'string' || Object.keys(body).some((k) => k !== 'query' && k !== 'account_ids')) {
        return reply(400, { error: 'bad_request', field: 'body', message: 'body: unexpected shape' });
      }
      history.items.unshift({ parsed: answer.parsed, query: body.query, query_id: `q-${history.items.length}`, result_count: 3,
        time: new Date().toISOString(), timestamp: Date.now() });
      return reply(200, answer);
    }
    if (request.method() === 'GET' && path === '/history') return reply(200, { ...history, count: history.items.length });
    return reply(404, { error: 'not_found', message: `${request.method()} ${path}` });
  }
  return { handle, state };
}

// --- the page-check-only session checks ----------------------------------------------------------

async function paging(page, api) {
  await checks.idle(page);
  const asked = checks.expectRequest(page, (r) => /\/cases\?/.test(r.url()) && new URL(r.url()).searchParams.get('page_token') === String(PAGE_SIZE));
  await page.click('#next-page');
  await asked;
  await checks.idle(page);
  const label = await page.textContent('#page-label');
  assert(label === 'Page 2', `after Next the label says ${label}`);
  assert(!(await page.isDisabled('#prev-page')), 'Previous is disabled on page 2');
  await page.click('#prev-page');
  await checks.idle(page);
  assert((await page.textContent('#page-label')) === 'Page 1', 'Previous did not go back to page 1');
  return { calls: api.state.calls.filter((c) => c.includes('page_token')).length };
}

async function apiErrorShown(page, api) {
  api.state.faults.serverError = 1;
  await page.click('#filters button[type="submit"]');
  await page.waitForFunction(() => document.querySelector('#overview-status').textContent.startsWith('Error'), null, { timeout: checks.WAIT_MS });
  const text = await page.textContent('#overview-status');
  assert(/500: Athena query failed/.test(text), `the error reads ${text}`);
  const live = await page.getAttribute('#overview-status', 'aria-live');
  assert(live === 'polite', 'the status is not a live region');
  await page.click('#filters button[type="submit"]');
  await page.waitForFunction(() => document.querySelector('#overview-status').textContent.startsWith('Updated'), null, { timeout: checks.WAIT_MS });
  return { message: text };
}

async function unauthorizedSignsInAgain(page, seen, api) {
  const visits = seen.authorizeVisits;
  const exchanges = seen.tokenExchanges;
  api.state.faults.unauthorized = 1;
  const exchanged = checks.expectRequest(page, (r) => new URL(r.url()).pathname.endsWith('/oauth2/token'));
  await page.click('#filters button[type="submit"]');
  await exchanged;
  await page.waitForSelector('#app', { state: 'visible', timeout: checks.WAIT_MS });
  await checks.idle(page);
  assert(seen.authorizeVisits > visits, 'the 401 did not lead through the hosted UI');
  assert(seen.tokenExchanges > exchanges, 'no new token after the 401');
  assert(/^Updated/.test(await page.textContent('#overview-status')), 'the console did not load again after signing in again');
  return { authorize_visits: seen.authorizeVisits - visits };
}

/** The unfiltered overview charts by_tag right after the OUs, in the API's order, "" as "(no label)". */
async function byTagBesideOu(page) {
  await checks.clearFilters(page);
  await checks.idle(page);
  const cards = await page.$$eval('#charts .card', (c) => c.map((e) => e.getAttribute('aria-labelledby')));
  const at = cards.indexOf('ov-tag');
  assert(at > 0 && cards[at - 1] === 'ov-ou', `the label card is not right after the OUs: ${cards}`);
  const card = await page.$eval('#charts [aria-labelledby="ov-tag"]', (c) => ({
    title: c.querySelector('h3').textContent,
    caption: c.querySelector('caption').textContent,
    rows: Array.from(c.querySelectorAll('tbody tr'), (tr) => [tr.querySelector('th').textContent, tr.querySelector('td.n').textContent]),
  }));
  const want = fixture('summaries.json')[''].by_tag.map((t) => [t.tag || '(no label)', `${t.cases}${t.open} open`]);
  assert(card.title === 'By account label' && card.caption === 'Cases by account label', `card: ${JSON.stringify(card)}`);
  assert(JSON.stringify(card.rows) === JSON.stringify(want), `label rows: ${JSON.stringify(card.rows)}, expected ${JSON.stringify(want)}`);
  return { cards: cards.length, labels: card.rows.length };
}

async function timelineAxe(page) {
  await page.click('#cases-table tbody button[data-case-id]');
  await page.waitForSelector('#timeline-body .timeline li', { timeout: checks.WAIT_MS });
  const script = await page.$$eval('#timeline-body script', (s) => s.length);
  assert(script === 0, 'a script element came from timeline data');
  try {
    return await checks.axeScan(page, 'timeline dialog');
  } finally {
    await page.click('#timeline-close');
  }
}

async function chatShowsEverything(page) {
  const headers = await page.$$eval('.chat-answer .result table thead th', (th) => th.map((t) => t.textContent));
  assert(headers.includes('subject') && headers.includes('region'), `result columns: ${headers}`);
  const errors = await page.$$eval('.chat-answer .account-errors li', (li) => li.map((l) => l.textContent));
  assert(errors.length === 2 && errors.some((e) => e.includes('shared-network (555555555555)')), `account errors: ${errors}`);
  assert(errors.some((e) => e.includes('<b>SubscriptionRequiredException</b>')), 'markup in an error message did not show as text');
  const notes = await page.$$eval('.chat-answer .notes li', (li) => li.length);
  assert(notes === 1, 'notes missing');
  const emptyAccount = await page.textContent('.chat-answer');
  assert(emptyAccount.includes('Nothing found.'), 'an account with an empty list is not shown');
  const injected = await page.$$eval('.chat-answer img', (i) => i.length);
  assert(injected === 0, 'an image came from chat data');
  return { columns: headers.length, account_errors: errors.length };
}

// --- the renderers alone, in the page's own origin -------------------------------------------------

async function pureRenderers(page, base) {
  await page.goto(`${base}__blank__`);
  const xss = checks.XSS_SUBJECT;
  const result = await page.evaluate(async (xssSubject) => {
    const r = await import('/js/render.js');
    const out = {};
    const bodyBefore = document.body.innerHTML;

    const emptyTiles = r.renderTiles({});
    out.emptyTiles = Array.from(emptyTiles.querySelectorAll('.tile-value'), (e) => e.textContent);
    const emptyOverview = r.renderOverview(undefined);
    out.emptyCards = emptyOverview.querySelectorAll('.card').length;
    out.emptyCardsNoData = Array.from(emptyOverview.querySelectorAll('.card p.muted')).length;
    out.emptyTable = r.renderCasesTable({}).textContent;
    out.partialTile = Array.from(r.renderTiles({ total: 5, by_severity: { urgent: { cases: 2 } } }).querySelectorAll('[data-tile]'),
      (e) => [e.dataset.tile, e.querySelector('.tile-value').textContent]);

    const hostile = r.renderCasesTable({ cases: [{ case_id: 'c1', display_id: '<b>1</b>', subject: xssSubject,
      support_url: 'javascript:alert(1)', severity: '<i>x</i>', status: 'opened', account_name: '"><svg onload=alert(1)>' }] });
    out.hostile = {
      subject: hostile.querySelector('button[data-case-id]').firstChild.textContent,
      links: hostile.querySelectorAll('a').length,
      elements: hostile.querySelectorAll('img, svg, b, i, script').length,
      severity: hostile.querySelector('.badge').textContent,
    };
    const good = r.renderCasesTable({ cases: [{ case_id: 'c2', support_url: 'https://support.console.aws.amazon.com/x' }] }).querySelector('a');
    out.link = { href: good.href, target: good.target, rel: good.rel };

    const asList = r.renderOverview({ by_service: [{ service_code: 'ec2', cases: 3 }, { service_code: 's3', cases: 1 }] });
    const asObject = r.renderOverview({ by_service: { ec2: 3, s3: 1 } });
    const rows = (node) => Array.from(node.querySelectorAll('[aria-labelledby="ov-service"] tbody tr'), (tr) => tr.textContent);
    out.serviceShapes = [rows(asList), rows(asObject)];

    const cardsOf = (summary) => Array.from(r.renderOverview(summary).querySelectorAll('.card'), (c) => c.getAttribute('aria-labelledby'));
    out.tagHidden = [cardsOf({ by_tag: [{ tag: '', cases: 3, open: 1 }] }), cardsOf({ by_tag: [] }), cardsOf({ by_tag: 'x' })]
      .map((ids) => ids.includes('ov-tag'));
    const tagged = r.renderOverview({ by_tag: [{ tag: '', cases: 3, open: 0 }, { tag: xssSubject, cases: 2, open: 1 }, { tag: null, cases: 1 }] })
      .querySelector('[aria-labelledby="ov-tag"]');
    out.tagCard = {
      labelledBy: tagged.querySelector('h3').id,
      rows: Array.from(tagged.querySelectorAll('tbody th'), (th) => th.textContent),
      elements: tagged.querySelectorAll('img, script, svg').length,
    };

    const fr = r.renderFirstResponse({ high: { median_minutes: 300, breaches: 2, target_minutes: 240 }, low: { median_minutes: 30, breaches: 0, target_minutes: 1440 } });
    out.breach = Array.from(fr.querySelectorAll('tbody tr'), (tr) => [tr.dataset.severity, tr.className, tr.querySelector('td.over') !== null]);

    const tl = r.renderTimeline({ case_id: 'c', events: [{ time: '2026-01-02T00:00:00Z', status: 'resolved' }, { time: '2026-01-01T00:00:00Z', status: 'opened' }, null] });
    out.timeline = Array.from(tl.querySelectorAll('.event-main'), (e) => e.textContent);

    const chat = r.renderChatAnswer({ answer: 'x', results: { 111111111111: [{ count: 2, service: 'ec2' }] } }, { 111111111111: 'prod' });
    out.chatCounts = Array.from(chat.querySelectorAll('tbody td'), (td) => td.textContent);
    out.chatLabel = chat.querySelector('h5').firstChild.textContent;
    const mixed = r.renderChatAnswer({ answer: 'x', results: { 111111111111: [
      { service: 'cloudformation', id: 'web', state: 'ROLLBACK_COMPLETE', tags: { env: 'prod', team: xssSubject } },
      { service: 'cloudwatch', id: 'cpu', state: 'ALARM', tags: {} }] } });
    out.chatGroups = Array.from(mixed.querySelectorAll('.result-service'), (g) => [g.querySelector('h6').firstChild.textContent,
      Array.from(g.querySelectorAll('thead th'), (th) => th.textContent).join('|'), Array.from(g.querySelectorAll('tbody td'), (td) => td.textContent).join('|')]);
    out.chatGroupElements = mixed.querySelectorAll('.result-service img, .result-service b').length;

    out.pure = document.body.innerHTML === bodyBefore
      && r.renderTiles({ total: 1 }).outerHTML === r.renderTiles({ total: 1 }).outerHTML;
    return out;
  }, xss);

  assert(result.emptyTiles.length === 7 && result.emptyTiles.every((t) => t === '—'), `empty tiles: ${result.emptyTiles}`);
  assert(result.emptyCards === 9 && result.emptyCardsNoData === 9, `empty overview: ${result.emptyCards} cards, ${result.emptyCardsNoData} empty`);
  assert(result.emptyTable.includes('No cases match'), 'an empty table says nothing');
  assert(JSON.stringify(result.partialTile) === JSON.stringify([['open', '—'], ['total', '5'], ['sev-low', '—'], ['sev-normal', '—'],
    ['sev-high', '—'], ['sev-urgent', '2'], ['sev-critical', '—']]), `partial tiles: ${JSON.stringify(result.partialTile)}`);
  assert(result.hostile.subject === xss, `subject rendered as ${result.hostile.subject}`);
  assert(result.hostile.links === 0, 'a javascript: URL became a link');
  assert(result.hostile.elements === 0, 'markup in data became elements');
  assert(result.hostile.severity === '<i>x</i>', 'an unknown severity is not shown as text');
  assert(result.link.target === '_blank' && result.link.rel.includes('noopener'), `support link: ${JSON.stringify(result.link)}`);
  assert(JSON.stringify(result.serviceShapes[0]) === JSON.stringify(result.serviceShapes[1]) && result.serviceShapes[0].length === 2,
    `by_service as list and object differ: ${JSON.stringify(result.serviceShapes)}`);
  assert(JSON.stringify(result.tagHidden) === '[false,false,false]', `a label card without labels: ${JSON.stringify(result.tagHidden)}`);
  assert(result.tagCard.labelledBy === 'ov-tag' && result.tagCard.elements === 0
    && JSON.stringify(result.tagCard.rows) === JSON.stringify(['(no label)', xss, '(no label)']), `label card: ${JSON.stringify(result.tagCard)}`);
  assert(JSON.stringify(result.breach) === JSON.stringify([['low', '', false], ['high', 'breach', true]]), `breaches: ${JSON.stringify(result.breach)}`);
  assert(JSON.stringify(result.timeline) === JSON.stringify(['Opened · —', 'Resolved · —']), `timeline order: ${result.timeline}`);
  assert(JSON.stringify(result.chatCounts) === JSON.stringify(['2', 'ec2']), `count results: ${result.chatCounts}`);
  assert(result.chatLabel === 'prod (111111111111)', `account label: ${result.chatLabel}`);
  assert(JSON.stringify(result.chatGroups) === JSON.stringify([
    ['CloudFormation stacks', 'service|id|state|tags', `cloudformation|web|ROLLBACK_COMPLETE|env=prod, team=${xss}`],
    ['CloudWatch alarms', 'service|id|state|tags', 'cloudwatch|cpu|ALARM|—']]) && result.chatGroupElements === 0,
  `chat tables per service: ${JSON.stringify(result.chatGroups)}`);
  assert(result.pure, 'a renderer touched the document or answered differently for the same input');
  return { checked: Object.keys(result).length };
}

/** Every file of web/ stays small (the house limit is 300 KB before compression). */
function assetSizes() {
  const files = ['index.html', 'style.css', 'favicon.svg', 'js/app.js', 'js/api.js', 'js/auth.js', 'js/dom.js', 'js/render.js'];
  const sizes = Object.fromEntries(files.map((f) => [f, readFileSync(join(ROOT, 'web', f)).length]));
  const big = Object.entries(sizes).filter(([, n]) => n > 300 * 1024);
  assert(big.length === 0, `over 300 KB: ${JSON.stringify(big)}`);
  const total = Object.values(sizes).reduce((a, b) => a + b, 0);
  return { total_bytes: total };
}

async function main() {
  const args = parseArgs(process.argv.slice(2), ['out', 'localaws']);
  if (!args.out) throw new Error('--out DIR is required');
  mkdirSync(args.out, { recursive: true });
  const report = new Report('page-check');
  const cleanups = [];
  try {
    let endpoint = args.localaws;
    if (!endpoint) {
      const local = await startLocalAws();
      cleanups.push(local.stop);
      endpoint = local.url;
    }
    endpoint = endpoint.replace(/\/+$/, '');
    // The static server's port must be known before the client's callback URL: start it with a
    // config filled in afterwards (it reads the object at each request).
    const config = {};
    const site = await serveStatic(join(ROOT, 'web'), { extra: { '/config.json': config }, connectOrigins: [endpoint] });
    cleanups.push(site.close);
    const pool = await userPool(endpoint, site.url);
    Object.assign(config, { api_base_url: `${site.url}api`, cognito_domain: endpoint, client_id: pool.clientId,
      redirect_uri: site.url, logout_uri: site.url, region: 'us-east-1' });
    await report.check('web/ assets are small', () => assetSizes());

    const browser = await launch();
    cleanups.push(browser.close);
    const page = await browser.context.newPage();
    const seen = await checks.watch(page);
    const api = fixtureApi(pool);
    await page.route(`${site.url}api/**`, api.handle);

    await runSession(page, seen, browser.blocked, report, {
      url: site.url, user: USER, password: PASSWORD, out: args.out, question: 'which support cases are open',
      xssSubject: checks.XSS_SUBJECT,
      extra: async () => {
        await report.check('chat shows results per account, failed accounts and notes as text', () => chatShowsEverything(page));
        await report.check('every API call carried a verified id token', async () => {
          assert(api.state.verified > 0 && api.state.rejected === 0, `verified ${api.state.verified}, rejected ${api.state.rejected}`);
          return { verified: api.state.verified };
        });
        await report.check('cases by account label beside the OUs', () => byTagBesideOu(page));
        await report.check('next and previous page', () => paging(page, api));
        await report.check('an API error is shown in the live region', () => apiErrorShown(page, api));
        await report.check('axe: the timeline dialog', () => timelineAxe(page));
        await report.check('a 401 sends the user back through sign-in', () => unauthorizedSignsInAgain(page, seen, api));
      },
    });
    const renderPage = await browser.context.newPage();
    await report.check('pure renderers: missing keys, hostile data, both distribution shapes, the label card', () => pureRenderers(renderPage, site.url));
    report.finish({ console: site.url, localaws: endpoint, screenshots: args.out, api_calls: api.state.calls.length });
  } catch (err) {
    await report.check('setup', () => { throw err; });
    report.finish();
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  }
}

main().catch((err) => {
  process.stderr.write(`page-check.mjs: ${err.stack || err}\n`);
  process.exitCode = 2;
});
