/**
 * `pxe-doctor diagram -o X.svg|X.png` through the real mermaid-cli and a headless Chromium: the SVG of a
 * lab capture must hold its participants and messages as text, a diagram full of hostile file names must
 * render (mermaid's own parser is the judge), and without tools the .mmd is written with a one-line hint.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import {
  findBrowser,
  findMermaidCli,
  findRenderTools,
  renderMermaidFiles,
} from '../../src/report/render-mermaid.js';
import { mermaidText } from '../../src/report/mermaid.js';
import { projectRoot } from '../support/fixtures.js';
import { tempDir } from './support/cleanup.js';
import { describeRun, pxeDoctor } from './support/run.js';

const LAB = join(projectRoot(), 'fixtures', 'captures');

function requireRenderTools(t: TestContext): boolean {
  if (findBrowser() === null) {
    t.skip('needs Chromium (apt-get install chromium, or set PUPPETEER_EXECUTABLE_PATH)');
    return false;
  }
  if (findMermaidCli() === null) {
    t.skip('needs mermaid-cli (npm install @mermaid-js/mermaid-cli@11)');
    return false;
  }
  return true;
}

/** The text of every <text>/<tspan> (and foreignObject label) of an SVG, entities decoded. */
function svgTexts(svg: string): string[] {
  const out: string[] = [];
  for (const m of svg.matchAll(/<(?:text|tspan|p|span|div)\b[^>]*>([^<]+)</g)) {
    out.push(
      m[1]
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&amp;/g, '&'),
    );
  }
  return out;
}

test('diagram -o .svg: the proxyDHCP boot rendered by mermaid-cli holds its participants and messages', async (t) => {
  if (!requireRenderTools(t)) return;
  const dir = tempDir('pxd-e2e-diagram-');
  t.after(dir.remove);
  const out = join(dir.path, 'proxy.svg');
  const r = await pxeDoctor(['diagram', join(LAB, 'lab/proxydhcp/capture.pcapng'), '-o', out], {
    timeoutMs: 120_000,
  });
  assert.equal(r.code, 0, describeRun('diagram -o svg', r));
  const svg = readFileSync(out, 'utf8');
  assert.match(svg, /^<svg[\s>]/);
  const texts = svgTexts(svg);
  const has = (s: string): boolean => texts.some((x) => x.includes(s));
  for (const p of [
    '52:54:00:12:34:56',
    'broadcast',
    '255.255.255.255',
    'proxyDHCP + TFTP',
    '10.77.0.1',
    '10.77.0.2',
  ])
    assert.ok(has(p), `participant text ${p} missing`);
  for (const m of [
    'DISCOVER xid 0xe304ad69',
    'REQUEST (port 4011)',
    'ACK (port 4011) PXEClient file pxelinux.0 next-server 10.77.0.1',
    'RRQ pxelinux.0 blksize 1432 tsize 0',
    'OACK blksize 1432 tsize 42430',
    'DATA 1..30 / ACK',
    '10× File not found: pxelinux.cfg/… (config search)',
    'menu "PXE-LAB pxelinux via proxyDHCP"',
  ])
    assert.ok(has(m), `message ${m} missing from the SVG`);
  assert.ok(existsSync(join(dir.path, 'proxy.mmd')), 'the .mmd is kept beside the SVG');
});

test('diagram -o .png and a failure capture: the finding is drawn as a note', async (t) => {
  if (!requireRenderTools(t)) return;
  const dir = tempDir('pxd-e2e-diagram-');
  t.after(dir.remove);
  const svgOut = join(dir.path, 'fail.svg');
  const r = await pxeDoctor(['diagram', join(LAB, 'lab/missing-bootfile/capture.pcapng'), '-o', svgOut], {
    timeoutMs: 120_000,
  });
  assert.equal(r.code, 0, describeRun('diagram -o svg', r));
  const texts = svgTexts(readFileSync(svgOut, 'utf8'));
  assert.ok(
    texts.some((x) => x.includes('✖ Address but no boot file')),
    texts.join('\n'),
  );
  assert.ok(texts.some((x) => x.includes('client saw: Nothing to boot')));

  const pngOut = join(dir.path, 'fail.png');
  const p = await pxeDoctor(['diagram', join(LAB, 'lab/missing-bootfile/capture.pcapng'), '-o', pngOut], {
    timeoutMs: 120_000,
  });
  assert.equal(p.code, 0, describeRun('diagram -o png', p));
  const png = readFileSync(pngOut);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.ok(png.readUInt32BE(16) > 800, `PNG only ${png.readUInt32BE(16)} px wide`);
});

test('hostile names render: mermaid itself parses every escaped line', async (t) => {
  if (!requireRenderTools(t)) return;
  const tools = findRenderTools();
  assert.ok(tools !== null);
  const dir = tempDir('pxd-e2e-diagram-');
  t.after(dir.remove);
  const names = [
    'boot file.efi',
    'a#b;c',
    '%%{init: {"theme":"dark"}}%%',
    'x -->> y',
    '"quoted" \'single\'',
    'a<br>b <script>alert(1)</script>',
    'ünïcödé 日本 🙂',
    'end',
    'style',
    'classDef red fill:#f00',
    'loop',
    'wrap:early',
    'tab\there',
  ];
  const lines = ['sequenceDiagram', '    participant Client as client', '    participant S1 as TFTP'];
  for (const n of names) lines.push(`    Client->>S1: ${mermaidText(n)}`);
  lines.push(`    Note over Client,S1: ${mermaidText('end; style %% classDef')}`);
  const input = join(dir.path, 'hostile.mmd');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(input, `${lines.join('\n')}\n`);
  const output = join(dir.path, 'hostile.svg');
  await renderMermaidFiles([{ input, output }], tools);
  const texts = svgTexts(readFileSync(output, 'utf8'));
  for (const n of names.map((x) => x.replace('\t', '\\x09')))
    assert.ok(texts.includes(n), `${JSON.stringify(n)} not drawn as is:\n${texts.join('\n')}`);
  assert.ok(texts.includes('end; style %% classDef'));
  assert.deepEqual(readdirSync(dir.path).sort(), ['hostile.mmd', 'hostile.svg'], 'nothing else written');
});

test('without a browser: the .mmd is written and one line says how to get SVG', async (t) => {
  const dir = tempDir('pxd-e2e-diagram-');
  t.after(dir.remove);
  const out = join(dir.path, 'x.svg');
  const r = await pxeDoctor(['diagram', join(LAB, 'lab/happy-ipxe/capture.pcapng'), '-o', out], {
    timeoutMs: 60_000,
    env: { ...process.env, PUPPETEER_EXECUTABLE_PATH: join(dir.path, 'no-such-chromium') },
  });
  assert.equal(r.code, 0, describeRun('diagram', r));
  assert.ok(existsSync(join(dir.path, 'x.mmd')));
  assert.ok(!existsSync(out));
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /apt-get install chromium/);
});
