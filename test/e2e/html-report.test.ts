/// <reference lib="dom" />
/**
 * `pxe-doctor analyze --html` opened in headless Chromium with the network off: every request other than
 * the report file itself is aborted and recorded, console errors are collected, and the sequence diagram
 * must have been drawn (an <svg> with the participants and messages as text) from what the file holds.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { CHROMIUM_ARGS, findBrowser, loadMermaidLibrary } from '../../src/report/render-mermaid.js';
import { projectRoot } from '../support/fixtures.js';
import { tempDir } from './support/cleanup.js';
import { describeRun, pxeDoctor } from './support/run.js';

const LAB = join(projectRoot(), 'fixtures', 'captures');

interface PageReport {
  requests: string[];
  consoleErrors: string[];
  svgCount: number;
  svgText: string;
  bodyText: string;
}

/** Opens `file` offline and reports what happened once the diagrams were drawn (or 20 s passed). */
async function openOffline(browserPath: string, file: string, diagrams: number): Promise<PageReport> {
  const { launch } = await import('puppeteer-core');
  const browser = await launch({ executablePath: browserPath, args: CHROMIUM_ARGS, headless: true });
  try {
    const page = await browser.newPage();
    await page.setOfflineMode(true);
    await page.setRequestInterception(true);
    const url = pathToFileURL(file).href;
    const requests: string[] = [];
    const consoleErrors: string[] = [];
    page.on('request', (req) => {
      if (req.url() === url) void req.continue();
      else {
        requests.push(req.url());
        void req.abort();
      }
    });
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
    });
    page.on('pageerror', (err) => consoleErrors.push(String(err)));
    await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
    await page.waitForFunction(
      (n: number) => document.querySelectorAll('.diagram svg').length >= n,
      { timeout: 20_000 },
      diagrams,
    );
    return await page
      .evaluate(() => ({
        requests: [],
        consoleErrors: [],
        svgCount: document.querySelectorAll('.diagram svg').length,
        svgText: Array.from(document.querySelectorAll('.diagram svg'))
          .map((s) => s.textContent ?? '')
          .join('\n'),
        bodyText: document.body.innerText,
      }))
      .then((r) => ({ ...r, requests, consoleErrors }));
  } finally {
    await browser.close();
  }
}

test('analyze --html: the report draws its diagrams offline, with no request and no console error', async (t) => {
  const browserPath = findBrowser();
  if (browserPath === null) {
    t.skip('needs Chromium (apt-get install chromium, or set PUPPETEER_EXECUTABLE_PATH)');
    return;
  }
  if (loadMermaidLibrary() === null) {
    t.skip('needs mermaid-cli, which brings the mermaid library (npm install @mermaid-js/mermaid-cli@11)');
    return;
  }
  const dir = tempDir('pxd-e2e-html-');
  t.after(dir.remove);
  const out = join(dir.path, 'report.html');
  const r = await pxeDoctor(['analyze', join(LAB, 'lab/proxydhcp/capture.pcapng'), '--html', out], {
    timeoutMs: 60_000,
  });
  assert.equal(r.code, 0, describeRun('analyze --html', r));
  const html = readFileSync(out, 'utf8');
  assert.doesNotMatch(html, /(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i, 'no external reference');

  const page = await openOffline(browserPath, out, 1);
  assert.deepEqual(page.requests, [], 'the page asked the network for something');
  assert.deepEqual(page.consoleErrors, []);
  assert.equal(page.svgCount, 1);
  for (const s of [
    'broadcast',
    'proxyDHCP + TFTP',
    '10.77.0.2',
    'DISCOVER xid 0xe304ad69',
    'REQUEST (port 4011)',
    'DATA 1..30 / ACK',
  ])
    assert.ok(page.svgText.includes(s), `${s} missing from the drawn diagram`);
  for (const s of ['Capture', 'Verdict', 'Timeline', 'Transfers', 'pxelinux.cfg/default'])
    assert.ok(page.bodyText.includes(s), `${s} missing from the page`);
});

test('analyze --html of a failure: findings with their fix, and the finding note in the diagram', async (t) => {
  const browserPath = findBrowser();
  if (browserPath === null || loadMermaidLibrary() === null) {
    t.skip(
      'needs Chromium and mermaid-cli (apt-get install chromium; npm install @mermaid-js/mermaid-cli@11)',
    );
    return;
  }
  const dir = tempDir('pxd-e2e-html-');
  t.after(dir.remove);
  const out = join(dir.path, 'report.html');
  const r = await pxeDoctor(
    ['analyze', join(LAB, 'lab-failures/mtu-blackhole/capture.pcapng'), '--html', out],
    {
      timeoutMs: 60_000,
    },
  );
  assert.equal(r.code, 0, describeRun('analyze --html', r));
  const page = await openOffline(browserPath, out, 1);
  assert.deepEqual(page.requests, []);
  assert.deepEqual(page.consoleErrors, []);
  assert.ok(page.svgText.includes('✖ TFTP block size too large for the path'), page.svgText);
  assert.match(page.bodyText, /FAIL/);
  assert.match(page.bodyText, /\bfix\b/i);
});
