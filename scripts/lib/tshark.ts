/**
 * How the project asks tshark for its reference decode of a capture: the fields, the display filter, the exact
 * command line, and a runner that keeps personal Wireshark preferences out of the answer.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TSHARK = process.env['TSHARK'] ?? 'tshark';

export const DISPLAY_FILTER = 'dhcp || tftp';

/** Fields extracted for every DHCP/TFTP frame, in output order. All exist in tshark 4.0 (`tshark -G fields`). */
export const TSHARK_FIELDS = [
  'frame.number',
  'frame.time_epoch',
  'frame.len',
  'frame.cap_len',
  'frame.protocols',
  'eth.src',
  'eth.dst',
  'vlan.id',
  'ip.src',
  'ip.dst',
  'ip.id',
  'ip.flags.mf',
  'ip.frag_offset',
  'ip.fragment',
  'ip.fragment.count',
  'ip.reassembled.length',
  'ip.reassembled_in',
  'ipv6.src',
  'ipv6.dst',
  'udp.srcport',
  'udp.dstport',
  'udp.length',
  'dhcp.type',
  'dhcp.hw.type',
  'dhcp.hw.len',
  'dhcp.hops',
  'dhcp.id',
  'dhcp.secs',
  'dhcp.flags',
  'dhcp.ip.client',
  'dhcp.ip.your',
  'dhcp.ip.server',
  'dhcp.ip.relay',
  'dhcp.hw.mac_addr',
  'dhcp.server',
  'dhcp.file',
  'dhcp.cookie',
  'dhcp.option.type',
  'dhcp.option.end',
  'dhcp.option.dhcp',
  'dhcp.option.dhcp_server_id',
  'dhcp.option.vendor_class_id',
  'dhcp.option.tftp_server_name',
  'dhcp.option.bootfile_name',
  'dhcp.option.client_system_architecture',
  'dhcp.client_id.uuid',
  'dhcp.option.vendor.pxeclient.suboption',
  'tftp.opcode',
  'tftp.block',
  'tftp.source_file',
  'tftp.destination_file',
  'tftp.request_frame',
  'tftp.type',
  'tftp.option.name',
  'tftp.option.value',
  'tftp.error.code',
  'tftp.error.message',
  '_ws.expert.message',
  '_ws.expert.severity',
  '_ws.expert.group',
] as const;

export type TsharkField = (typeof TSHARK_FIELDS)[number];

/** Arguments after `-r <file>`: one pass, no name resolution, the filter, JSON with the fields above. */
export function decodeArgs(): string[] {
  return ['-n', '-Y', DISPLAY_FILTER, '-T', 'json', ...TSHARK_FIELDS.flatMap((f) => ['-e', f])];
}

/** The command line as a person would type it, with `<capture>` for the file. */
export function decodeCommandLine(): string {
  const quote = (a: string): string => (/^[\w.,:/=-]+$/.test(a) ? a : `'${a}'`);
  return ['tshark', '-r', '<capture>', ...decodeArgs()]
    .map((a) => (a === '<capture>' ? a : quote(a)))
    .join(' ');
}

export interface TsharkRun {
  stdout: string;
  stderr: string;
  exitCode: number;
}

let configDir: string | null = null;

/** An empty configuration folder, so nobody's personal preferences or Decode As rules change the output. */
function emptyConfigDir(): string {
  if (!configDir) {
    configDir = mkdtempSync(join(tmpdir(), 'pxe-doctor-tshark-'));
    process.once('exit', () => {
      if (configDir) rmSync(configDir, { recursive: true, force: true });
    });
  }
  return configDir;
}

function tsharkEnv(): NodeJS.ProcessEnv {
  return { ...process.env, WIRESHARK_CONFIG_DIR: emptyConfigDir(), LC_ALL: 'C.UTF-8', TZ: 'UTC' };
}

/** Drops the "Running as user root" warning, which says nothing about the capture. */
function cleanStderr(text: string): string {
  return text
    .split('\n')
    .filter((l) => !/^Running as user .* This could be dangerous\.$/.test(l))
    .join('\n')
    .trim();
}

export function runTshark(args: readonly string[]): TsharkRun {
  const r = spawnSync(TSHARK, args, { encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024, env: tsharkEnv() });
  if (r.error) throw r.error;
  return { stdout: r.stdout, stderr: cleanStderr(r.stderr), exitCode: r.status ?? -1 };
}

export function runTsharkAsync(args: readonly string[]): Promise<TsharkRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(TSHARK, args, { env: tsharkEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) =>
      resolvePromise({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: cleanStderr(Buffer.concat(err).toString('utf8')),
        exitCode: code ?? -1,
      }),
    );
  });
}

/** First line of `tshark -v`, e.g. "TShark (Wireshark) 4.0.17 (Git v4.0.17 packaged as 4.0.17-0+deb12u3)." */
export function tsharkVersionLine(): string {
  const r = runTshark(['-v']);
  return (r.stdout.split('\n')[0] ?? '').trim();
}

/** "4.0.17" out of the version line. */
export function tsharkVersion(line = tsharkVersionLine()): string {
  const m = /TShark \(Wireshark\) (\d+\.\d+\.\d+)/.exec(line);
  return m?.[1] ?? 'unknown';
}

/** tshark's reference decode of one capture: the DHCP/TFTP packets and the frame count of the whole file. */
export interface TsharkReference {
  decoded: TsharkRun;
  count: TsharkRun;
  /** Layers of each packet, or null when the JSON output did not parse. */
  packets: Record<string, string[]>[] | null;
  frames: number;
  lastFrame: number;
}

export async function tsharkReference(path: string): Promise<TsharkReference> {
  const [decoded, count] = await Promise.all([
    runTsharkAsync(['-r', path, ...decodeArgs()]),
    runTsharkAsync(['-n', '-r', path, '-T', 'fields', '-e', 'frame.number']),
  ]);
  const numbers = count.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  let packets: Record<string, string[]>[] | null;
  const text = decoded.stdout.trim();
  try {
    packets =
      text === ''
        ? []
        : (JSON.parse(text) as { _source?: { layers?: Record<string, string[]> } }[]).map(
            (p) => p._source?.layers ?? {},
          );
  } catch {
    packets = null;
  }
  return {
    decoded,
    count,
    packets,
    frames: numbers.length,
    lastFrame: numbers.length ? Number(numbers[numbers.length - 1]) : 0,
  };
}
