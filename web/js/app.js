// The console: configuration, sign-in, and wiring the filters, overview, cases, timeline and
// chat to the API. Rendering is render.js's (pure); this file owns state and events.

import { Api, ApiError } from './api.js';
import { beginSignIn, completeSignIn, idToken, justSignedOut, signOut, userLabel } from './auth.js';
import {
  SEVERITIES, STATUSES, accountNames, renderCasesTable, renderChatAnswer, renderHistory, renderOverview,
  renderTiles, renderTimeline,
} from './render.js';
import { entriesOf, fmtTime, h } from './dom.js';

const $ = (id) => document.getElementById(id);

const state = {
  config: null,
  api: null,
  filters: {},
  sort: { field: 'time_created', order: 'desc' },
  pages: [null], // page tokens: pages[i] fetches page i+1
  page: 0,
  names: {},
  seq: { summary: 0, cases: 0, chat: 0, timeline: 0 },
  reauthenticating: false,
};

function setStatus(id, message, kind = 'info') {
  const el = $(id);
  el.textContent = kind === 'error' && message ? `Error: ${message}` : message || '';
  el.dataset.kind = kind;
}

function replace(id, node) {
  $(id).replaceChildren(node);
}

// --- sign-in ------------------------------------------------------------------------------------

async function loadConfig() {
  const response = await fetch('config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`config.json answered ${response.status}`);
  const config = await response.json();
  for (const key of ['api_base_url', 'cognito_domain', 'client_id', 'redirect_uri', 'logout_uri']) {
    if (!config[key]) throw new Error(`config.json has no ${key}`);
  }
  return config;
}

function showSignIn(message, offerButton, kind = 'info') {
  $('app').hidden = true;
  $('user-box').hidden = true;
  $('sections').hidden = true;
  $('signin').hidden = false;
  setStatus('signin-message', message, kind);
  $('sign-in').hidden = !offerButton;
  if (offerButton) $('sign-in').focus();
}

function signInAgain() {
  if (state.reauthenticating) return;
  state.reauthenticating = true;
  showSignIn('Your sign-in has expired; signing in again…', false);
  beginSignIn(state.config);
}

async function start() {
  $('sign-in').addEventListener('click', () => beginSignIn(state.config));
  $('sign-out').addEventListener('click', () => signOut(state.config));
  try {
    state.config = await loadConfig();
  } catch (err) {
    showSignIn(`The console is not configured: ${err.message}.`, false, 'error');
    return;
  }
  let signedIn = false;
  try {
    signedIn = await completeSignIn(state.config);
  } catch (err) {
    showSignIn(err.message, true, 'error');
    return;
  }
  if (!signedIn) {
    if (justSignedOut()) showSignIn('You are signed out.', true);
    else {
      showSignIn('Signing in…', false);
      await beginSignIn(state.config);
    }
    return;
  }
  state.api = new Api(state.config.api_base_url, idToken, signInAgain);
  $('signin').hidden = true;
  $('app').hidden = false;
  $('sections').hidden = false;
  $('user-box').hidden = false;
  $('user-name').textContent = userLabel();
  wire();
  refresh();
  loadHistory();
}

// --- filters, overview and cases ----------------------------------------------------------------

function fillFixedOptions() {
  for (const [code, name] of SEVERITIES) $('f-severity').append(h('option', { value: code }, name));
  for (const [code, name] of STATUSES) $('f-status').append(h('option', { value: code }, name));
}

/** Adds options seen in a summary to a select; never removes one, so a filter stays selectable. */
function growOptions(select, entries) {
  const have = new Set(Array.from(select.options, (o) => o.value));
  for (const { value, label } of entries) {
    if (!value || have.has(value)) continue;
    have.add(value);
    select.append(h('option', { value }, label));
  }
}

function learnOptions(summary) {
  const accounts = Array.isArray(summary.by_account) ? summary.by_account : [];
  growOptions($('f-account'), accounts.filter((a) => a && a.account_id).map((a) => ({
    value: String(a.account_id), label: a.account_name ? `${a.account_name} (${a.account_id})` : String(a.account_id),
  })));
  const named = (value, keys) => entriesOf(value, keys).filter((e) => e.label !== '—').map((e) => ({ value: e.label, label: e.label }));
  growOptions($('f-ou'), named(summary.by_ou, ['ou_path', 'ou', 'path', 'name']));
  growOptions($('f-service'), named(summary.by_service, ['service_code', 'service', 'name']));
  Object.assign(state.names, accountNames(summary));
}

function readFilters() {
  const data = new FormData($('filters'));
  const filters = {};
  for (const [k, v] of data.entries()) if (String(v).trim()) filters[k] = String(v).trim();
  return filters;
}

async function loadSummary() {
  const seq = ++state.seq.summary;
  setStatus('overview-status', 'Loading…');
  $('overview').setAttribute('aria-busy', 'true');
  try {
    const summary = await state.api.summary(state.filters);
    if (seq !== state.seq.summary) return;
    learnOptions(summary);
    replace('tiles', renderTiles(summary));
    replace('charts', renderOverview(summary));
    setStatus('overview-status', `Updated ${new Date().toLocaleTimeString('en-GB')}${summary.as_of ? ` · data as of ${fmtTime(summary.as_of)}` : ''}`);
  } catch (err) {
    if (seq !== state.seq.summary) return;
    setStatus('overview-status', err.message, 'error');
  } finally {
    if (seq === state.seq.summary) $('overview').removeAttribute('aria-busy');
  }
}

async function loadCases() {
  const seq = ++state.seq.cases;
  setStatus('cases-status', 'Loading…');
  $('cases').setAttribute('aria-busy', 'true');
  $('next-page').disabled = true;
  $('prev-page').disabled = true;
  try {
    const response = await state.api.cases(state.filters, state.sort, state.pages[state.page]);
    if (seq !== state.seq.cases) return;
    replace('cases-table', renderCasesTable(response, state.sort));
    const next = response.next_page_token;
    state.pages.length = state.page + 1;
    if (next) state.pages.push(next);
    $('next-page').disabled = !next;
    $('prev-page').disabled = state.page === 0;
    $('page-label').textContent = `Page ${state.page + 1}`;
    const count = Array.isArray(response.cases) ? response.cases.length : 0;
    const of = Number.isInteger(response.total) ? ` of ${response.total}` : '';
    setStatus('cases-status', `${count} case${count === 1 ? '' : 's'} on this page${of}`);
  } catch (err) {
    if (seq !== state.seq.cases) return;
    setStatus('cases-status', err.message, 'error');
    $('prev-page').disabled = state.page === 0;
  } finally {
    if (seq === state.seq.cases) $('cases').removeAttribute('aria-busy');
  }
}

function refresh() {
  state.pages = [null];
  state.page = 0;
  loadSummary();
  loadCases();
}

// --- timeline -----------------------------------------------------------------------------------

let returnFocus = null;

async function openTimeline(caseId, opener) {
  const dialog = $('timeline');
  returnFocus = opener;
  $('timeline-body').replaceChildren();
  setStatus('timeline-status', 'Loading…');
  if (!dialog.open) dialog.showModal();
  $('timeline-close').focus();
  const seq = ++state.seq.timeline;
  try {
    const detail = await state.api.timeline(caseId);
    if (seq !== state.seq.timeline) return;
    replace('timeline-body', renderTimeline(detail));
    setStatus('timeline-status', '');
  } catch (err) {
    if (seq !== state.seq.timeline) return;
    setStatus('timeline-status', err.message, 'error');
  }
}

// --- chat ---------------------------------------------------------------------------------------

async function ask(query) {
  const seq = ++state.seq.chat;
  setStatus('chat-status', 'Asking every account… this can take a few seconds.');
  $('ask').setAttribute('aria-busy', 'true');
  try {
    const answer = await state.api.ask(query);
    if (seq !== state.seq.chat) return;
    replace('chat-answer', renderChatAnswer(answer, state.names));
    setStatus('chat-status', 'Answered.');
    loadHistory();
  } catch (err) {
    if (seq !== state.seq.chat) return;
    setStatus('chat-status', err.message, 'error');
  } finally {
    if (seq === state.seq.chat) $('ask').removeAttribute('aria-busy');
  }
}

async function loadHistory() {
  try {
    replace('history', renderHistory(await state.api.history()));
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
    replace('history', h('p', { class: 'status', 'data-kind': 'error' }, `Error: the history could not be loaded: ${err.message}`));
  }
}

// --- events -------------------------------------------------------------------------------------

function wire() {
  fillFixedOptions();
  $('filters').addEventListener('submit', (event) => {
    event.preventDefault();
    state.filters = readFilters();
    refresh();
  });
  $('filters').addEventListener('reset', () => {
    // After the browser has cleared the fields.
    setTimeout(() => {
      state.filters = {};
      refresh();
    });
  });
  $('cases-table').addEventListener('click', (event) => {
    const sort = event.target.closest('button[data-sort]');
    if (sort) {
      state.sort = { field: sort.dataset.sort, order: sort.dataset.order };
      state.pages = [null];
      state.page = 0;
      loadCases().then(() => {
        const again = $('cases-table').querySelector(`button[data-sort="${CSS.escape(state.sort.field)}"]`);
        if (again) again.focus();
      });
    }
  });
  // Subject and oldest-case buttons open the timeline, wherever they are.
  $('app').addEventListener('click', (event) => {
    const opener = event.target.closest('button[data-case-id]');
    if (opener) openTimeline(opener.dataset.caseId, opener);
  });
  $('next-page').addEventListener('click', () => {
    if (state.page + 1 < state.pages.length) {
      state.page += 1;
      loadCases();
    }
  });
  $('prev-page').addEventListener('click', () => {
    if (state.page > 0) {
      state.page -= 1;
      loadCases();
    }
  });
  $('timeline-close').addEventListener('click', () => $('timeline').close());
  $('timeline').addEventListener('close', () => {
    if (returnFocus && returnFocus.isConnected) returnFocus.focus();
    returnFocus = null;
  });
  // A click on the backdrop (outside the dialog's box) closes it too.
  $('timeline').addEventListener('click', (event) => {
    if (event.target === $('timeline')) {
      const r = $('timeline').getBoundingClientRect();
      const inside = event.clientX >= r.left && event.clientX <= r.right && event.clientY >= r.top && event.clientY <= r.bottom;
      if (!inside) $('timeline').close();
    }
  });
  $('chat-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const query = $('question').value.trim();
    if (query) ask(query);
  });
  $('history').addEventListener('click', (event) => {
    const again = event.target.closest('button[data-query]');
    if (again) {
      $('question').value = again.dataset.query;
      $('question').focus();
    }
  });
}

start().catch((err) => showSignIn(`The console failed to start: ${err.message}`, true, 'error'));
