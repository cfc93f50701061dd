import { fromHex } from './bytes.js';
import { DEFAULT_MAX_MESSAGE_SIZE } from './encode.js';
import { messageTypeCode, messageTypeName, type DhcpMessageTypeName } from './options/message-type.js';
import { decodeOptionValue, dhcpOptionName, encodeOption } from './options/registry.js';
import { setWire, type DhcpMessage, type DhcpOption, type DhcpOptionValue } from './types.js';

/** An option given by code: a typed value (its bytes are encoded), raw bytes (the value is decoded), or both. */
export type DhcpOptionInput =
  | { code: number; value: DhcpOptionValue; raw?: undefined }
  | { code: number; raw: Uint8Array; value?: DhcpOptionValue };

export function makeOption(input: DhcpOptionInput): DhcpOption {
  const { code } = input;
  if (!Number.isInteger(code) || code < 1 || code > 254) throw new TypeError(`not an option code: ${code}`);
  const name = dhcpOptionName(code);
  if (input.raw === undefined)
    return { code, name, value: input.value, raw: encodeOption(code, input.value), source: 'options' };
  // Raw bytes without a value: read without a vendor class (an option 43 given so stays hex).
  const value =
    input.value ?? decodeOptionValue(code, input.raw, { vendorClass: null, note: () => undefined });
  return { code, name, value, raw: input.raw, source: 'options' };
}

export interface DhcpMessageFields {
  /** Default 1 (BOOTREQUEST). */
  op?: number;
  /** Default 1 (Ethernet). */
  htype?: number;
  /** Default: the number of bytes in chaddr. */
  hlen?: number;
  hops?: number;
  xid?: number;
  secs?: number;
  flags?: number;
  broadcast?: boolean;
  ciaddr?: string;
  yiaddr?: string;
  siaddr?: string;
  giaddr?: string;
  chaddr?: string;
  sname?: string;
  file?: string;
  /** Adds option 53 first unless `options` already has one. */
  messageType?: DhcpMessageTypeName;
  options?: readonly DhcpOptionInput[];
  /** Maximum DHCP message size for encoding (option-57 sense); default 576. */
  maxSize?: number;
}

const ZERO = '0.0.0.0';

/**
 * A message built from fields (the replayer's requests, tests). Encoded canonically by encodeDhcp: options in
 * the given order, overloading file/sname beyond maxSize.
 */
export function dhcpMessageFromFields(f: DhcpMessageFields): DhcpMessage {
  const chaddr = f.chaddr ?? '';
  const options = (f.options ?? []).map(makeOption);
  if (f.messageType !== undefined && !options.some((o) => o.code === 53)) {
    const code = messageTypeCode(f.messageType);
    options.unshift(
      makeOption({ code: 53, value: { kind: 'messageType', code, name: messageTypeName(code) } }),
    );
  }
  const type53 = options.find((o) => o.code === 53);
  const flags = f.flags ?? (f.broadcast === true ? 0x8000 : 0);
  const msg: DhcpMessage = {
    op: f.op ?? 1,
    htype: f.htype ?? 1,
    hlen: f.hlen ?? fromHex(chaddr).length,
    hops: f.hops ?? 0,
    xid: (f.xid ?? 0) >>> 0,
    secs: f.secs ?? 0,
    flags,
    broadcast: f.broadcast ?? (flags & 0x8000) !== 0,
    ciaddr: f.ciaddr ?? ZERO,
    yiaddr: f.yiaddr ?? ZERO,
    siaddr: f.siaddr ?? ZERO,
    giaddr: f.giaddr ?? ZERO,
    chaddr,
    sname: f.sname ?? '',
    file: f.file ?? '',
    messageType: type53 !== undefined && type53.raw.length > 0 ? messageTypeName(type53.raw[0]) : null,
    options,
    notes: [],
  };
  return setWire(msg, { layout: 'canonical', maxSize: f.maxSize ?? DEFAULT_MAX_MESSAGE_SIZE });
}

/** The reply size limit a request asks for: its option 57 if at least 576 (RFC 2132 9.10), else 576. */
export function maxMessageSize(request: DhcpMessage): number {
  const o = request.options.find((x) => x.code === 57);
  if (o === undefined || o.raw.length !== 2) return DEFAULT_MAX_MESSAGE_SIZE;
  return Math.max(DEFAULT_MAX_MESSAGE_SIZE, (o.raw[0] << 8) | o.raw[1]);
}

export interface DhcpReplyParams {
  messageType: DhcpMessageTypeName;
  yiaddr?: string;
  /** Next server (TFTP) address. */
  siaddr?: string;
  /** Option 54, written right after option 53. */
  serverId?: string;
  file?: string;
  sname?: string;
  options?: readonly DhcpOptionInput[];
  /** Default: maxMessageSize(request). */
  maxSize?: number;
}

/**
 * A server's reply to a request, with the fields RFC 2131 table 3 takes from the request: xid, flags
 * (broadcast bit), giaddr, htype/hlen/chaddr, and ciaddr for an ACK. A NAK carries no addresses or boot file.
 * Options: 53, then 54 (serverId), then the given ones, then the request's relay agent information (82)
 * echoed last as RFC 3046 2.2 asks, unless the given options already hold one.
 */
export function buildDhcpReply(request: DhcpMessage, p: DhcpReplyParams): DhcpMessage {
  const nak = p.messageType === 'NAK';
  const given = (p.options ?? []).map(makeOption);
  const options: DhcpOptionInput[] = [];
  if (p.serverId !== undefined) options.push({ code: 54, value: { kind: 'ip', ip: p.serverId } });
  options.push(...given.filter((o) => o.code !== 53 && (p.serverId === undefined || o.code !== 54)));
  const relay = request.options.find((o) => o.code === 82);
  if (relay !== undefined && !given.some((o) => o.code === 82))
    options.push({ code: 82, raw: relay.raw, value: relay.value });
  return dhcpMessageFromFields({
    op: 2,
    htype: request.htype,
    hlen: request.hlen,
    hops: 0,
    xid: request.xid,
    secs: 0,
    flags: request.flags,
    broadcast: request.broadcast,
    ciaddr: p.messageType === 'ACK' ? request.ciaddr : ZERO,
    yiaddr: nak ? ZERO : (p.yiaddr ?? ZERO),
    siaddr: nak ? ZERO : (p.siaddr ?? ZERO),
    giaddr: request.giaddr,
    chaddr: request.chaddr,
    sname: nak ? '' : (p.sname ?? ''),
    file: nak ? '' : (p.file ?? ''),
    messageType: p.messageType,
    options,
    maxSize: p.maxSize ?? maxMessageSize(request),
  });
}
