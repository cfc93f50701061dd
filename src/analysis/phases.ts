import { lastAtOrBefore } from './sorted.js';
import type { BootPhase, BootPhaseKind, DhcpTransaction, EffectiveBoot, TftpTransfer } from './types.js';

/** Files a loader reads to decide what to do next, rather than code it runs. */
const CONFIG_FILE = /^pxelinux\.cfg\/|\.ipxe$|\.cfg$|\.conf$/i;

type Item =
  | { kind: BootPhaseKind; start: number; end: number; frames: number[]; tx: DhcpTransaction }
  | { kind: BootPhaseKind; start: number; end: number; frames: number[]; transfer: TftpTransfer };

const normalizeName = (name: string): string => name.replace(/^[/\\]+/, '').toLowerCase();

/**
 * tftp-boot: the file the client was told to boot in the DHCP round in force (the last one it took; offers it
 * ignored change nothing); else config or other files.
 */
function transferKind(t: TftpTransfer, boots: EffectiveBoot[]): BootPhaseKind {
  const boot = bootInForce(boots, t.request.t);
  if (boot?.bootFile != null && normalizeName(boot.bootFile) === normalizeName(t.filename))
    return 'tftp-boot';
  return CONFIG_FILE.test(normalizeName(t.filename)) ? 'tftp-config' : 'tftp-other';
}

/** The last boot the client took at or before t; when it took none (replies not captured), the last one seen. */
export function bootInForce(boots: readonly EffectiveBoot[], t: number): EffectiveBoot | undefined {
  const taken = boots.filter((b) => b.accepted);
  const list = taken.length > 0 ? taken : boots;
  const i = lastAtOrBefore(list, t, (b) => b.start);
  return i === -1 ? undefined : list[i];
}

/**
 * The session's timeline: consecutive steps of the same kind form one phase, so a pxelinux boot reads
 * dhcp → tftp-boot → tftp-other (ldlinux.c32) → tftp-config (the config search) → tftp-other … and an iPXE
 * chainload adds dhcp-again (any DHCP round after the client already had an address) and its own files.
 */
export function buildPhases(
  transactions: DhcpTransaction[],
  transfers: TftpTransfer[],
  boots: EffectiveBoot[],
): BootPhase[] {
  const items: Item[] = [];
  let bound = false;
  for (const tx of [...transactions].sort((a, b) => a.start - b.start)) {
    const frames = tx.events.map((e) => e.frame);
    const kind: BootPhaseKind = tx.port4011 ? 'proxy' : bound ? 'dhcp-again' : 'dhcp';
    if (!tx.port4011 && (tx.outcome === 'bound' || tx.outcome === 'informed')) bound = true;
    items.push({ kind, start: tx.start, end: tx.end, frames, tx });
  }
  for (const t of transfers) {
    items.push({
      kind: transferKind(t, boots),
      start: t.request.t,
      end: t.lastPacket.t,
      frames: t.frames,
      transfer: t,
    });
  }
  items.sort((a, b) => a.start - b.start);

  const groups: Item[][] = [];
  for (const item of items) {
    const last = groups.at(-1);
    if (last !== undefined && last[0].kind === item.kind) last.push(item);
    else groups.push([item]);
  }
  return groups.map((group) => {
    const start = group[0].start;
    const end = group.reduce((max, i) => Math.max(max, i.end), start);
    return {
      kind: group[0].kind,
      label: phaseLabel(group, end - start),
      start,
      end,
      frames: ascending(group.flatMap((i) => i.frames)),
    };
  });
}

/** The frame numbers in ascending order; nearly always already so (one transfer's frames), then not re-sorted. */
function ascending(frames: number[]): number[] {
  for (let i = 1; i < frames.length; i++) if (frames[i] < frames[i - 1]) return frames.sort((a, b) => a - b);
  return frames;
}

function phaseLabel(group: Item[], duration: number): string {
  const txs = group.flatMap((i) => ('tx' in i ? [i.tx] : []));
  const transfers = group.flatMap((i) => ('transfer' in i ? [i.transfer] : []));
  if (txs.length > 0) return txs[0].port4011 ? proxyLabel(txs, duration) : dhcpLabel(txs, duration);
  return tftpLabel(transfers, duration);
}

function dhcpLabel(txs: DhcpTransaction[], duration: number): string {
  const offers = txs.reduce((n, tx) => n + tx.offers.length, 0);
  // A renewal or INIT-REBOOT (REQUEST without DISCOVER) never waits for an offer: say what it got instead.
  const requestOnly = txs.every((tx) => tx.discovers === 0 && tx.requests > 0);
  if (requestOnly && offers === 0) {
    const got = txs.some((tx) => tx.outcome === 'bound')
      ? 'ACK'
      : txs.some((tx) => tx.outcome === 'nak')
        ? 'NAK'
        : 'no reply';
    return `DHCP (${seconds(duration)}, REQUEST without DISCOVER (renewal or INIT-REBOOT), ${got})`;
  }
  const parts = [seconds(duration), offers === 0 ? 'no offer' : plural(offers, 'offer')];
  if (txs.some((tx) => tx.outcome === 'nak')) parts.push('NAK');
  if (!txs.some((tx) => tx.outcome === 'bound' || tx.outcome === 'informed') && offers > 0)
    parts.push('no ACK');
  return `DHCP (${parts.join(', ')})`;
}

function proxyLabel(txs: DhcpTransaction[], duration: number): string {
  const ack = txs.flatMap((tx) => tx.acks).at(0);
  return `proxyDHCP on 4011 (${seconds(duration)}, ${ack === undefined ? 'no answer' : `ACK from ${ack.serverId ?? ack.src}`})`;
}

function tftpLabel(transfers: TftpTransfer[], duration: number): string {
  const complete = transfers.filter((t) => t.outcome === 'complete');
  const names = new Set(transfers.map((t) => t.filename));
  let head: string;
  if (complete.length === 1) {
    const t = complete[0];
    head = `${t.filename} ${formatSize(t.bytes)} in ${seconds(t.duration)}`;
  } else if (complete.length > 1) {
    head = `${complete.length} files, ${formatSize(complete.reduce((n, t) => n + t.bytes, 0))} in ${seconds(duration)}`;
  } else {
    head = names.size === 1 ? transfers[0].filename : `${names.size} files`;
  }
  const counts = new Map<string, { n: number; names: Set<string> }>();
  for (const t of transfers) {
    if (t.outcome === 'complete') continue;
    const what = t.outcome === 'error' && t.error !== null ? `error ${t.error.code}` : t.outcome;
    const c = counts.get(what) ?? { n: 0, names: new Set<string>() };
    c.n += 1;
    c.names.add(t.filename);
    counts.set(what, c);
  }
  const completeNames = new Set(complete.map((t) => t.filename));
  const tail = [...counts]
    .map(([what, c]) => {
      if (c.n > 1) return `${c.n}× ${what}`;
      // A file that stopped half-way beside another that completed: name it, or the phase reads as the
      // completed file's alone (an error or a tsize probe is told by its count, as in a config search).
      const [name] = c.names;
      return UNFINISHED.has(what) && complete.length > 0 && !completeNames.has(name)
        ? `${name} ${what}`
        : what;
    })
    .join(', ');
  if (tail === '') return head;
  // With a completed file in the head, the rest were other requests of the same phase.
  return complete.length > 0 ? `${head} (also ${tail})` : `${head} (${tail})`;
}

const UNFINISHED = new Set(['abandoned', 'unknown', 'in-progress']);

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function seconds(s: number): string {
  if (s < 0.01) return `${(s * 1000).toFixed(1)} ms`;
  if (s < 1) return `${s.toFixed(2)} s`;
  if (s < 100) return `${s.toFixed(1)} s`;
  return `${s.toFixed(0)} s`;
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
