/**
 * anonymise: rewrite MAC addresses, IPv4/IPv6 addresses, SMBIOS UUIDs and the
 * text forms of them in a PXE capture (pcap or pcapng), consistently, so that a
 * capture of a real network can be shared as a regression fixture.
 *
 *   npm run build
 *   node dist/test/lab/anonymise.js <in.pcap[ng]> <out.pcap[ng]> [--map map.json] [--keep-ip] [--keep-mac]
 *
 * What is rewritten
 * - Ethernet source/destination (unicast only; broadcast and multicast stay),
 *   802.1Q tags are skipped, Linux cooked (SLL, SLL2) source addresses.
 * - ARP sender/target hardware and protocol addresses.
 * - IPv4 source/destination, IPv6 source/destination (EUI-64 interface ids
 *   follow the new MAC, other prefixes map to fd00:0:0:N::/64, solicited-node
 *   multicast groups follow the address), ICMP and ICMPv6 error payloads,
 *   ICMPv6 link-layer address options and ND target addresses.
 * - DHCPv6 (ports 546/547): client/server DUIDs (LLT, LL, UUID), IA addresses and
 *   prefixes, DNS server addresses, FQDN (also inside relay messages).
 * - DHCPv4 (ports 67/68/4011): chaddr, ciaddr/yiaddr/siaddr/giaddr, address
 *   options (1 is a mask and stays; 3-7, 28, 41-45, 48-50, 54, 65, 68-76, 150),
 *   option 43 PXE boot-server lists, 61 client id (type 1 or RFC 4361 DUID-LL/LLT),
 *   97 client UUID; host/domain names (12, 15, 81) become same-length 'x' strings.
 * - Text in DHCP sname/file, option 66/67, TFTP RRQ/WRQ file names and TFTP
 *   ERROR messages: dotted IPv4 addresses, MACs (aa:bb:.., aa-bb-.., 01-aa-bb-..,
 *   bare hex), pxelinux hex-IP names and their prefixes, UUID strings.
 *
 * IPv4 addresses keep their last octet and their /24 grouping; each /24 is
 * mapped to a private or shared-space /24 whose dotted text has the same
 * length, so text replacements never change a packet's size. All checksums
 * that cover rewritten bytes (IPv4 header, UDP, ICMP, ICMPv6) are updated
 * incrementally (RFC 1624), which also works for truncated frames and first
 * fragments. Name resolution and decryption-secret blocks of pcapng files are
 * dropped. Other payloads (DNS, HTTP, SMB, ...) are NOT inspected: filter the
 * capture down to the PXE traffic first (see test/lab/README.md).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import process from 'node:process';

type Bytes = Buffer;

const MAC_BCAST = 'ff:ff:ff:ff:ff:ff';

function macStr(b: Bytes, off: number): string {
  const p: string[] = [];
  for (let i = 0; i < 6; i++) p.push(b[off + i].toString(16).padStart(2, '0'));
  return p.join(':');
}
function ip4Str(b: Bytes, off: number): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}
function ip6Hex(b: Bytes, off: number): string {
  return b.subarray(off, off + 16).toString('hex');
}

/** Consistent mappings, optionally seeded/saved as JSON. */
class Mapper {
  mac = new Map<string, string>();
  net24 = new Map<string, string>(); // "a.b.c" -> "x.y.z"
  ip6net = new Map<string, string>(); // 16 hex chars -> 16 hex chars
  uuid = new Map<string, string>(); // 32 hex (wire order) -> 32 hex
  keepIp = false;
  keepMac = false;
  private usedNet = new Set<string>();
  private macSeq = 0;
  private ip6Seq = 0;

  load(json: string): void {
    const o = JSON.parse(json) as Record<string, Record<string, string>>;
    for (const [k, v] of Object.entries(o.mac ?? {})) this.mac.set(k, v);
    for (const [k, v] of Object.entries(o.net24 ?? {})) {
      this.net24.set(k, v);
      this.usedNet.add(v);
    }
    for (const [k, v] of Object.entries(o.ip6net ?? {})) this.ip6net.set(k, v);
    for (const [k, v] of Object.entries(o.uuid ?? {})) this.uuid.set(k, v);
    this.macSeq = this.mac.size;
    this.ip6Seq = this.ip6net.size;
  }
  save(): string {
    return JSON.stringify(
      {
        mac: Object.fromEntries(this.mac),
        net24: Object.fromEntries(this.net24),
        ip6net: Object.fromEntries(this.ip6net),
        uuid: Object.fromEntries(this.uuid),
      },
      null,
      2,
    );
  }

  mapMac(m: string): string {
    if (this.keepMac || m === MAC_BCAST || m === '00:00:00:00:00:00') return m;
    if (parseInt(m.slice(0, 2), 16) & 1) return m; // multicast
    let r = this.mac.get(m);
    if (!r) {
      this.macSeq++;
      const n = this.macSeq;
      r = `02:00:00:00:${((n >> 8) & 0xff).toString(16).padStart(2, '0')}:${(n & 0xff).toString(16).padStart(2, '0')}`;
      this.mac.set(m, r);
    }
    return r;
  }

  /** IPv4 -> IPv4; special addresses unchanged. */
  mapIp4(a: string): string {
    if (this.keepIp) return a;
    const o = a.split('.').map(Number);
    if (a === '0.0.0.0' || a === '255.255.255.255' || o[0] === 127 || o[0] >= 224) return a;
    const net = `${o[0]}.${o[1]}.${o[2]}`;
    let m = this.net24.get(net);
    if (!m) {
      m = this.allocNet(net.length) ?? net;
      this.net24.set(net, m);
      this.usedNet.add(m);
    }
    return `${m}.${o[3]}`;
  }
  /** A free /24 in 10/8 or 100.64/10 whose dotted text has `len` characters. */
  private allocNet(len: number): string | undefined {
    for (const first of [10, 100]) {
      const seconds = first === 10 ? range(0, 255) : range(64, 127);
      for (const s of seconds) {
        for (let t = 0; t <= 255; t++) {
          const c = `${first}.${s}.${t}`;
          if (c.length === len && !this.usedNet.has(c)) return c;
        }
      }
    }
    process.stderr.write(`anonymise: no length-preserving /24 for a ${len}-character prefix; kept\n`);
    return undefined;
  }

  /** IPv6 (32 hex) -> IPv6 (32 hex). */
  mapIp6(h: string): string {
    if (this.keepIp && this.keepMac) return h;
    if (/^0+$/.test(h) || h === '0'.repeat(31) + '1') return h;
    if (h.startsWith('ff')) {
      // solicited-node ff02::1:ffXX:XXXX follows the unicast address it stands for
      if (h.startsWith('ff0200000000000000000001ff')) {
        const low = h.slice(26);
        for (const [, iid] of this.seenIid) {
          if (iid.old.slice(10) === low) return h.slice(0, 26) + iid.nu.slice(10);
        }
      }
      return h;
    }
    const prefix = h.slice(0, 16);
    let iid = h.slice(16);
    let nprefix = prefix;
    if (!this.keepIp && !prefix.startsWith('fe80')) {
      let p = this.ip6net.get(prefix);
      if (!p) {
        this.ip6Seq++;
        p = 'fd000000' + this.ip6Seq.toString(16).padStart(8, '0');
        this.ip6net.set(prefix, p);
      }
      nprefix = p;
    }
    if (iid.slice(6, 10) === 'fffe') {
      // EUI-64 from a MAC: flip the U/L bit back, map the MAC, rebuild
      const mac = [
        (parseInt(iid.slice(0, 2), 16) ^ 2).toString(16).padStart(2, '0'),
        iid.slice(2, 4),
        iid.slice(4, 6),
        iid.slice(10, 12),
        iid.slice(12, 14),
        iid.slice(14, 16),
      ].join(':');
      const nm = this.mapMac(mac).split(':');
      const niid =
        (parseInt(nm[0], 16) ^ 2).toString(16).padStart(2, '0') +
        nm[1] +
        nm[2] +
        'fffe' +
        nm[3] +
        nm[4] +
        nm[5];
      this.seenIid.set(iid, { old: iid, nu: niid });
      iid = niid;
    }
    return nprefix + iid;
  }
  seenIid = new Map<string, { old: string; nu: string }>();

  mapUuid(hex32: string): string {
    let r = this.uuid.get(hex32);
    if (!r) {
      const n = this.uuid.size + 1;
      r = '00000000000040008000' + n.toString(16).padStart(12, '0');
      this.uuid.set(hex32, r);
    }
    return r;
  }
}

function range(a: number, b: number): number[] {
  const r: number[] = [];
  for (let i = a; i <= b; i++) r.push(i);
  return r;
}

/** Records word-level changes in a checksummed region for an RFC 1624 update. */
class CsumRegion {
  private orig: Bytes;
  constructor(
    private buf: Bytes,
    private start: number,
    private end: number,
  ) {
    this.orig = Buffer.from(buf.subarray(start, end));
  }
  /** Apply the difference (orig -> now) plus extra pseudo-header word pairs to the checksum at csumOff. */
  update(csumOff: number, pseudoOld: Bytes, pseudoNew: Bytes, udp: boolean): void {
    if (csumOff + 2 > this.end || csumOff < this.start) return;
    const hc = this.buf.readUInt16BE(csumOff);
    if (udp && hc === 0) return; // IPv4 UDP without checksum
    let sum = ~hc & 0xffff;
    const add = (oldW: number, newW: number): void => {
      if (oldW === newW) return;
      sum += ~oldW & 0xffff;
      sum += newW;
    };
    const n = this.end - this.start;
    for (let i = 0; i < n; i += 2) {
      const pos = this.start + i;
      if (pos === csumOff) continue;
      const o = (this.orig[i] << 8) | (i + 1 < n ? this.orig[i + 1] : 0);
      const w = (this.buf[pos] << 8) | (i + 1 < n ? this.buf[pos + 1] : 0);
      add(o, w);
    }
    for (let i = 0; i + 1 < pseudoOld.length; i += 2)
      add(pseudoOld.readUInt16BE(i), pseudoNew.readUInt16BE(i));
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    let r = ~sum & 0xffff;
    if (udp && r === 0) r = 0xffff;
    this.buf.writeUInt16BE(r, csumOff);
  }
}

function ipv4HeaderChecksum(b: Bytes, off: number, ihl: number): void {
  b.writeUInt16BE(0, off + 10);
  let s = 0;
  for (let i = 0; i < ihl; i += 2) s += b.readUInt16BE(off + i);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  b.writeUInt16BE(~s & 0xffff, off + 10);
}

class Anonymiser {
  stats = { frames: 0, ip4: 0, ip6: 0, arp: 0, dhcp: 0, tftp: 0, uninspected: 0, other: 0 };
  /** Text replacements learnt while mapping (old -> new, same length). */
  private text = new Map<string, string>();
  constructor(private m: Mapper) {}

  private learnIp4(old: string, nu: string): void {
    if (old === nu) return;
    this.text.set(old, nu);
    const hx = (s: string): string =>
      s
        .split('.')
        .map((x) => Number(x).toString(16).toUpperCase().padStart(2, '0'))
        .join('');
    this.text.set('hexip:' + hx(old), hx(nu));
  }
  private learnMac(old: string, nu: string): void {
    if (old === nu) return;
    this.text.set(old, nu);
    this.text.set(old.replace(/:/g, '-'), nu.replace(/:/g, '-'));
    this.text.set(old.replace(/:/g, ''), nu.replace(/:/g, ''));
  }
  private learnUuid(oldHex: string, newHex: string): void {
    const dashed = (h: string): string =>
      `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    // SMBIOS order: first three fields little-endian
    const swap = (h: string): string =>
      h.slice(6, 8) +
      h.slice(4, 6) +
      h.slice(2, 4) +
      h.slice(0, 2) +
      h.slice(10, 12) +
      h.slice(8, 10) +
      h.slice(14, 16) +
      h.slice(12, 14) +
      h.slice(16);
    this.text.set(dashed(oldHex), dashed(newHex));
    this.text.set(dashed(swap(oldHex)), dashed(swap(newHex)));
  }

  mac(b: Bytes, off: number): void {
    if (off + 6 > b.length) return;
    const o = macStr(b, off);
    const n = this.m.mapMac(o);
    this.learnMac(o, n);
    if (o !== n) Buffer.from(n.replace(/:/g, ''), 'hex').copy(b, off);
  }
  ip4(b: Bytes, off: number): void {
    if (off + 4 > b.length) return;
    const o = ip4Str(b, off);
    const n = this.m.mapIp4(o);
    this.learnIp4(o, n);
    if (o !== n) n.split('.').forEach((x, i) => (b[off + i] = Number(x)));
  }
  ip6(b: Bytes, off: number): void {
    if (off + 16 > b.length) return;
    const o = ip6Hex(b, off);
    const n = this.m.mapIp6(o);
    if (o !== n) Buffer.from(n, 'hex').copy(b, off);
  }

  /** Rewrite addresses written as text inside a byte range (same length only). */
  textIn(b: Bytes, start: number, end: number): void {
    if (end <= start) return;
    const before = b.toString('latin1', start, end);
    let s = before;
    // dotted IPv4 anywhere
    s = s.replace(/(?<![0-9.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![0-9])/g, (all: string) => {
      if (all.split('.').some((x) => Number(x) > 255)) return all;
      const n = this.m.mapIp4(all);
      this.learnIp4(all, n);
      return n.length === all.length ? n : all;
    });
    // pxelinux config name: 01-<mac> (ARP hardware type 1 + MAC)
    s = s.replace(
      /(^|\/)01-([0-9a-fA-F]{2}(?:-[0-9a-fA-F]{2}){5})(?=$|\0|\s)/g,
      (_all: string, pre: string, mac: string) => `${pre}01-${this.macText(mac, '-')}`,
    );
    // MACs with ':' or '-' separators
    s = s.replace(
      /(?<![0-9a-fA-F:-])[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(?:\1[0-9a-fA-F]{2}){4}(?![0-9a-fA-F]|[:-][0-9a-fA-F])/g,
      (all: string, sep: string) => this.macText(all, sep),
    );
    // known bare MACs, UUID strings (both byte orders)
    for (const [o, n] of this.text) {
      if (o.startsWith('hexip:') || o.includes('.') || o.includes(':') || o.length !== n.length) continue;
      if (/^[0-9a-f]{2}-/.test(o)) continue; // handled above
      s = replaceAllCI(s, o, n);
    }
    // pxelinux config search: pxelinux.cfg/<hex IP or a prefix of it>
    s = s.replace(/(^|\/)([0-9A-F]{1,8})(?=$|\0|\s)/g, (all: string, pre: string, hex: string) => {
      for (const [o, n] of this.text) {
        if (o.startsWith('hexip:') && o.slice(6).startsWith(hex)) return pre + n.slice(0, hex.length);
      }
      return all;
    });
    if (s !== before) Buffer.from(s, 'latin1').copy(b, start);
  }

  private macText(t: string, sep: string): string {
    const n = this.m.mapMac(t.toLowerCase().replace(/-/g, ':')).replace(/:/g, sep);
    return t === t.toUpperCase() ? n.toUpperCase() : n;
  }

  frame(b: Bytes, linkType: number): void {
    this.stats.frames++;
    if (linkType === 1) this.ether(b, 0);
    else if (linkType === 113 && b.length >= 16) {
      const alen = b.readUInt16BE(4);
      if (alen === 6) this.mac(b, 6);
      this.l3(b, b.readUInt16BE(14), 16);
    } else if (linkType === 276 && b.length >= 20) {
      if (b[11] === 6) this.mac(b, 12);
      this.l3(b, b.readUInt16BE(0), 20);
    } else if (linkType === 101 || linkType === 228) {
      if (b.length > 0) this.l3(b, b[0] >> 4 === 6 ? 0x86dd : 0x0800, 0);
    } else this.stats.other++;
  }

  private ether(b: Bytes, off: number): void {
    if (b.length < off + 14) return;
    this.mac(b, off);
    this.mac(b, off + 6);
    let et = b.readUInt16BE(off + 12);
    let p = off + 14;
    while ((et === 0x8100 || et === 0x88a8) && b.length >= p + 4) {
      et = b.readUInt16BE(p + 2);
      p += 4;
    }
    this.l3(b, et, p);
  }

  private l3(b: Bytes, et: number, p: number): void {
    if (et === 0x0806) this.arp(b, p);
    else if (et === 0x0800) this.ipv4(b, p);
    else if (et === 0x86dd) this.ipv6(b, p);
    else this.stats.other++;
  }

  private arp(b: Bytes, p: number): void {
    if (b.length < p + 28) return;
    this.stats.arp++;
    if (b.readUInt16BE(p) !== 1 || b[p + 4] !== 6 || b[p + 5] !== 4) return;
    this.mac(b, p + 8);
    this.ip4(b, p + 14);
    this.mac(b, p + 18);
    this.ip4(b, p + 24);
  }

  private ipv4(b: Bytes, p: number, embedded = false): void {
    if (b.length < p + 20) return;
    const ihl = (b[p] & 0x0f) * 4;
    if (ihl < 20 || b.length < p + ihl) return;
    if (!embedded) this.stats.ip4++;
    const pseudoOld = Buffer.from(b.subarray(p + 12, p + 20));
    const proto = b[p + 9];
    const fragOff = (b.readUInt16BE(p + 6) & 0x1fff) * 8;
    const totalLen = b.readUInt16BE(p + 2);
    const end = Math.min(b.length, p + Math.max(totalLen, ihl));
    const l4 = p + ihl;
    // snapshot the L4 region before touching addresses (pseudo-header handled separately)
    const region = fragOff === 0 && (proto === 17 || proto === 1) ? new CsumRegion(b, l4, end) : undefined;
    this.ip4(b, p + 12);
    this.ip4(b, p + 16);
    const pseudoNew = Buffer.from(b.subarray(p + 12, p + 20));
    ipv4HeaderChecksum(b, p, ihl);
    if (fragOff !== 0) {
      this.stats.uninspected++;
      return;
    }
    if (proto === 17 && end >= l4 + 8) {
      this.udp(b, l4, end, embedded);
      if (!embedded) region?.update(l4 + 6, pseudoOld, pseudoNew, true);
    } else if (proto === 1 && end >= l4 + 8) {
      const type = b[l4];
      if ((type === 3 || type === 11 || type === 12 || type === 5) && !embedded) this.ipv4(b, l4 + 8, true);
      if (type === 5) this.ip4(b, l4 + 4); // redirect gateway
      if (!embedded) region?.update(l4 + 2, Buffer.alloc(0), Buffer.alloc(0), false);
    } else if (!embedded && proto !== 1 && proto !== 17) this.stats.uninspected++;
  }

  private ipv6(b: Bytes, p: number, embedded = false): void {
    if (b.length < p + 40) return;
    if (!embedded) this.stats.ip6++;
    let next = b[p + 6];
    const plen = b.readUInt16BE(p + 4);
    const end = Math.min(b.length, p + 40 + plen);
    let l4 = p + 40;
    // hop-by-hop, routing and destination options headers (MLD reports carry hop-by-hop)
    while ((next === 0 || next === 43 || next === 60) && l4 + 8 <= end) {
      next = b[l4];
      l4 += (b[l4 + 1] + 1) * 8;
    }
    const pseudoOld = Buffer.from(b.subarray(p + 8, p + 40));
    const region = next === 17 || next === 58 ? new CsumRegion(b, l4, end) : undefined;
    this.ip6(b, p + 8);
    this.ip6(b, p + 24);
    const pseudoNew = Buffer.from(b.subarray(p + 8, p + 40));
    if (embedded) return;
    if (next === 58 && end >= l4 + 8) {
      const type = b[l4];
      if (type < 128) this.ipv6(b, l4 + 8, true);
      let opt = -1;
      if (type === 133)
        opt = l4 + 8; // RS
      else if (type === 134)
        opt = l4 + 16; // RA
      else if (type === 135 || type === 136) {
        this.ip6(b, l4 + 8); // target
        opt = l4 + 24;
      } else if (type === 130 || type === 131 || type === 132) {
        this.ip6(b, l4 + 8); // MLDv1 multicast address
      } else if (type === 143) {
        // MLDv2 report: records of type(1) auxlen(1) nsrc(2) group(16) sources(16*n) aux
        let r = l4 + 8;
        for (let k = b.readUInt16BE(l4 + 6); k > 0 && r + 20 <= end; k--) {
          const nsrc = b.readUInt16BE(r + 2);
          this.ip6(b, r + 4);
          for (let i = 0; i < nsrc; i++) this.ip6(b, r + 20 + 16 * i);
          r += 20 + 16 * nsrc + b[r + 1] * 4;
        }
      } else if (type === 137) {
        this.ip6(b, l4 + 8);
        this.ip6(b, l4 + 24);
        opt = l4 + 40;
      }
      while (opt >= 0 && opt + 2 <= end) {
        const t = b[opt];
        const len = b[opt + 1] * 8;
        if (len === 0) break;
        if ((t === 1 || t === 2) && len >= 8) this.mac(b, opt + 2);
        opt += len;
      }
      region?.update(l4 + 2, pseudoOld, pseudoNew, false);
    } else if (next === 17 && end >= l4 + 8) {
      const sp = b.readUInt16BE(l4);
      const dp = b.readUInt16BE(l4 + 2);
      if ([546, 547].includes(sp) || [546, 547].includes(dp)) {
        this.stats.dhcp++;
        // relay messages (12, 13) carry 34 bytes of header before their options
        const msg = b[l4 + 8];
        this.dhcp6Options(b, l4 + 8 + (msg === 12 || msg === 13 ? 34 : 4), end);
      } else this.stats.uninspected++;
      region?.update(l4 + 6, pseudoOld, pseudoNew, true);
    } else this.stats.uninspected++;
  }

  private udp(b: Bytes, u: number, end: number, embedded: boolean): void {
    if (embedded) return;
    const sp = b.readUInt16BE(u);
    const dp = b.readUInt16BE(u + 2);
    const d = u + 8;
    if ([67, 68, 4011].includes(sp) || [67, 68, 4011].includes(dp)) {
      if (end - d >= 240 && b.readUInt32BE(d + 236) === 0x63825363) {
        this.stats.dhcp++;
        this.dhcp(b, d, end);
        return;
      }
    }
    // TFTP: RRQ/WRQ to 69, ERROR anywhere (opcode 5 + code + text)
    if (end - d >= 4) {
      const op = b.readUInt16BE(d);
      if ((op === 1 || op === 2) && dp === 69) {
        this.stats.tftp++;
        this.textIn(b, d + 2, end);
        return;
      }
      if (op === 5 && b[end - 1] === 0 && b.readUInt16BE(d + 2) <= 8) {
        this.stats.tftp++;
        this.textIn(b, d + 4, end);
        return;
      }
      if (op >= 3 && op <= 6) {
        this.stats.tftp++;
        return; // DATA/ACK/OACK: no addresses
      }
    }
    this.stats.uninspected++;
  }

  private dhcp(b: Bytes, d: number, end: number): void {
    const htype = b[d + 1];
    const hlen = b[d + 2];
    if (htype === 1 && hlen === 6) this.mac(b, d + 28);
    for (const o of [12, 16, 20, 24]) this.ip4(b, d + o);
    let overload = 0;
    const opts = (start: number, stop: number): void => {
      let p = start;
      while (p < stop) {
        const code = b[p];
        if (code === 0) {
          p++;
          continue;
        }
        if (code === 255) break;
        if (p + 2 > stop) break;
        const len = b[p + 1];
        const v = p + 2;
        if (v + len > stop) break;
        this.option(b, code, v, len);
        if (code === 52 && len === 1) overload = b[v];
        p = v + len;
      }
    };
    opts(d + 240, end);
    if (overload & 1) opts(d + 108, d + 236);
    else this.textIn(b, d + 108, d + 236);
    if (overload & 2) opts(d + 44, d + 108);
    else this.textIn(b, d + 44, d + 108);
  }

  private option(b: Bytes, code: number, v: number, len: number): void {
    const addrList = [
      3, 4, 5, 6, 7, 28, 41, 42, 44, 45, 48, 49, 50, 54, 65, 68, 69, 70, 71, 72, 73, 74, 75, 76, 150,
    ];
    if (addrList.includes(code)) {
      for (let i = 0; i + 4 <= len; i += 4) this.ip4(b, v + i);
    } else if (code === 61) {
      if (b[v] === 1 && len === 7) this.mac(b, v + 1);
      else if (b[v] === 255 && len >= 5) this.duid(b, v + 5, len - 5);
    } else if (code === 97 && len === 17 && b[v] === 0) {
      const o = b.toString('hex', v + 1, v + 17);
      const n = this.m.mapUuid(o);
      this.learnUuid(o, n);
      Buffer.from(n, 'hex').copy(b, v + 1);
    } else if (code === 12 || code === 15) {
      b.fill(0x78, v, v + len);
    } else if (code === 81 && len > 3) {
      b.fill(0x78, v + 3, v + len);
    } else if (code === 66 || code === 67 || code === 209 || code === 210) {
      this.textIn(b, v, v + len);
    } else if (code === 43) {
      // PXE vendor options: 8 = boot servers: type(2) count(1) addr*count
      let p = v;
      while (p + 2 <= v + len) {
        const sc = b[p];
        if (sc === 0) {
          p++;
          continue;
        }
        if (sc === 255) break;
        const sl = b[p + 1];
        if (sc === 8) {
          let q = p + 2;
          while (q + 3 <= p + 2 + sl) {
            const cnt = b[q + 2];
            for (let i = 0; i < cnt && q + 3 + 4 * i + 4 <= p + 2 + sl; i++) this.ip4(b, q + 3 + 4 * i);
            q += 3 + 4 * cnt;
          }
        }
        p += 2 + sl;
      }
    }
  }

  /** DHCPv6 options: DUIDs, IA addresses and prefixes, DNS servers, FQDN, nested relay messages. */
  private dhcp6Options(b: Bytes, p: number, end: number): void {
    while (p + 4 <= end) {
      const code = b.readUInt16BE(p);
      const len = b.readUInt16BE(p + 2);
      const v = p + 4;
      if (v + len > end) break;
      if (code === 1 || code === 2) this.duid(b, v, len);
      else if (code === 3 || code === 25) this.dhcp6Options(b, v + 12, v + len);
      else if (code === 4) this.dhcp6Options(b, v + 4, v + len);
      else if (code === 5 && len >= 24) {
        this.ip6(b, v);
        this.dhcp6Options(b, v + 24, v + len);
      } else if (code === 26 && len >= 25) this.ip6(b, v + 9);
      else if (code === 23 || code === 22) for (let i = 0; i + 16 <= len; i += 16) this.ip6(b, v + i);
      else if (code === 39 && len > 1) b.fill(0x78, v + 1, v + len);
      else if (code === 9) {
        const msg = b[v];
        this.dhcp6Options(b, v + (msg === 12 || msg === 13 ? 34 : 4), v + len);
      }
      p = v + len;
    }
  }

  private duid(b: Bytes, p: number, len: number): void {
    if (len < 4) return;
    const t = b.readUInt16BE(p);
    if (t === 3 && b.readUInt16BE(p + 2) === 1 && len >= 10) this.mac(b, p + 4);
    if (t === 1 && b.readUInt16BE(p + 2) === 1 && len >= 14) this.mac(b, p + 8);
    if (t === 4 && len === 18) {
      // DUID-UUID (RFC 6355): the same UUID as DHCPv4 option 97
      const o = b.toString('hex', p + 2, p + 18);
      const n = this.m.mapUuid(o);
      this.learnUuid(o, n);
      Buffer.from(n, 'hex').copy(b, p + 2);
    }
  }
}

function replaceAllCI(s: string, o: string, n: string): string {
  const re = new RegExp(o.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi');
  return s.replace(re, (hit) => (hit === hit.toUpperCase() && /[a-f]/.test(n) ? n.toUpperCase() : n));
}

/** Walk a pcap or pcapng file, rewriting packet data in place. */
function processFile(buf: Bytes, a: Anonymiser): Bytes {
  const magic = buf.readUInt32LE(0);
  if (magic === 0x0a0d0d0a) return processPcapng(buf, a);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const be = magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1;
  if (!le && !be) throw new Error('not a pcap or pcapng file');
  const r32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const linkType = r32(20) & 0x0fffffff;
  let p = 24;
  while (p + 16 <= buf.length) {
    const incl = r32(p + 8);
    const d = p + 16;
    if (d + incl > buf.length) break;
    a.frame(buf.subarray(d, d + incl), linkType);
    p = d + incl;
  }
  return buf;
}

function processPcapng(buf: Bytes, a: Anonymiser): Bytes {
  const out: Bytes[] = [];
  let le = true;
  let links: number[] = [];
  let p = 0;
  while (p + 12 <= buf.length) {
    const type = buf.readUInt32LE(p);
    if (type === 0x0a0d0d0a) {
      const bom = buf.readUInt32LE(p + 8);
      le = bom === 0x1a2b3c4d;
      links = [];
    }
    const r32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
    const r16 = (o: number): number => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
    const btype = r32(p);
    const blen = r32(p + 4);
    if (blen < 12 || p + blen > buf.length) break;
    const blk = buf.subarray(p, p + blen);
    if (btype === 1) links.push(r16(p + 8));
    else if (btype === 6) {
      const ifid = r32(p + 8);
      const cap = r32(p + 20);
      a.frame(buf.subarray(p + 28, p + 28 + cap), links[ifid] ?? 1);
    } else if (btype === 3) {
      const orig = r32(p + 8);
      a.frame(buf.subarray(p + 12, p + 12 + Math.min(orig, blen - 16)), links[0] ?? 1);
    } else if (btype === 2) {
      const cap = r32(p + 16);
      a.frame(buf.subarray(p + 28, p + 28 + cap), links[r16(p + 8)] ?? 1);
    }
    if (btype !== 4 && btype !== 10) out.push(blk); // drop name resolution + decryption secrets
    p += blen;
  }
  return Buffer.concat(out);
}

function main(argv: string[]): number {
  const args = argv.slice(2);
  const pos: string[] = [];
  const m = new Mapper();
  let mapFile: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const x = args[i];
    if (x === '--map') mapFile = args[++i];
    else if (x === '--keep-ip') m.keepIp = true;
    else if (x === '--keep-mac') m.keepMac = true;
    else if (x === '-h' || x === '--help') pos.length = 99;
    else pos.push(x);
  }
  if (pos.length !== 2) {
    process.stderr.write(
      'usage: node dist/test/lab/anonymise.js <in.pcap|in.pcapng> <out> [--map map.json] [--keep-ip] [--keep-mac]\n' +
        '  --map FILE   reuse and extend a mapping (JSON) so several captures stay consistent\n',
    );
    return 2;
  }
  if (mapFile) {
    try {
      m.load(readFileSync(mapFile, 'utf8'));
    } catch {
      /* new map */
    }
  }
  const a = new Anonymiser(m);
  const buf = Buffer.from(readFileSync(pos[0]));
  // Pass 1 learns the addresses (so text seen before the DHCP ACK is mapped too), pass 2 rewrites.
  processFile(Buffer.from(buf), a);
  a.stats = { frames: 0, ip4: 0, ip6: 0, arp: 0, dhcp: 0, tftp: 0, uninspected: 0, other: 0 };
  const out = processFile(buf, a);
  writeFileSync(pos[1], out);
  if (mapFile) writeFileSync(mapFile, m.save() + '\n');
  const s = a.stats;
  process.stderr.write(
    `anonymise: ${s.frames} frames (IPv4 ${s.ip4}, IPv6 ${s.ip6}, ARP ${s.arp}, DHCP ${s.dhcp}, TFTP ${s.tftp}); ` +
      `${s.uninspected} with payloads not inspected, ${s.other} of other protocols\n`,
  );
  for (const [o, n] of m.mac) process.stderr.write(`  mac  ${o} -> ${n}\n`);
  for (const [o, n] of m.net24) process.stderr.write(`  ipv4 ${o}.0/24 -> ${n}.0/24\n`);
  if (s.uninspected + s.other > 0) {
    process.stderr.write(
      '  check those frames (tshark) for names or addresses in their payloads before sharing\n',
    );
  }
  return 0;
}

process.exitCode = main(process.argv);
