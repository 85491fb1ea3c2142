// Sign-in through Cognito's managed login: OAuth 2.0 authorization code with PKCE (S256).
// Only the verifier and state live in sessionStorage, and only for the round trip to the hosted
// UI; tokens are kept in this module's memory, so a reload signs in again through the hosted UI.

const ROUND_TRIP = 'cima.signin';
const SIGNED_OUT = 'cima.signedout';
const DEFAULT_SCOPE = 'openid email profile';

let tokens = null; // {idToken, accessToken, expiresAt (ms), claims}

function b64url(bytes) {
  let bin = '';
  for (const b of new Uint8Array(bytes)) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomString(bytes) {
  return b64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

export async function challengeOf(verifier) {
  return b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
}

function domain(config) {
  return String(config.cognito_domain).replace(/\/+$/, '');
}

/** The claims of a JWT, for display only (the API verifies the signature). */
export function claimsOf(jwt) {
  try {
    const part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(part), (c) => c.charCodeAt(0))));
  } catch {
    return {};
  }
}

/** Goes to the hosted UI; comes back to redirect_uri with ?code&state. */
export async function beginSignIn(config) {
  const verifier = randomString(32);
  const state = randomString(16);
  sessionStorage.setItem(ROUND_TRIP, JSON.stringify({ verifier, state }));
  const url = new URL(`${domain(config)}/oauth2/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: config.client_id,
    redirect_uri: config.redirect_uri,
    scope: config.scope || DEFAULT_SCOPE,
    state,
    code_challenge: await challengeOf(verifier),
    code_challenge_method: 'S256',
  }).toString();
  window.location.assign(url.href);
}

/**
 * Finishes a sign-in when the page was opened by the hosted UI's redirect. Returns false when the
 * URL carries no answer from it; throws with a message for people when the sign-in failed.
 */
export async function completeSignIn(config, location = window.location) {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  const error = params.get('error');
  if (!code && !error) return false;
  const saved = JSON.parse(sessionStorage.getItem(ROUND_TRIP) || 'null');
  sessionStorage.removeItem(ROUND_TRIP);
  // The code is single-use; keep it out of the address bar and the history.
  window.history.replaceState(null, '', location.pathname);
  if (error) throw new Error(`Sign-in failed: ${params.get('error_description') || error}`);
  if (!saved || !saved.state || saved.state !== params.get('state')) {
    throw new Error('Sign-in did not match this tab (state mismatch). Sign in again.');
  }
  const response = await fetch(`${domain(config)}/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: config.client_id,
      code,
      redirect_uri: config.redirect_uri,
      code_verifier: saved.verifier,
    }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok || !body.id_token) {
    throw new Error(`Sign-in failed: the token exchange answered ${response.status} ${body.error || ''}`.trim());
  }
  const claims = claimsOf(body.id_token);
  tokens = {
    idToken: body.id_token,
    accessToken: body.access_token,
    expiresAt: Date.now() + 1000 * (Number(body.expires_in) || 3600),
    claims,
  };
  return true;
}

/** The id token while it is valid, else null. */
export function idToken() {
  return tokens && Date.now() < tokens.expiresAt - 30000 ? tokens.idToken : null;
}

/** Who is signed in, for the header. */
export function userLabel() {
  const c = (tokens && tokens.claims) || {};
  return c.email || c['cognito:username'] || c.sub || '';
}

/** Forgets the tokens and ends the hosted UI's session; the page comes back signed out. */
export function signOut(config) {
  tokens = null;
  sessionStorage.setItem(SIGNED_OUT, '1');
  const url = new URL(`${domain(config)}/logout`);
  url.search = new URLSearchParams({ client_id: config.client_id, logout_uri: config.logout_uri }).toString();
  window.location.assign(url.href);
}

/** True once after a sign-out, so the page offers a sign-in button instead of going at once. */
export function justSignedOut() {
  const was = sessionStorage.getItem(SIGNED_OUT) === '1';
  sessionStorage.removeItem(SIGNED_OUT);
  return was;
}
