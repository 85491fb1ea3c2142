// Debian's chromium driven by playwright-core: one browser, a fresh profile, loopback only.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const EXECUTABLE = process.env.CIMA_CHROMIUM || '/usr/bin/chromium';

export const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  // Names other than the loopback resolve to nothing: the checks never leave this machine.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
];

export function isLoopback(url) {
  try {
    const { protocol, hostname } = new URL(url);
    if (['data:', 'about:', 'blob:', 'file:'].includes(protocol)) return true;
    return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]';
  } catch {
    return false;
  }
}

/**
 * A browser context on a fresh --user-data-dir at 1280x800. Requests to anything but the loopback
 * are aborted and listed in `blocked`. close() ends the browser and removes the profile.
 */
export async function launch() {
  const profile = mkdtempSync(join(tmpdir(), 'cima-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: EXECUTABLE,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 800 },
    timeout: 60000,
  });
  const blocked = [];
  await context.route((url) => !isLoopback(url.href), (route) => {
    blocked.push(route.request().url());
    return route.abort('blockedbyclient');
  });
  const close = async () => {
    try {
      await context.close();
    } finally {
      rmSync(profile, { recursive: true, force: true });
    }
  };
  return { context, blocked, close };
}
