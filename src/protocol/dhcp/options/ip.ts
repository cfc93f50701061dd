import { concatBytes, ipv4Bytes, readIpv4 } from '../bytes.js';
import { OptionValueError, wrongKind, type OptionCodec } from './codec.js';

export interface IpValue {
  kind: 'ip';
  ip: string;
}

export interface IpListValue {
  kind: 'ipList';
  ips: string[];
}

/** Address pairs: policy filter (21: address, mask) and static routes (33: destination, router). */
export interface IpPairsValue {
  kind: 'ipPairs';
  pairs: [string, string][];
}

export function readIpList(raw: Uint8Array): string[] {
  const ips: string[] = [];
  for (let off = 0; off + 4 <= raw.length; off += 4) ips.push(readIpv4(raw, off));
  return ips;
}

export const ipCodec: OptionCodec = {
  decode(raw) {
    if (raw.length !== 4) throw new OptionValueError(`length ${raw.length} is not 4 for an IPv4 address`);
    return { kind: 'ip', ip: readIpv4(raw, 0) };
  },
  encode: (v) => (v.kind === 'ip' ? ipv4Bytes(v.ip) : wrongKind('ip', v)),
};

/** A list of addresses; `minimum` is 0 for the few options RFC 2132 allows empty (68: mobile IP home agent). */
export function ipListCodec(minimum = 1): OptionCodec {
  return {
    decode(raw) {
      if (raw.length % 4 !== 0 || raw.length < minimum * 4) {
        throw new OptionValueError(`length ${raw.length} is not a multiple of 4 for an IPv4 address list`);
      }
      return { kind: 'ipList', ips: readIpList(raw) };
    },
    encode: (v) => (v.kind === 'ipList' ? concatBytes(v.ips.map(ipv4Bytes)) : wrongKind('ipList', v)),
  };
}

export const ipPairsCodec: OptionCodec = {
  decode(raw) {
    if (raw.length === 0 || raw.length % 8 !== 0) {
      throw new OptionValueError(`length ${raw.length} is not a multiple of 8 for IPv4 address pairs`);
    }
    const ips = readIpList(raw);
    const pairs: [string, string][] = [];
    for (let i = 0; i < ips.length; i += 2) pairs.push([ips[i], ips[i + 1]]);
    return { kind: 'ipPairs', pairs };
  },
  encode: (v) =>
    v.kind === 'ipPairs' ? concatBytes(v.pairs.flatMap((p) => p.map(ipv4Bytes))) : wrongKind('ipPairs', v),
};
