/** The whole analysis of a capture held in memory: what the fixture layer is handed by its callers. */
import { Readable } from 'node:stream';
import { analyzeCapture } from '../../src/analyze.js';
import type { Finding } from '../../src/diagnosis/types.js';

export async function analyzeBytes(bytes: Uint8Array): Promise<readonly Finding[]> {
  return (await analyzeCapture(Readable.from([Buffer.from(bytes)]))).findings;
}
