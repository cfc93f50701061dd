/**
 * Run inside a client namespace by serve-abuse.test.ts: abusive HTTP connections to argv[2]:argv[3] from
 * local address argv[4], for file argv[5]: one that sends nothing, two that ask for the file and never
 * read, one that reads 1 KiB every 200 ms, then two more (over a cap of 4, they should get 503). Once all
 * six are connected it prints "connected", then after argv[6] ms one JSON line with what the two extra
 * connections received, and exits (closing whatever is still open).
 */
import { connect, type Socket } from 'node:net';

const [host, portText, local, file, holdText] = process.argv.slice(2);
const port = Number(portText);
const request = `GET /${file} HTTP/1.1\r\nHost: ${host}\r\n\r\n`;

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port, localAddress: local }, () => resolve(s));
    s.once('error', reject);
  });
}

const sockets: Socket[] = [];
const idle = await open();
sockets.push(idle);
for (let i = 0; i < 2; i++) {
  const stalled = await open();
  stalled.pause();
  stalled.write(request);
  sockets.push(stalled);
}
const slow = await open();
slow.pause();
slow.write(request);
const drip = setInterval(() => slow.read(1024), 200);
sockets.push(slow);
// Connections are counted by the server when it accepts them: let it see the first four.
await new Promise((r) => setTimeout(r, 300));
const extra: string[] = [];
await Promise.all(
  [0, 1].map(async () => {
    const s = await open();
    sockets.push(s);
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', () => undefined);
    await new Promise<void>((r) => s.once('close', () => r()));
    extra.push(Buffer.concat(chunks).toString('latin1').split('\r\n')[0]);
  }),
);
process.stdout.write('connected\n');
for (const s of sockets) s.on('error', () => undefined);
await new Promise((r) => setTimeout(r, Number(holdText)));
clearInterval(drip);
process.stdout.write(`${JSON.stringify({ extra })}\n`);
for (const s of sockets) s.destroy();
