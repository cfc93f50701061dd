/**
 * Each client's side of a captured conversation, in order, with the answers the capture holds for each request:
 * the DHCP messages it sent (retransmissions folded into one step), its port-4011 requests and its TFTP reads.
 * Built in one pass over the capture beside the analysis, whose transfers say how each TFTP read ended.
 */
import { analyzeSource } from '../analysis/analyze-source.js';
import { diagnose } from '../diagnosis/engine.js';
import type { AnalysisResult, TftpTransfer } from '../analysis/types.js';
import type { Finding } from '../diagnosis/types.js';
import { encodeDhcp, serverId, type DhcpMessage } from '../protocol/dhcp/index.js';
import type { DecodedPacket, DhcpPacketRecord } from '../protocol/packet.js';
import type { TftpAnswer } from '../report/replay-model.js';
import { DataHashes, conversationKey } from './data-hashes.js';

/** A DHCP message as captured: where it went, its decoded form and its bytes. */
export interface CapturedDhcp {
  frame: number;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  message: DhcpMessage;
  bytes: Uint8Array;
}

export interface DhcpStep {
  kind: 'dhcp';
  /** The first sending of the request. */
  request: CapturedDhcp;
  /** 67, or 4011 for the PXE boot service. */
  port: 67 | 4011;
  /** How many times the client sent it. */
  sends: number;
  /** The distinct answers the capture holds (duplicates folded), in capture order. */
  answers: CapturedDhcp[];
}

export interface TftpStep {
  kind: 'tftp';
  frame: number;
  server: string;
  filename: string;
  mode: string;
  /** Options as the client asked them (lower-case names, in its order). */
  options: Record<string, string>;
  /** The client asked the size only and hung up after the OACK. */
  probe: boolean;
  answer: TftpAnswer;
  /** Frames of the captured transfer (capped as the analysis caps them). */
  frames: number[];
  /** The file's bytes, when the capture holds every block (for a reference root). */
  data: Uint8Array | null;
}

export type ClientStep = DhcpStep | TftpStep;

export interface ClientScript {
  mac: string;
  steps: ClientStep[];
}

export interface CaptureScripts {
  analysis: AnalysisResult;
  findings: Finding[];
  clients: ClientScript[];
}

const CLIENT_PORT = 68;
const SERVER_PORT = 67;
const BOOT_SERVICE_PORT = 4011;

function captured(p: DhcpPacketRecord): CapturedDhcp {
  return {
    frame: p.frame,
    src: p.src,
    dst: p.dst,
    srcPort: p.srcPort,
    dstPort: p.dstPort,
    message: p.dhcp,
    bytes: encodeDhcp(p.dhcp),
  };
}

/** Option 54, else the IP source. */
export function serverIdOf(a: CapturedDhcp): string {
  return serverId(a.message) ?? a.src;
}

/** Reads a capture into each client's script. `keepData`: keep complete files' bytes (for a reference root). */
export async function readClientScripts(
  input: string,
  opts: { keepData: boolean; label?: string },
): Promise<CaptureScripts> {
  const requests: DhcpPacketRecord[] = [];
  const replies: DhcpPacketRecord[] = [];
  const hashes = new DataHashes(opts.keepData);
  const { result, findings } = await analyzeWithPackets(input, opts.label, (p) => {
    if (p.protocol === 'dhcp') {
      // A relay's copy of a request comes from port 67: the client's own sending is the one to play.
      if (p.dhcp.op === 1 && p.srcPort !== SERVER_PORT) requests.push(p);
      else if (p.dhcp.op === 2) replies.push(p);
    } else hashes.add(p);
  });
  const scripts = new Map<string, ClientStep[]>();
  const stepsOf = (mac: string): ClientStep[] => {
    let s = scripts.get(mac);
    if (s === undefined) scripts.set(mac, (s = []));
    return s;
  };
  for (const p of requests) addRequest(stepsOf(p.dhcp.chaddr), p);
  for (const p of replies) {
    const steps = scripts.get(p.dhcp.chaddr);
    if (steps !== undefined) addReply(steps, p);
  }
  const macByIp = leasedAddresses(replies);
  const transfers = [...result.sessions.flatMap((s) => s.transfers), ...result.orphanTransfers];
  for (const t of transfers) {
    if (t.direction !== 'read') continue;
    // The leased address names the client behind a router; on-link the read's own Ethernet source does.
    const mac = macByIp.get(t.clientIp) ?? t.clientMac ?? undefined;
    if (mac === undefined) continue;
    stepsOf(mac).push(tftpStep(t, hashes));
  }
  const clients: ClientScript[] = [];
  for (const [mac, steps] of scripts) {
    steps.sort((a, b) => frameOf(a) - frameOf(b));
    clients.push({ mac, steps });
  }
  return { analysis: result, findings, clients };
}

/**
 * The analysis of a capture, as `analyze` makes it, with every decoded packet also handed to `onPacket` —
 * TFTP DATA with its bytes, which the analysis itself never keeps.
 */
async function analyzeWithPackets(
  input: string,
  label: string | undefined,
  onPacket: (p: DecodedPacket) => void,
): Promise<{ result: AnalysisResult; findings: Finding[] }> {
  const { result } = await analyzeSource(input, { label, onPacket, keepTftpData: true });
  return { result, findings: diagnose(result) };
}

function frameOf(s: ClientStep): number {
  return s.kind === 'dhcp' ? s.request.frame : s.frame;
}

function addRequest(steps: ClientStep[], p: DhcpPacketRecord): void {
  const port = p.dstPort === BOOT_SERVICE_PORT ? BOOT_SERVICE_PORT : SERVER_PORT;
  const msg = p.dhcp;
  // A retransmission: the last step of this xid is the same message to the same port.
  for (let i = steps.length - 1; i >= 0; i--) {
    const s = steps[i];
    if (s.kind !== 'dhcp' || s.request.message.xid !== msg.xid) continue;
    if (s.port === port && s.request.message.messageType === msg.messageType) {
      s.sends++;
      return;
    }
    break;
  }
  steps.push({ kind: 'dhcp', request: captured(p), port, sends: 1, answers: [] });
}

/** An OFFER answers the DISCOVER, an ACK or NAK the REQUEST (or INFORM); port-4011 answers the 4011 request. */
function addReply(steps: ClientStep[], p: DhcpPacketRecord): void {
  const msg = p.dhcp;
  const fromBootService = p.srcPort === BOOT_SERVICE_PORT;
  for (let i = steps.length - 1; i >= 0; i--) {
    const s = steps[i];
    if (s.kind !== 'dhcp' || s.request.message.xid !== msg.xid) continue;
    if (s.request.frame > p.frame) continue;
    if ((s.port === BOOT_SERVICE_PORT) !== fromBootService) continue;
    const asked = s.request.message.messageType;
    const fits = msg.messageType === 'OFFER' ? asked === 'DISCOVER' : asked !== 'DISCOVER' || fromBootService;
    if (!fits) continue;
    // One answer per server and kind: the client's repeats drew repeats (or slightly changed copies), and
    // the replay sends each request once.
    const c = captured(p);
    const server = serverIdOf(c);
    if (!s.answers.some((a) => serverIdOf(a) === server && a.message.messageType === msg.messageType))
      s.answers.push(c);
    return;
  }
}

/** Address → client MAC from the ACKs: TFTP reads carry only the client's address. */
function leasedAddresses(replies: readonly DhcpPacketRecord[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of replies)
    if (r.dhcp.messageType === 'ACK' && r.dhcp.yiaddr !== '0.0.0.0') out.set(r.dhcp.yiaddr, r.dhcp.chaddr);
  return out;
}

function tftpStep(t: TftpTransfer, hashes: DataHashes): TftpStep {
  const serverError = t.error !== null && t.error.from === 'server' ? t.error : null;
  const complete = t.outcome === 'complete';
  const whole =
    complete && t.serverPort !== null
      ? hashes.result(conversationKey(t.serverIp, t.serverPort, t.clientIp, t.clientPort), t.bytes)
      : null;
  return {
    kind: 'tftp',
    frame: t.request.frame,
    server: t.serverIp,
    filename: t.filename,
    mode: t.mode,
    options: { ...t.requested },
    probe: t.outcome === 'tsize-probe',
    answer: {
      answered: t.outcome === 'unknown' ? null : t.serverPort !== null || serverError !== null,
      oack: t.oack !== null ? { ...t.negotiated } : null,
      error: serverError === null ? null : { code: serverError.code, message: serverError.message },
      size: complete ? t.bytes : null,
      sha256: whole?.sha256 ?? null,
    },
    frames: t.frames,
    data: whole?.data ?? null,
  };
}

export { CLIENT_PORT, SERVER_PORT, BOOT_SERVICE_PORT };
