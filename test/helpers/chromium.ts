import puppeteer, { type Browser } from 'puppeteer-core';

/** Debian's Chromium, driven headless by the console tests. */
export const CHROMIUM = '/usr/bin/chromium';

/** A headless Chromium with a profile of its own, nothing in the background, downloads into `downloads`. */
export async function launchChromium(profileDir: string, downloads: string): Promise<Browser> {
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profileDir,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const session = await browser.target().createCDPSession();
  await session.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
  return browser;
}
