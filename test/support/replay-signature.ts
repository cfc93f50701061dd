/**
 * A replay report in one line per differing exchange, for assertions written by reading the capture:
 * "label | fields that differ", and with `explains` also "| findings explained".
 */
import type { ReplayReport } from '../../src/report/replay-model.js';

export function replaySignature(r: ReplayReport, opts: { explains?: boolean } = {}): string[] {
  return r.clients.flatMap((c) =>
    c.exchanges
      .filter((e) => e.status === 'differs')
      .map((e) => {
        const fields = e.fields
          .filter((f) => f.status === 'differs')
          .map((f) => f.field)
          .join(', ');
        return opts.explains === true
          ? `${e.label} | ${fields} | ${e.explains.join(', ')}`
          : `${e.label} | ${fields}`;
      }),
  );
}
