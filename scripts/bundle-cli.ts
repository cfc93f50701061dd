/**
 * Joins the compiled CLI (dist/src/cli/main.js and everything it imports, each command's own code in a chunk
 * of its own loaded when that command runs) into a few files under dist/src/bundle/. On Node 20 most of the
 * start-up of a command is finding, reading and linking some 175 ES modules one by one; read as a handful of
 * files it costs about a third less CPU. bin/pxe-doctor.js takes the bundle only when it is newer than the
 * compiled modules (a plain `tsc` afterwards makes it stale, and the modules are used), so the bundle never
 * runs older code than the build. It never fails the build: without esbuild it removes the bundle and says so.
 *
 *   node dist/scripts/bundle-cli.js        (npm run build, npm's prepare and the test scripts run it after tsc)
 */
import { rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ENTRY = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const OUT_DIR = join(ROOT, 'dist', 'src', 'bundle');

/**
 * Compiled modules that find a file next to themselves through import.meta.url at a depth the bundle's folder
 * does not have (the native pump in dist/native/), so they stay outside the bundle and are imported from where
 * tsc put them. They import nothing of the project's, so no module is loaded twice.
 */
const KEEP_OUTSIDE = [join(ROOT, 'dist', 'src', 'server', 'tftp', 'native.js')];

interface ResolveArgs {
  path: string;
  resolveDir: string;
}
interface PluginBuild {
  onResolve(
    options: { filter: RegExp },
    callback: (args: ResolveArgs) => { path: string; external: boolean } | undefined,
  ): void;
}
interface Esbuild {
  build(options: Record<string, unknown>): Promise<{ warnings: unknown[] }>;
}

const keepOutside = {
  name: 'keep-outside',
  setup(build: PluginBuild): void {
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      const target = resolve(args.resolveDir, args.path);
      if (!KEEP_OUTSIDE.includes(target)) return undefined;
      return { path: './' + relative(OUT_DIR, target).split('\\').join('/'), external: true };
    });
  },
};

async function main(): Promise<void> {
  rmSync(OUT_DIR, { recursive: true, force: true });
  let esbuild: Esbuild;
  try {
    esbuild = (await import('esbuild')) as unknown as Esbuild;
  } catch {
    console.log('bundle: esbuild is not installed; the CLI runs from the compiled modules');
    return;
  }
  await esbuild.build({
    entryPoints: [ENTRY],
    outdir: OUT_DIR,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Dependencies load from node_modules as they are (yargs through createRequire already; cap, the
    // puppeteer and mermaid tools are optional), so the bundle holds only the project's own code.
    packages: 'external',
    plugins: [keepOutside],
    // Class and function names stay what the source calls them (two modules' `Parser` would otherwise become
    // `Parser2`), for anything that prints or compares a constructor's name.
    keepNames: true,
    logLevel: 'warning',
  });
}

await main();
