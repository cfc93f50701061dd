/**
 * Turning mermaid text into SVG/PNG: the optional @mermaid-js/mermaid-cli (`mmdc`) drives a system Chromium
 * (never a downloaded one). Everything here that touches the file system or starts a process is in this file;
 * mermaid.ts and html.ts stay pure.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import type { HtmlDiagrams } from './html.js';
import type { MermaidDiagram } from './mermaid.js';

/** The one line printed when SVG/PNG cannot be made here. */
export const HOW_TO_GET_SVG =
  'for SVG/PNG: apt-get install chromium && npm install @mermaid-js/mermaid-cli@11 (the .mmd file opens in any mermaid viewer)';

/** Flags for a headless Chromium that may run as root and must not phone home. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

/** Mermaid settings for rendered diagrams: plain theme, long labels kept on one line. */
const MERMAID_CONFIG = {
  theme: 'default',
  sequence: { wrap: false, mirrorActors: true, messageFontSize: 14, noteFontSize: 14, actorFontSize: 14 },
};

export interface RenderTools {
  /** Path of mermaid-cli's cli.js (run with this Node) or of an `mmdc` executable. */
  mmdc: string;
  browser: string;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const p = join(dir, name);
    if (isExecutable(p)) return p;
  }
  return null;
}

/**
 * PUPPETEER_EXECUTABLE_PATH, else /usr/bin/chromium, else chromium / chromium-browser / google-chrome on
 * PATH. A PUPPETEER_EXECUTABLE_PATH that names no executable means "no browser": the user chose one.
 */
export function findBrowser(env: NodeJS.ProcessEnv = process.env): string | null {
  const fromEnv = env.PUPPETEER_EXECUTABLE_PATH;
  if (fromEnv !== undefined && fromEnv !== '') return isExecutable(fromEnv) ? fromEnv : null;
  if (isExecutable('/usr/bin/chromium')) return '/usr/bin/chromium';
  for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) {
    const p = onPath(name, env);
    if (p !== null) return p;
  }
  return null;
}

const resolver = createRequire(import.meta.url);

/** mermaid-cli installed beside pxe-doctor (its cli.js), else `mmdc` on PATH. */
export function findMermaidCli(env: NodeJS.ProcessEnv = process.env): string | null {
  try {
    const cli = join(dirname(resolver.resolve('@mermaid-js/mermaid-cli')), 'cli.js');
    if (existsSync(cli)) return cli;
  } catch {
    // not installed: optional
  }
  return onPath('mmdc', env);
}

/** The browser build of mermaid (installed with mermaid-cli), for inlining into HTML reports. */
export function loadMermaidLibrary(): string | null {
  try {
    return readFileSync(resolver.resolve('mermaid/dist/mermaid.min.js'), 'utf8');
  } catch {
    return null;
  }
}

export function findRenderTools(env: NodeJS.ProcessEnv = process.env): RenderTools | null {
  const mmdc = findMermaidCli(env);
  const browser = findBrowser(env);
  return mmdc !== null && browser !== null ? { mmdc, browser } : null;
}

/** What is missing, for messages: "Chromium", "mermaid-cli" or both. */
export function missingTools(env: NodeJS.ProcessEnv = process.env): string[] {
  const missing: string[] = [];
  if (findBrowser(env) === null) missing.push('Chromium');
  if (findMermaidCli(env) === null) missing.push('mermaid-cli');
  return missing;
}

/**
 * mermaid-cli failed. `browserFailed` when it could not start the browser (not a problem of the diagram);
 * `spaceFailed` when a file could not be written in the temporary folder (a full disk, a read-only /tmp).
 */
export class RenderError extends Error {
  constructor(
    message: string,
    /** mmdc's own first line, e.g. "Failed to launch the browser process:  Code: 1". */
    readonly reason: string,
    readonly browserFailed: boolean,
    readonly spaceFailed = false,
  ) {
    super(message);
  }
}

/** The system's reasons a file cannot be written, as they appear in mmdc's messages or our own errors. */
const NO_SPACE = /\b(ENOSPC|EDQUOT|EROFS|EFBIG|EIO|EACCES|EPERM)\b/;

/**
 * Renders each diagram to SVG or PNG with mermaid-cli, one mmdc run each, inside a private temporary folder,
 * and returns the images. The caller writes them where they belong, so that a destination that cannot be
 * written (a full disk) is reported as such and not as a rendering failure. Throws RenderError.
 */
export async function renderImages(
  jobs: { text: string; format: 'svg' | 'png' }[],
  tools: RenderTools,
  opts: { timeoutMs?: number } = {},
): Promise<Buffer[]> {
  let dir = '';
  let puppeteer: string;
  let config: string;
  try {
    dir = mkdtempSync(join(tmpdir(), 'pxe-doctor-mmdc-'));
    puppeteer = join(dir, 'puppeteer.json');
    writeFileSync(puppeteer, JSON.stringify({ executablePath: tools.browser, args: CHROMIUM_ARGS }));
    config = join(dir, 'mermaid.json');
    writeFileSync(config, JSON.stringify(MERMAID_CONFIG));
  } catch (err) {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
    const detail = err instanceof Error ? err.message : String(err);
    throw new RenderError(`temporary folder ${tmpdir()}: ${detail}`, detail, false, true);
  }
  try {
    const images: Buffer[] = [];
    for (const [i, job] of jobs.entries()) {
      const input = join(dir, `d${i}.mmd`);
      const output = join(dir, `d${i}.${job.format}`);
      try {
        writeFileSync(input, job.text);
      } catch (err) {
        const detail = err instanceof Error ? err.message : String(err);
        throw new RenderError(`temporary folder ${tmpdir()}: ${detail}`, detail, false, true);
      }
      const args = ['-i', input, '-o', output, '-p', puppeteer, '-c', config, '-b', 'white', '-q'];
      if (job.format === 'png') args.push('-s', '2', '-w', '1200');
      const [cmd, argv] = tools.mmdc.endsWith('.js')
        ? [process.execPath, [tools.mmdc, ...args]]
        : [tools.mmdc, args];
      await run(cmd, argv, { ...process.env, PUPPETEER_SKIP_DOWNLOAD: '1' }, opts.timeoutMs ?? 60_000).catch(
        (err: unknown) => {
          const detail = err instanceof Error ? err.message : String(err);
          const reason = (detail.split('\n').find((l) => l.trim() !== '') ?? detail)
            .replace(/^Error: /, '')
            .replace(/\s+/g, ' ')
            .trim();
          throw new RenderError(
            `mermaid-cli could not render diagram ${i + 1}: ${detail}`,
            reason,
            /Failed to launch the browser|browser process|spawn .*(ENOENT|EACCES)/i.test(detail),
            NO_SPACE.test(reason),
          );
        },
      );
      images.push(readFileSync(output));
    }
    return images;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Renders .mmd files to SVG or PNG, by each output's extension. Throws RenderError, or the system's error
 * when an output cannot be written. */
export async function renderMermaidFiles(
  jobs: { input: string; output: string }[],
  tools: RenderTools,
  opts: { timeoutMs?: number } = {},
): Promise<void> {
  const images = await renderImages(
    jobs.map((j) => ({
      text: readFileSync(j.input, 'utf8'),
      format: j.output.toLowerCase().endsWith('.png') ? 'png' : 'svg',
    })),
    tools,
    opts,
  );
  for (const [i, j] of jobs.entries()) writeFileSync(j.output, images[i] ?? Buffer.alloc(0));
}

/** Mermaid texts to SVG texts (for the HTML report when the mermaid library itself is not available). */
export async function renderSvgTexts(texts: string[], tools: RenderTools): Promise<string[]> {
  const images = await renderImages(
    texts.map((text) => ({ text, format: 'svg' })),
    tools,
  );
  return images.map((b) => b.toString('utf8'));
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeout: number): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, timeout, maxBuffer: 16 * 1024 * 1024 }, (err, _stdout, stderr) => {
      if (err === null) resolve();
      else reject(new Error(`${String(stderr).trim().split('\n').slice(0, 6).join('\n') || err.message}`));
    });
  });
}

/**
 * Diagrams for the HTML report, drawn the best way available here: the mermaid library inlined (drawn when
 * the page opens, offline), else SVGs rendered now with mermaid-cli, else the mermaid text.
 */
export async function diagramsForHtml(diagrams: MermaidDiagram[]): Promise<HtmlDiagrams> {
  if (diagrams.length === 0) return { diagrams, mode: 'text' };
  const library = loadMermaidLibrary();
  if (library !== null) return { diagrams, mode: 'library', library };
  const tools = findRenderTools();
  if (tools !== null) {
    try {
      return {
        diagrams,
        mode: 'svg',
        svgs: await renderSvgTexts(
          diagrams.map((d) => d.text),
          tools,
        ),
      };
    } catch {
      // fall back to the text
    }
  }
  return { diagrams, mode: 'text' };
}
