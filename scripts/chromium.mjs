// Launches Debian's headless Chromium with playwright-core, with the flags this machine needs
// (no sandbox as root; no background networking, since only loopback is reachable). Shared by
// the package's browser tests, the demo's tests and the demo's screenshot script.
import { chromium } from 'playwright-core';

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run'];

/** A headless Chromium (`CHROMIUM` names another binary). */
export function launchChromium() {
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ARGS });
}
