/** Decode warnings as one line of text (defined with the decoder; re-exported for the reports). */
export { formatDecodeWarning } from '../protocol/decode-stream.js';
