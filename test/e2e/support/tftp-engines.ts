/**
 * The TFTP server's engines, for tests that run against each: TypeScript always, the native data pump
 * when it was built (skipped with the reason otherwise).
 */
import { loadTftpPump, tftpPumpProblem } from '../../../src/server/tftp/native.js';
import type { TftpEngine } from '../../../src/server/tftp/server.js';

export interface EngineUnderTest {
  engine: TftpEngine;
  /** false, or why the engine's tests are skipped. */
  skip: string | false;
}

export function tftpEngines(): EngineUnderTest[] {
  const native = loadTftpPump() !== null;
  return [
    { engine: 'js', skip: false },
    {
      engine: 'native',
      skip: native ? false : `the native TFTP engine is ${tftpPumpProblem()}`,
    },
  ];
}
