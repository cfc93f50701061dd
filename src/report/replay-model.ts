/**
 * The replay diff: for each client, each of its requests played again, the answer the capture holds beside the
 * answer the new server gave, field by field. Plain data (the JSON output is this model as is); built by
 * src/replay, rendered by report/replay-text.ts.
 */
import {
  bootFile,
  bootValues,
  optionValueToJson,
  tftpServer,
  type DhcpMessage,
} from '../protocol/dhcp/index.js';

/**
 * same: equal. differs: a real difference (what the new server says is not what the captured one said).
 * volatile: differs, expected (xid, leased address, lease times, another server's identifier, error texts).
 * unknown: the capture cannot show the captured value (a filter dropped it, the data is not in the capture).
 */
export type FieldStatus = 'same' | 'differs' | 'volatile' | 'unknown';

export interface FieldDiff {
  field: string;
  captured: string | null;
  replayed: string | null;
  status: FieldStatus;
  /** Why a difference is expected (volatile only). */
  why?: string;
}

/** One request played again and what came back, compared. */
export interface ExchangeDiff {
  /** e.g. "DHCP DISCOVER", "4011 REQUEST", "TFTP RRQ pxelinux.0". */
  label: string;
  /** The client's request in the capture (its first sending). */
  clientFrame: number;
  /** Frames of the captured answers compared. */
  capturedFrames: number[];
  /**
   * same / differs / unknown (nothing to compare: the capture cannot show it) / skipped (not played: the client
   * would not have sent it after the new answers, see note).
   */
  status: 'same' | 'differs' | 'unknown' | 'skipped';
  fields: FieldDiff[];
  note: string | null;
  /** `analyze` findings (rule ids) whose evidence this exchange's difference explains. */
  explains: string[];
}

export interface ClientReplay {
  mac: string;
  exchanges: ExchangeDiff[];
  /** Exchanges with a real difference. */
  differences: number;
  /** Fields that differ as expected. */
  volatile: number;
}

export interface ReplayReport {
  capture: string;
  /** "reference server (in-process)", "live server on br0", … */
  target: string;
  /** What was inferred from the capture to configure the reference, one line each (empty with --config). */
  inference: string[];
  clients: ClientReplay[];
  /** Clients in the capture not replayed, and why. */
  skipped: { mac: string; reason: string }[];
  /** Sum of the clients' differences. */
  differences: number;
  warnings: string[];
}

/** The DHCP options whose values a replay compares, and whether a difference is expected. */
export const COMPARED_DHCP_OPTIONS: readonly { code: number; name: string; volatile: boolean }[] = [
  { code: 1, name: 'subnet mask (1)', volatile: false },
  { code: 3, name: 'router (3)', volatile: false },
  { code: 6, name: 'DNS (6)', volatile: false },
  { code: 43, name: 'vendor options (43)', volatile: false },
  { code: 51, name: 'lease time (51)', volatile: true },
  { code: 58, name: 'renewal T1 (58)', volatile: true },
  { code: 59, name: 'rebinding T2 (59)', volatile: true },
  { code: 56, name: 'message (56)', volatile: true },
  { code: 60, name: 'vendor class (60)', volatile: false },
  { code: 66, name: 'TFTP server name (66)', volatile: false },
  { code: 67, name: 'boot file name (67)', volatile: false },
  { code: 150, name: 'TFTP server addresses (150)', volatile: false },
  { code: 175, name: 'iPXE options (175)', volatile: false },
  { code: 209, name: 'PXELINUX config file (209)', volatile: false },
  { code: 210, name: 'PXELINUX path prefix (210)', volatile: false },
];

function optionValue(msg: DhcpMessage, code: number): string | null {
  const o = msg.options.find((x) => x.code === code);
  if (o === undefined) return null;
  const v = optionValueToJson(o.value);
  return typeof v === 'string' ? v : JSON.stringify(v);
}

const ZERO = '0.0.0.0';

function field(
  field: string,
  captured: string | null,
  replayed: string | null,
  volatile = false,
  why?: string,
): FieldDiff {
  const status: FieldStatus = captured === replayed ? 'same' : volatile ? 'volatile' : 'differs';
  const out: FieldDiff = { field, captured, replayed, status };
  if (status === 'volatile' && why !== undefined) out.why = why;
  return out;
}

/** The boot file a client loads: the `file` field when set (ROMs read it first), else option 67. */
export function effectiveBootFile(msg: DhcpMessage): string | null {
  return bootFile(bootValues(msg))?.value ?? null;
}

/** The TFTP server a client asks: siaddr, else option 66, 150, sname. */
export function effectiveTftpServer(msg: DhcpMessage): string | null {
  return tftpServer(bootValues(msg))?.server ?? null;
}

/** Fields that only carry the boot file or TFTP server: a difference there with the same effective value is form. */
const BOOT_FILE_FIELDS = new Set([67]);
const TFTP_SERVER_FIELDS = new Set([66]);

/** The answering server, at its captured address and at the one it answers from now. */
export interface MovedServer {
  from: string;
  to: string;
}

/**
 * Fields whose value may be the answering server's own address (3, 6, 66, 150, a proxyDHCP's boot server
 * list in 43; siaddr and the TFTP server).
 */
const SERVER_ADDRESS_FIELDS = new Set([
  'vendor options (43)',
  'TFTP server',
  'next server (siaddr)',
  'router (3)',
  'DNS (6)',
  'TFTP server name (66)',
  'TFTP server addresses (150)',
]);

const MOVED_WHY = "the server's own address: it answers from another address now";

/**
 * A difference that is only the server's move: the captured value with the captured server's address
 * replaced by the new one's is the new value (a capture from another network replayed on this one).
 */
function relocate(f: FieldDiff, moved: MovedServer | null): FieldDiff {
  if (moved === null || f.status !== 'differs' || f.captured === null || !SERVER_ADDRESS_FIELDS.has(f.field))
    return f;
  const escaped = moved.from.replace(/\./g, '\\.');
  const replaced = f.captured.replace(new RegExp(`(?<![\\d.])${escaped}(?![\\d.])`, 'g'), moved.to);
  return replaced === f.replayed && replaced !== f.captured
    ? { ...f, status: 'volatile', why: MOVED_WHY }
    : f;
}

/**
 * A DHCP answer beside the captured one. `sameServer`: the new answer comes from the server that gave the
 * captured one (else its identifier differs as expected). The boot file and TFTP server the client acts on
 * are compared first; the fields that carry them (file, 67; siaddr, 66) differ only in form when those agree.
 * `moved`: the server plays the captured one's part from another address (a live server on another network):
 * its own address in the answers is expected to change with it.
 */
export function compareDhcpAnswer(
  captured: DhcpMessage | null,
  replayed: DhcpMessage | null,
  sameServer: boolean,
  moved: MovedServer | null = null,
): FieldDiff[] {
  const type = (m: DhcpMessage | null): string | null => (m === null ? null : (m.messageType ?? 'BOOTREPLY'));
  const out: FieldDiff[] = [field('answer', type(captured) ?? 'none', type(replayed) ?? 'none')];
  if (captured === null || replayed === null) return out;
  const text = (s: string): string | null => (s === '' ? null : s);
  const ip = (s: string): string | null => (s === ZERO ? null : s);
  const bootFile = field('boot file', effectiveBootFile(captured), effectiveBootFile(replayed));
  const noFile = bootFile.captured === null && bootFile.replayed === null;
  // Without a boot file no TFTP server is asked: which one the answer names does not matter.
  const tftpServer = relocate(
    field(
      'TFTP server',
      effectiveTftpServer(captured),
      effectiveTftpServer(replayed),
      noFile,
      'no boot file named: no TFTP server is asked',
    ),
    moved,
  );
  const sameFile = bootFile.status === 'same';
  const sameTftp = tftpServer.status !== 'differs';
  const fileForm = 'the same boot file, carried in another field';
  const serverForm = 'the same TFTP server, named in another field';
  out.push(
    bootFile,
    tftpServer,
    field('leased address (yiaddr)', ip(captured.yiaddr), ip(replayed.yiaddr), true, 'each lease is new'),
    // Option 66 without siaddr is a departure of its own: many ROMs read siaddr only.
    field(
      'next server (siaddr)',
      ip(captured.siaddr),
      ip(replayed.siaddr),
      sameTftp && (ip(captured.siaddr) !== null || noFile),
      serverForm,
    ),
    field('file field', text(captured.file), text(replayed.file), sameFile, fileForm),
    field('server name (sname)', text(captured.sname), text(replayed.sname)),
    field(
      'server identifier (54)',
      optionValue(captured, 54),
      optionValue(replayed, 54),
      !sameServer,
      'another server answers',
    ),
  );
  for (const o of COMPARED_DHCP_OPTIONS) {
    const form = BOOT_FILE_FIELDS.has(o.code) ? sameFile : TFTP_SERVER_FIELDS.has(o.code) ? sameTftp : false;
    const why = o.volatile
      ? 'each server sets its own'
      : BOOT_FILE_FIELDS.has(o.code)
        ? fileForm
        : serverForm;
    out.push(
      field(o.name, optionValue(captured, o.code), optionValue(replayed, o.code), o.volatile || form, why),
    );
  }
  return out.map((f) => relocate(f, moved)).filter((f) => f.captured !== null || f.replayed !== null);
}

/** What a TFTP read got: the OACK, an ERROR, the file's size and digest. Null fields: not known. */
export interface TftpAnswer {
  /** False: no answer at all; null: the capture cannot tell (no TFTP answer of any kind is in it). */
  answered: boolean | null;
  oack: Record<string, string> | null;
  error: { code: number; message: string } | null;
  /** Bytes received when the whole file came; null for a size probe, a failure or an unknown. */
  size: number | null;
  /** sha256 of the file, when the whole file is known (the capture holds every DATA block). */
  sha256: string | null;
}

/** A TFTP read's answer beside the captured one. */
export function compareTftpAnswer(captured: TftpAnswer, replayed: TftpAnswer): FieldDiff[] {
  if (captured.answered === null) {
    return [
      {
        field: 'answer',
        captured: null,
        replayed: replayed.answered ? 'answered' : 'none',
        status: 'unknown',
      },
    ];
  }
  const kind = (a: TftpAnswer): string =>
    !a.answered ? 'none' : a.error !== null ? 'ERROR' : a.oack !== null ? 'OACK' : 'DATA';
  const out: FieldDiff[] = [field('answer', kind(captured), kind(replayed))];
  const names = new Set([...Object.keys(captured.oack ?? {}), ...Object.keys(replayed.oack ?? {})]);
  for (const name of names)
    out.push(field(`OACK ${name}`, captured.oack?.[name] ?? null, replayed.oack?.[name] ?? null));
  const code = (a: TftpAnswer): string | null => (a.error === null ? null : String(a.error.code));
  out.push(field('error code', code(captured), code(replayed)));
  // Error texts are each server's own words (dnsmasq names the path): compared, a difference is expected.
  out.push(
    field(
      'error message',
      captured.error?.message ?? null,
      replayed.error?.message ?? null,
      true,
      'each server words its errors (dnsmasq names the path)',
    ),
  );
  const size = (a: TftpAnswer): string | null => (a.size === null ? null : String(a.size));
  out.push(field('file size', size(captured), size(replayed)));
  if (captured.sha256 !== null || replayed.sha256 === null)
    out.push(field('sha256', captured.sha256, replayed.sha256));
  else if (captured.size !== null)
    out.push({ field: 'sha256', captured: null, replayed: replayed.sha256, status: 'unknown' });
  return out.filter((f) => f.captured !== null || f.replayed !== null);
}

/** The exchange's status from its fields: any real difference makes it differ. */
export function exchangeStatus(fields: readonly FieldDiff[]): ExchangeDiff['status'] {
  if (fields.some((f) => f.status === 'differs')) return 'differs';
  if (fields.length > 0 && fields.every((f) => f.status === 'unknown')) return 'unknown';
  return 'same';
}

export function clientReplay(mac: string, exchanges: ExchangeDiff[]): ClientReplay {
  return {
    mac,
    exchanges,
    differences: exchanges.filter((e) => e.status === 'differs').length,
    volatile: exchanges.reduce((n, e) => n + e.fields.filter((f) => f.status === 'volatile').length, 0),
  };
}
