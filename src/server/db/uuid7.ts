// UUIDv7 (RFC 9562): a millisecond timestamp then random bits, the same kind of id Prisma's
// uuid(7) default makes, for rows inserted with raw SQL. Ids made in the same millisecond by
// this process sort in the order they were made (RFC 9562 method 3: the 12 bits after the version
// count, from a random start below 2,048): runs queued in one millisecond keep their order in the
// slot queue (queuedAt, id), which the one-statement trigger made possible to hit.
import { randomBytes } from "node:crypto";

let lastMs = -1;
let sequence = 0;

export function uuid7(now = Date.now()): string {
  const b = randomBytes(16);
  if (now === lastMs && sequence < 0xfff) {
    sequence += 1;
  } else if (now !== lastMs) {
    lastMs = now;
    sequence = ((b[6] ?? 0) << 8 | (b[7] ?? 0)) & 0x7ff;
  }
  b.writeUIntBE(now, 0, 6);
  b[6] = 0x70 | (sequence >> 8);
  b[7] = sequence & 0xff;
  b[8] = 0x80 | ((b[8] ?? 0) & 0x3f);
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
