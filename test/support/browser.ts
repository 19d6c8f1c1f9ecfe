// Debian's Chromium for the browser tests, launched the way this machine allows (no sandbox as
// root, no background network traffic). Where it is missing the tests say that they skipped.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

export function warnIfNoChromium(what: string): void {
  if (!hasChromium) console.warn(`SKIPPED: ${what}: ${CHROMIUM} is missing (apt-get install -y chromium)`);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}
