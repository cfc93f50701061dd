/**
 * The reference set up from the user's serve config instead of the capture: one server as `serve` would run
 * it, its TFTP root on disk (--root, else the config's tftpRoot; none: no TFTP server answers).
 */
import { stat } from 'node:fs/promises';
import { InputError } from '../errors.js';
import { loadServeConfig } from '../server/config/load.js';
import { ServeConfigError } from '../server/config/validate.js';
import { DiskFiles, type ReferenceSetup, type TftpFiles } from './reference-target.js';

export async function setupFromConfig(path: string, root: string | null): Promise<ReferenceSetup> {
  let config;
  try {
    config = await loadServeConfig(path);
  } catch (e) {
    if (e instanceof ServeConfigError) throw new InputError(e.message);
    throw e;
  }
  const folder = root ?? config.tftpRoot;
  const tftp = new Map<string, TftpFiles>();
  if (folder !== null) {
    const s = await stat(folder).catch(() => null);
    if (s === null || !s.isDirectory()) throw new InputError(`TFTP root ${folder}: not a folder`);
    tftp.set(config.boot.nextServer ?? config.serverIp, new DiskFiles(folder));
  }
  return { servers: [config], tftp };
}
