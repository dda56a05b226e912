// What the browser scripts share: Debian's Chromium launched headless (the
// test domain example.test mapped to 127.0.0.1; CHROMIUM overrides the
// binary), and the user agent its pages present.
import { chromium } from 'playwright-core';

export function launch(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--host-resolver-rules=MAP example.test 127.0.0.1',
      ...extraArgs,
    ],
  });
}

// Headless Chromium says "HeadlessChrome" in its user agent, which the
// tracker's endpoint rightly drops as automation; present as the desktop
// browser it is (the sessions page then names it "Chrome on Linux").
export const userAgent =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
