/**
 * CPU time of decode + analysis alone (read, decode, correlate: what `sniff` runs per packet), in a process of
 * its own so that no other work shares its heap or its compiled code. Prints one JSON line
 * {cpuSeconds, frames, packets}; start-up and the reports are not counted.
 *
 *   node dist/scripts/analysis-cpu.js FILE [--build DIR]
 *
 * --build runs another build's analysis (a checkout built with `npx tsc`): the bench's --against.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { analyzeSource as AnalyzeSource } from '../src/analysis/analyze-source.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { build: { type: 'string' } },
});
const file = positionals[0];
if (file === undefined) throw new Error('usage: analysis-cpu FILE [--build DIR]');
const module =
  values.build === undefined
    ? '../src/analysis/analyze-source.js'
    : pathToFileURL(resolve(values.build, 'dist', 'src', 'analysis', 'analyze-source.js')).href;
const { analyzeSource } = (await import(module)) as { analyzeSource: typeof AnalyzeSource };
const before = process.cpuUsage();
const { result } = await analyzeSource(file);
const used = process.cpuUsage(before);
const c = result.capture;
process.stdout.write(
  `${JSON.stringify({ cpuSeconds: (used.user + used.system) / 1e6, frames: c.frames, packets: c.dhcpPackets + c.tftpPackets })}\n`,
);
