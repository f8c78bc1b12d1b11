/**
 * Headless Chromium for browser tests: Debian's `chromium` (installed here with apt-get when
 * missing and running as root), driven by playwright-core with `executablePath` (Playwright's own
 * browser download does not work offline). `undefined`, with the reason on stderr, when no
 * Chromium can be had.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';

function install(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.getuid?.() !== 0) {
    process.stderr.write(`browser tests: ${CHROMIUM} is missing; install Debian's chromium (apt-get install chromium)\n`);
    return false;
  }
  try {
    execFileSync('apt-get', ['install', '-y', '-q', 'chromium'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 600_000 });
  } catch {
    try {
      execFileSync('apt-get', ['update', '-q'], { stdio: 'ignore', timeout: 600_000 });
      execFileSync('apt-get', ['install', '-y', '-q', 'chromium'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 600_000 });
    } catch (err) {
      process.stderr.write(`browser tests: apt-get install chromium failed: ${(err as Error).message}\n`);
    }
  }
  return existsSync(CHROMIUM);
}

export async function launchChromium(): Promise<Browser | undefined> {
  if (!install()) return undefined;
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

export interface PageCheck {
  charts: number;
  rendered: number;
  errors: string[];
  /** console errors and uncaught exceptions */
  logged: string[];
  /** charts whose container holds a drawn <svg> */
  drawn: number;
}

/** Opens `file` (a report), waits for its charts, saves a screenshot to `screenshot`. */
export async function checkReport(browser: Browser, file: string, screenshot: string): Promise<PageCheck> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const logged: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') logged.push(m.text()); });
  page.on('pageerror', (e) => logged.push(e.message));
  await page.goto(`file://${file}`);
  // page-side code as strings: the project compiles without the DOM's types
  await page.waitForFunction('window.apertusReport !== undefined', undefined, { timeout: 30_000 });
  const state = await page.evaluate('window.apertusReport') as { charts: number; rendered: number; errors: string[] };
  const drawn = await page.evaluate("[...document.querySelectorAll('.chart')].filter((el) => el.querySelector('svg path, svg rect, svg text')).length") as number;
  await page.screenshot({ path: screenshot, fullPage: true });
  await page.close();
  return { ...state, logged, drawn };
}
