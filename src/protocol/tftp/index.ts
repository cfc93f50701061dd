/** TFTP codec: decode, byte-exact encode, builders for the server, tshark-like summaries. */
export * from './types.js';
export { decodeTftp, type TftpDecodeOptions } from './decode.js';
export { encodeTftp } from './encode.js';
export * from './builders.js';
export * from './errors.js';
export { BlockUnwrapper, unwrapBlock } from './blocks.js';
export { summarizeTftp } from './summary.js';
export {
  BLKSIZE_MAX,
  BLKSIZE_MIN,
  checkTftpOption,
  parseOptionNumber,
  tftpNumericOption,
} from './options.js';
export { displayBytes } from './text.js';
