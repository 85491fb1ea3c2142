// Pure rendering: API JSON in, DOM out. No fetching, no state, no event listeners; app.js wires
// behaviour through data-* attributes. Missing or malformed fields show as "—".

import { DASH, daysSince, entriesOf, fmtDays, fmtMinutes, fmtNum, fmtTime, h, isNum, s, text } from './dom.js';

/** AWS Support's severity codes, mildest first, with the names AWS shows. */
export const SEVERITIES = [
  ['low', 'General guidance'],
  ['normal', 'System impaired'],
  ['high', 'Production system impaired'],
  ['urgent', 'Production system down'],
  ['critical', 'Business-critical system down'],
];
const SEVERITY_NAME = Object.fromEntries(SEVERITIES);

/** AWS Support's case statuses. */
export const STATUSES = [
  ['opened', 'Opened'],
  ['unassigned', 'Unassigned'],
  ['work-in-progress', 'Work in progress'],
  ['pending-customer-action', 'Pending customer action'],
  ['reopened', 'Reopened'],
  ['resolved', 'Resolved'],
];
const STATUS_NAME = Object.fromEntries(STATUSES);

export function severityName(code) {
  return SEVERITY_NAME[code] || text(code);
}

export function statusName(code) {
  return STATUS_NAME[code] || text(code);
}

function severityBadge(code) {
  const known = code in SEVERITY_NAME;
  return h('span', { class: ['badge', known && `sev-${code}`], title: known ? code : null }, severityName(code));
}

function section(title, id, ...body) {
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h3', { id }, title), ...body);
}

function empty(message = 'No data.') {
  return h('p', { class: 'muted' }, message);
}

// --- overview ---------------------------------------------------------------------------------

/** The KPI tiles: open, total, and one per severity. */
export function renderTiles(summary) {
  const sum = summary || {};
  const bySeverity = sum.by_severity && typeof sum.by_severity === 'object' ? sum.by_severity : {};
  const tile = (key, label, value, hint) =>
    h('li', { class: ['tile', key.startsWith('sev-') && key], 'data-tile': key },
      h('span', { class: 'tile-label' }, label),
      h('span', { class: 'tile-value' }, fmtNum(value)),
      hint ? h('span', { class: 'tile-hint' }, hint) : null);
  return h('ul', { class: 'tiles', 'aria-label': 'Case counts' },
    tile('open', 'Open cases', sum.open),
    tile('total', 'All cases', sum.total),
    SEVERITIES.map(([code, name]) => {
      const v = bySeverity[code];
      // A severity may come as a number or as {cases, open}.
      const count = v && typeof v === 'object' ? (v.cases ?? v.count) : v;
      return tile(`sev-${code}`, name, count, code);
    }));
}

/**
 * A horizontal bar chart as a table (names, bars, counts), so it reads as data to everyone.
 * entries: [{label, value, note?, sub?}].
 */
export function renderBars(entries, { caption, labelHeader = 'Name', valueHeader = 'Cases', limit = 12, keepOrder = false } = {}) {
  const rows = entries.filter((e) => isNum(e.value));
  // Ordered scales (severity, status, age, days) keep their order; the rest go largest first.
  if (!keepOrder) rows.sort((a, b) => b.value - a.value);
  if (rows.length === 0) return empty();
  const shown = rows.slice(0, limit);
  const max = Math.max(...shown.map((e) => e.value), 1);
  const table = h('table', { class: 'bars' },
    caption ? h('caption', { class: 'visually-hidden' }, caption) : null,
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, labelHeader),
      h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Share')),
      h('th', { scope: 'col', class: 'n' }, valueHeader))),
    h('tbody', {}, shown.map((e) => {
      const bar = h('span', { class: 'bar' });
      // CSSOM, not a style attribute: the page's CSP forbids inline styles.
      bar.style.width = `${(100 * e.value) / max}%`;
      return h('tr', {},
        h('th', { scope: 'row' }, e.label, e.sub ? h('span', { class: 'sub' }, e.sub) : null),
        h('td', { class: 'bar-cell', 'aria-hidden': 'true' }, bar),
        h('td', { class: 'n' }, fmtNum(e.value), e.note ? h('span', { class: 'sub' }, e.note) : null));
    })));
  if (rows.length > shown.length) {
    return h('div', {}, table, h('p', { class: 'muted' }, `${rows.length - shown.length} more not shown.`));
  }
  return table;
}

export function renderByAccount(list) {
  const entries = (Array.isArray(list) ? list : []).map((a) => ({
    label: text(a && (a.account_name || a.account_id)),
    sub: a && a.account_name ? text(a.account_id) : null,
    value: a && a.cases,
    note: a && isNum(a.open) ? `${fmtNum(a.open)} open` : null,
  }));
  return renderBars(entries, { caption: 'Cases by account', labelHeader: 'Account' });
}

/** How the chart names the accounts without a label (the API's `tag: ""`). */
export const NO_LABEL = '(no label)';

/**
 * Cases by the accounts' label (by_tag: [{tag, cases, open}], the inventory's tag column), or null
 * when no account has a label: the inventory was written without a tag key, and one bar of
 * "(no label)" would say nothing.
 */
export function renderByTag(list) {
  const rows = (Array.isArray(list) ? list : []).filter((t) => t && typeof t === 'object');
  const unlabelled = (t) => t.tag === '' || t.tag === null || t.tag === undefined;
  if (!rows.some((t) => !unlabelled(t))) return null;
  const entries = rows.map((t) => ({
    label: unlabelled(t) ? h('span', { class: 'muted' }, NO_LABEL) : text(t.tag),
    value: t.cases,
    note: isNum(t.open) ? `${fmtNum(t.open)} open` : null,
  }));
  return renderBars(entries, { caption: 'Cases by account label', labelHeader: 'Label' });
}

export function renderLongRunning(longRunning) {
  const lr = longRunning || {};
  const byAge = entriesOf(Array.isArray(lr) ? [] : (lr.by_age ?? lr.buckets ?? lr.age_buckets),
    ['bucket', 'age', 'label', 'name'], ['count', 'cases', 'open']);
  const oldest = Array.isArray(lr) ? lr : Array.isArray(lr.oldest) ? lr.oldest : [];
  const parts = [];
  if (byAge.length) {
    // Age buckets keep the API's order (youngest to oldest), not sorted by count.
    const max = Math.max(...byAge.map((e) => (isNum(e.value) ? e.value : 0)), 1);
    parts.push(h('table', { class: 'bars' },
      h('caption', { class: 'visually-hidden' }, 'Open cases by age'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Age'),
        h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Share')),
        h('th', { scope: 'col', class: 'n' }, 'Open'))),
      h('tbody', {}, byAge.map((e) => {
        const bar = h('span', { class: 'bar' });
        bar.style.width = `${(100 * (isNum(e.value) ? e.value : 0)) / max}%`;
        return h('tr', {}, h('th', { scope: 'row' }, e.label), h('td', { class: 'bar-cell', 'aria-hidden': 'true' }, bar),
          h('td', { class: 'n' }, fmtNum(e.value)));
      }))));
  }
  if (oldest.length) {
    parts.push(h('h4', {}, 'Oldest open cases'),
      h('ol', { class: 'oldest' }, oldest.slice(0, 10).map((c) => {
        const age = isNum(c.age_days) ? c.age_days : daysSince(c.time_created);
        return h('li', {},
          h('button', { type: 'button', class: 'link', 'data-case-id': text(c.case_id) }, text(c.subject)),
          h('span', { class: 'sub' },
            `${fmtDays(age)} · ${text(c.display_id)} · `, severityName(severityOf(c)), ` · ${text(c.account_name || c.account_id)}`));
      })));
  }
  return parts.length ? h('div', {}, parts) : empty('No open cases.');
}

export function renderFirstResponse(firstResponse) {
  const fr = firstResponse && typeof firstResponse === 'object' ? firstResponse : {};
  const known = SEVERITIES.filter(([code]) => fr[code]);
  if (known.length === 0) return empty();
  return h('table', { class: 'data' },
    h('caption', { class: 'visually-hidden' }, 'First response by severity'),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, 'Severity'),
      h('th', { scope: 'col', class: 'n' }, 'Target'),
      h('th', { scope: 'col', class: 'n' }, 'Median'),
      h('th', { scope: 'col', class: 'n' }, 'Breaches'))),
    h('tbody', {}, known.map(([code]) => {
      const row = fr[code] || {};
      const breached = isNum(row.breaches) && row.breaches > 0;
      const slow = isNum(row.median_minutes) && isNum(row.target_minutes) && row.median_minutes > row.target_minutes;
      return h('tr', { class: breached ? 'breach' : null, 'data-severity': code },
        h('th', { scope: 'row' }, severityName(code), h('span', { class: 'sub' }, code)),
        h('td', { class: 'n' }, fmtMinutes(row.target_minutes)),
        h('td', { class: ['n', slow && 'over'] }, fmtMinutes(row.median_minutes), slow ? h('span', { class: 'visually-hidden' }, ' (over target)') : null),
        h('td', { class: 'n' }, breached ? h('strong', {}, `⚠ ${fmtNum(row.breaches)}`) : fmtNum(row.breaches)));
    })));
}

/** Opened and resolved per week as paired columns in SVG, with the numbers in a table beside. */
export function renderWeekly(weekly) {
  const weeks = (Array.isArray(weekly) ? weekly : []).filter((w) => w && typeof w === 'object');
  if (weeks.length === 0) return empty();
  const recent = weeks.slice(-26);
  const max = Math.max(1, ...recent.flatMap((w) => [w.opened, w.resolved].filter(isNum)));
  const W = 800, H = 170, pad = 24, slot = (W - pad) / recent.length, bw = Math.max(1, slot / 2 - 1);
  const y = (v) => H - pad - ((H - 2 * pad) * (isNum(v) ? v : 0)) / max;
  const opened = recent.reduce((n, w) => n + (isNum(w.opened) ? w.opened : 0), 0);
  const resolved = recent.reduce((n, w) => n + (isNum(w.resolved) ? w.resolved : 0), 0);
  const label = `Weekly trend over ${recent.length} weeks: ${fmtNum(opened)} opened, ${fmtNum(resolved)} resolved.`;
  const chart = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label, class: 'weekly' },
    s('title', {}, label),
    s('line', { x1: pad, x2: W, y1: H - pad, y2: H - pad, class: 'axis' }),
    s('text', { x: 0, y: pad, class: 'tick' }, fmtNum(max)),
    s('text', { x: 0, y: H - pad, class: 'tick' }, '0'),
    recent.map((w, i) => {
      const x = pad + i * slot;
      return s('g', {},
        s('rect', { x, y: y(w.opened), width: bw, height: H - pad - y(w.opened), class: 'opened' }),
        s('rect', { x: x + bw + 1, y: y(w.resolved), width: bw, height: H - pad - y(w.resolved), class: 'resolved' }));
    }),
    s('text', { x: pad, y: H - 6, class: 'tick' }, text(recent[0].week)),
    s('text', { x: W, y: H - 6, class: 'tick', 'text-anchor': 'end' }, text(recent[recent.length - 1].week)));
  return h('div', {},
    h('p', { class: 'legend' }, h('span', { class: 'key opened' }), 'Opened ', h('span', { class: 'key resolved' }), 'Resolved'),
    chart,
    h('details', {}, h('summary', {}, 'Weekly numbers'),
      h('table', { class: 'data' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Week'), h('th', { scope: 'col', class: 'n' }, 'Opened'),
          h('th', { scope: 'col', class: 'n' }, 'Resolved'))),
        h('tbody', {}, recent.map((w) => h('tr', {}, h('th', { scope: 'row' }, text(w.week)),
          h('td', { class: 'n' }, fmtNum(w.opened)), h('td', { class: 'n' }, fmtNum(w.resolved))))))));
}

/** Every chart of the overview, as one fragment of cards. */
export function renderOverview(summary) {
  const sum = summary || {};
  const rank = (order, label) => {
    const i = order.findIndex(([code]) => code === label);
    return i < 0 ? order.length : i;
  };
  const sev = entriesOf(sum.by_severity, ['severity'], ['cases', 'count'])
    .sort((a, b) => rank(SEVERITIES, a.label) - rank(SEVERITIES, b.label))
    .map((e) => ({ ...e, label: severityName(e.label) }));
  const status = entriesOf(sum.by_status, ['status'], ['cases', 'count'])
    .sort((a, b) => rank(STATUSES, a.label) - rank(STATUSES, b.label))
    .map((e) => ({ ...e, label: statusName(e.label) }));
  const service = entriesOf(sum.by_service, ['service_code', 'service', 'name'], ['cases', 'count']);
  const ou = entriesOf(sum.by_ou, ['ou_path', 'ou', 'path', 'name'], ['cases', 'count']);
  const byTag = renderByTag(sum.by_tag);
  // Either {buckets: [...], median_days, resolved} or the distribution itself.
  const rd = sum.resolution_days;
  const resolution = entriesOf(rd && Array.isArray(rd.buckets) ? rd.buckets : rd, ['label', 'bucket', 'days', 'name'], ['cases', 'count']);
  const resolvedNote = rd && (isNum(rd.median_days) || isNum(rd.resolved))
    ? h('p', { class: 'muted' }, `${fmtNum(rd.resolved)} resolved, median ${isNum(rd.median_days) ? `${rd.median_days.toFixed(1)} days` : DASH}.`)
    : null;
  return h('div', { class: 'cards' },
    section('By account', 'ov-account', renderByAccount(sum.by_account)),
    section('By severity', 'ov-severity', renderBars(sev, { caption: 'Cases by severity', labelHeader: 'Severity', keepOrder: true })),
    section('By status', 'ov-status', renderBars(status, { caption: 'Cases by status', labelHeader: 'Status', keepOrder: true })),
    section('By service', 'ov-service', renderBars(service, { caption: 'Cases by service', labelHeader: 'Service' })),
    section('By organizational unit', 'ov-ou', renderBars(ou, { caption: 'Cases by OU', labelHeader: 'OU' })),
    byTag ? section('By account label', 'ov-tag', byTag) : null,
    section('Long-running open cases', 'ov-long', renderLongRunning(sum.long_running)),
    section('First response', 'ov-first', renderFirstResponse(sum.first_response)),
    section('Days to resolve', 'ov-resolution', resolvedNote, resolution.length
      ? renderBars(resolution, { caption: 'Resolved cases by days to resolve', labelHeader: 'Days', limit: 20, keepOrder: true })
      : empty()),
    section('Weekly trend', 'ov-weekly', renderWeekly(sum.weekly)));
}

// --- cases --------------------------------------------------------------------------------------

/** Columns of the cases table: key, header, the API's sort field (null: the API does not sort by it). */
export const CASE_COLUMNS = [
  ['display_id', 'Case', 'display_id'],
  ['subject', 'Subject', 'subject'],
  ['severity', 'Severity', 'severity_code'],
  ['status', 'Status', 'status'],
  ['service_code', 'Service', 'service_code'],
  ['account_name', 'Account', 'account_name'],
  ['ou_path', 'OU', null],
  ['submitted_by', 'Submitted by', 'submitted_by'],
  ['time_created', 'Opened (UTC)', 'time_created'],
  ['first_response_time', 'First response (UTC)', null],
];

/** A row's severity code and link, under either name the API may use. */
const severityOf = (row) => row.severity ?? row.severity_code;
const linkOf = (row) => row.support_url ?? row.console_url;

/** Only http(s) links from data are followed; anything else is shown as text. */
export function safeUrl(v) {
  try {
    const u = new URL(String(v));
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
  } catch {
    return null;
  }
}

/**
 * The cases table. sort: {field, order: 'asc'|'desc'}. Header buttons carry data-sort; subject
 * buttons data-case-id.
 */
export function renderCasesTable(response, sort = { field: 'time_created', order: 'desc' }) {
  const cases = Array.isArray(response && response.cases) ? response.cases : [];
  const head = h('tr', {}, CASE_COLUMNS.map(([, label, key]) => {
    if (!key) return h('th', { scope: 'col', class: 'plain' }, label);
    const active = sort && sort.field === key;
    const ariaSort = active ? (sort.order === 'asc' ? 'ascending' : 'descending') : null;
    const next = active && sort.order === 'desc' ? 'asc' : 'desc';
    return h('th', { scope: 'col', 'aria-sort': ariaSort },
      h('button', { type: 'button', class: 'sort', 'data-sort': key, 'data-order': next },
        label, h('span', { class: 'arrow', 'aria-hidden': 'true' }, active ? (sort.order === 'asc' ? ' ▲' : ' ▼') : ' ↕')));
  }));
  const rows = cases.map((c) => {
    const row = c && typeof c === 'object' ? c : {};
    const url = safeUrl(linkOf(row));
    return h('tr', { 'data-case-row': text(row.case_id) },
      h('td', {}, url
        ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, text(row.display_id || row.case_id),
          h('span', { class: 'visually-hidden' }, ' (opens AWS Support in a new tab)'))
        : text(row.display_id || row.case_id)),
      h('td', { class: 'subject' }, h('button', { type: 'button', class: 'link', 'data-case-id': text(row.case_id) },
        text(row.subject), h('span', { class: 'visually-hidden' }, ' — show timeline'))),
      h('td', {}, severityBadge(severityOf(row))),
      h('td', {}, statusName(row.status)),
      h('td', {}, text(row.service_code)),
      h('td', {}, text(row.account_name || row.account_id), row.account_name ? h('span', { class: 'sub' }, text(row.account_id)) : null),
      h('td', {}, text(row.ou_path)),
      h('td', { class: 'wrap' }, text(row.submitted_by)),
      h('td', { class: 'nowrap' }, fmtTime(row.time_created, { zone: false })),
      h('td', { class: 'nowrap' }, fmtTime(row.first_response_time, { zone: false })));
  });
  return h('table', { class: 'data cases' },
    h('caption', { class: 'visually-hidden' }, 'Support cases; column headers sort'),
    h('thead', {}, head),
    h('tbody', {}, rows.length ? rows
      : h('tr', {}, h('td', { colspan: CASE_COLUMNS.length, class: 'muted' }, 'No cases match these filters.'))));
}

/** One case's events, oldest first, as a list: {case, timeline} or {case_id, events}. */
export function renderTimeline(detail) {
  const d = detail || {};
  const info = d.case && typeof d.case === 'object' ? d.case : d;
  const list = Array.isArray(d.timeline) ? d.timeline : Array.isArray(d.events) ? d.events : [];
  const events = list.filter((e) => e && typeof e === 'object');
  const shown = new Set(['time', 'status', 'severity', 'severity_code', 'changes', 'event_id']);
  const items = events
    .slice()
    .sort((a, b) => String(a.time).localeCompare(String(b.time)))
    .map((e) => {
      const changes = (Array.isArray(e.changes) ? e.changes : []).filter((c) => c && typeof c === 'object');
      const more = Object.entries(e).filter(([k, v]) => !shown.has(k) && v !== null && v !== '');
      return h('li', {},
        h('time', { datetime: typeof e.time === 'string' ? e.time : null }, fmtTime(e.time)),
        h('span', { class: 'event-main' }, statusName(e.status), ' · ', severityBadge(severityOf(e))),
        changes.length ? h('ul', { class: 'changes' }, changes.map((c) =>
          h('li', {}, `${text(c.field).replace(/_/g, ' ')}: ${text(c.from)} → ${text(c.to)}`))) : null,
        more.length ? h('dl', { class: 'event-more' }, more.map(([k, v]) => [h('dt', {}, k.replace(/_/g, ' ')), h('dd', {}, text(v))])) : null);
    });
  const subject = info.subject ? [' · ', text(info.subject)] : [];
  return h('div', {},
    h('p', { class: 'muted' }, `Case ${text(info.display_id || info.case_id)}`, ...subject),
    items.length ? h('ol', { class: 'timeline' }, items) : empty('No events recorded for this case.'));
}

// --- chat ---------------------------------------------------------------------------------------

/** What the chat calls a service's items, as its answer's `service` names them. */
const SERVICE_ITEMS = {
  ec2: 'EC2 instances', s3: 'S3 buckets', rds: 'RDS DB instances', lambda: 'Lambda functions',
  iam: 'IAM roles and users', support: 'Support cases', cloudformation: 'CloudFormation stacks',
  elb: 'Load balancers', autoscaling: 'Auto Scaling groups', cloudwatch: 'CloudWatch alarms',
  route53: 'Route 53 hosted zones', config: 'AWS Config rules', cost: 'Spend',
};

/** A cell: tags ({key: value}) as "key=value, …", anything else as text. */
function cell(v) {
  if (v && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string')) {
    const pairs = Object.entries(v).map(([k, x]) => `${k}=${x}`);
    return pairs.length ? pairs.join(', ') : DASH;
  }
  return text(v);
}

function itemsTable(items, caption) {
  const rows = items.filter((i) => i && typeof i === 'object' && !Array.isArray(i));
  const columns = [];
  for (const row of rows) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  return h('table', { class: 'data' },
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c.replace(/_/g, ' '))))),
    h('tbody', {}, rows.map((row) => h('tr', {}, columns.map((c) => h('td', {}, cell(row[c])))))));
}

/** One account's items: a table per service, so each has its own columns. */
function accountTables(list, label) {
  const groups = new Map();
  for (const item of list) {
    const service = item && typeof item.service === 'string' ? item.service : '';
    if (!groups.has(service)) groups.set(service, []);
    groups.get(service).push(item);
  }
  if (groups.size < 2) return [itemsTable(list, label)];
  return Array.from(groups, ([service, items]) => {
    const name = SERVICE_ITEMS[service] || service || 'Other';
    return h('div', { class: 'result-service' },
      h('h6', {}, name, h('span', { class: 'sub' }, ` ${fmtNum(items.length)}`)),
      itemsTable(items, `${name} of ${label}`));
  });
}

/** POST /query's answer. accountNames: {account_id: name} to label results. */
export function renderChatAnswer(response, accountNames = {}) {
  const r = response || {};
  const nameOf = (id) => (accountNames[id] ? `${accountNames[id]} (${id})` : text(id));
  const parts = [h('p', { class: 'answer' }, text(r.answer))];
  const tally = r.accounts || {};
  if (isNum(tally.queried)) {
    parts.push(h('p', { class: 'muted' },
      `${fmtNum(tally.queried)} accounts read, ${fmtNum(tally.with_results)} with results, ${fmtNum(tally.failed)} failed.`));
  }
  const notes = Array.isArray(r.notes) ? r.notes : [];
  if (notes.length) parts.push(h('ul', { class: 'notes', 'aria-label': 'Notes' }, notes.map((n) => h('li', {}, text(n)))));
  const warnings = Array.isArray(r.warnings) ? r.warnings : [];
  if (warnings.length) parts.push(h('ul', { class: 'warnings', 'aria-label': 'Warnings' }, warnings.map((w) => h('li', {}, text(w)))));
  const results = r.results && typeof r.results === 'object' ? Object.entries(r.results) : [];
  if (results.length) {
    parts.push(h('h4', {}, 'Results per account'));
    for (const [account, value] of results) {
      const list = Array.isArray(value) ? value : [];
      // Focusable, so a keyboard can scroll a wide table.
      parts.push(h('section', { class: 'result', tabindex: '0', 'aria-label': `Results of ${nameOf(account)}` },
        h('h5', {}, nameOf(account), h('span', { class: 'sub' }, `${fmtNum(list.length)} ${list.length === 1 ? 'row' : 'rows'}`)),
        ...(list.length ? accountTables(list, `Results of ${nameOf(account)}`) : [empty('Nothing found.')])));
    }
  }
  if (r.truncated) parts.push(h('p', { class: 'muted' }, 'The list was cut short; ask a narrower question for the rest.'));
  const errors = Array.isArray(r.account_errors) ? r.account_errors : [];
  if (errors.length) {
    parts.push(h('h4', {}, `Accounts that failed (${errors.length})`),
      h('ul', { class: 'account-errors' }, errors.map((e) => h('li', {},
        h('strong', {}, nameOf(e && e.account_id)), e && e.service ? ` (${text(e.service)})` : '', ': ', text(e && e.message)))));
  }
  return h('div', { class: 'chat-answer' }, parts);
}

/** GET /history's items as buttons that ask again (data-query). */
export function renderHistory(response) {
  const items = Array.isArray(response && response.items) ? response.items : [];
  if (items.length === 0) return empty('No questions yet.');
  return h('ol', { class: 'history' }, items.map((i) => h('li', {},
    h('button', { type: 'button', class: 'link', 'data-query': text(i && i.query) }, text(i && i.query)),
    h('span', { class: 'sub' }, `${fmtTime(i && (i.time || i.timestamp))} · ${fmtNum(i && i.result_count)} results`))));
}

/** Account names by id from a summary's by_account. */
export function accountNames(summary) {
  const out = {};
  for (const a of Array.isArray(summary && summary.by_account) ? summary.by_account : []) {
    if (a && a.account_id && a.account_name) out[a.account_id] = String(a.account_name);
  }
  return out;
}

export { DASH };
