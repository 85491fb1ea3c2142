// The console's API client: every call carries the id token; a 401 hands over to sign-in.

const TIMEOUT_MS = 30000;

/** Query parameters of the case filters, the same for /cases/summary and /cases. */
export const FILTER_PARAMS = ['from', 'to', 'account_id', 'ou', 'severity', 'service', 'status', 'submitter', 'q'];

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

/** The query string of a filter object, keeping only known, non-empty filters, in a fixed order. */
export function filterQuery(filters, extra = {}) {
  const q = new URLSearchParams();
  for (const name of FILTER_PARAMS) {
    const v = filters && filters[name];
    if (v !== undefined && v !== null && String(v).trim() !== '') q.set(name, String(v).trim());
  }
  for (const [k, v] of Object.entries(extra)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const text = q.toString();
  return text ? `?${text}` : '';
}

export class Api {
  /**
   * base: the API's URL; token(): the id token or null; onUnauthorized(): called on a 401 (or
   * when no token is left), to sign in again.
   */
  constructor(base, token, onUnauthorized) {
    this.base = String(base).replace(/\/+$/, '');
    this.token = token;
    this.onUnauthorized = onUnauthorized;
  }

  async request(method, path, body) {
    const token = this.token();
    if (!token) {
      this.onUnauthorized();
      throw new ApiError('Your sign-in has expired; signing in again…', 401);
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
    let response;
    try {
      response = await fetch(this.base + path, {
        method,
        headers: {
          Authorization: `Bearer ${token}`,
          Accept: 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: controller.signal,
      });
    } catch (err) {
      throw new ApiError(controller.signal.aborted
        ? `The API did not answer within ${TIMEOUT_MS / 1000} s.`
        : `The API could not be reached (${err.message}).`, 0);
    } finally {
      clearTimeout(timer);
    }
    if (response.status === 401) {
      this.onUnauthorized();
      throw new ApiError('Your sign-in has expired; signing in again…', 401);
    }
    const data = await response.json().catch(() => null);
    if (!response.ok) {
      const detail = data && (data.message || data.error);
      throw new ApiError(`The API answered ${response.status}${detail ? `: ${detail}` : ''}.`, response.status);
    }
    if (data === null || typeof data !== 'object') throw new ApiError('The API answered something that is not JSON.', response.status);
    return data;
  }

  summary(filters) {
    return this.request('GET', `/cases/summary${filterQuery(filters)}`);
  }

  /** sort: {field, order} (`sort=field`, `sort=-field` descending); pageToken from the previous page. */
  cases(filters, sort, pageToken) {
    const key = sort && sort.field ? `${sort.order === 'desc' ? '-' : ''}${sort.field}` : undefined;
    return this.request('GET', `/cases${filterQuery(filters, { sort: key, page_token: pageToken })}`);
  }

  timeline(caseId) {
    return this.request('GET', `/cases/${encodeURIComponent(caseId)}`);
  }

  ask(query) {
    return this.request('POST', '/query', { query });
  }

  history() {
    return this.request('GET', '/history');
  }
}
