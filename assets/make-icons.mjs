// Draws the app and tray icons as PNGs with no image library: a small rasteriser with
// 4×4 supersampling, and a PNG encoder over node:zlib. Run `node assets/make-icons.mjs`
// after changing a colour or shape; the PNGs are committed.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const here = new URL('.', import.meta.url);

function crc32(buf) {
  let c;
  const table = crc32.table ??= Array.from({ length: 256 }, (_, n) => {
    c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let crc = 0xffffffff;
  for (const b of buf) crc = table[(crc ^ b) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function png(size, pixel) {
  const raw = Buffer.alloc((size * 4 + 1) * size);
  const S = 4;
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < S; sy++) for (let sx = 0; sx < S; sx++) {
        const [pr, pg, pb, pa] = pixel((x + (sx + 0.5) / S) / size, (y + (sy + 0.5) / S) / size);
        r += pr * pa; g += pg * pa; b += pb * pa; a += pa;
      }
      const o = y * (size * 4 + 1) + 1 + x * 4;
      raw[o] = a ? Math.round(r / a) : 0;
      raw[o + 1] = a ? Math.round(g / a) : 0;
      raw[o + 2] = a ? Math.round(b / a) : 0;
      raw[o + 3] = Math.round((a / (S * S)) * 255);
    }
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; ihdr[9] = 6; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

const hex = (h) => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];
const WHITE = [255, 255, 255];
const NONE = [0, 0, 0, 0];

/** Two arcs with arrow heads: the sync mark, in unit coordinates around (0.5, 0.5). */
function syncMark(x, y, inner, outer) {
  const dx = x - 0.5, dy = y - 0.5;
  const d = Math.hypot(dx, dy);
  const angle = Math.atan2(dy, dx); // -π..π, 0 = right
  const onRing = d >= inner && d <= outer;
  // Two gaps (top-right and bottom-left) split the ring into two arcs.
  const gap = (a, centre) => Math.abs(Math.atan2(Math.sin(a - centre), Math.cos(a - centre))) < 0.42;
  if (onRing && !gap(angle, -Math.PI / 4) && !gap(angle, (3 * Math.PI) / 4)) return true;
  // Arrow heads: triangles at the end of each arc.
  const head = (cx, cy, ux, uy) => {
    const px = x - cx, py = y - cy;
    const along = px * ux + py * uy;
    const across = Math.abs(-px * uy + py * ux);
    return along >= 0 && along <= 0.16 && across <= (0.16 - along) * 0.9;
  };
  const r = (inner + outer) / 2;
  const a1 = -Math.PI / 4 - 0.42, a2 = (3 * Math.PI) / 4 - 0.42;
  return head(0.5 + r * Math.cos(a1), 0.5 + r * Math.sin(a1), Math.sin(a1), -Math.cos(a1)) ||
    head(0.5 + r * Math.cos(a2), 0.5 + r * Math.sin(a2), Math.sin(a2), -Math.cos(a2));
}

function roundedSquare(x, y, radius) {
  const qx = Math.max(Math.abs(x - 0.5) - (0.5 - radius), 0);
  const qy = Math.max(Math.abs(y - 0.5) - (0.5 - radius), 0);
  return Math.hypot(qx, qy) <= radius;
}

const appIcon = png(256, (x, y) => {
  if (!roundedSquare(x, y, 0.22)) return NONE;
  return syncMark(x, y, 0.2, 0.3) ? [...WHITE, 1] : [...hex('#2458d6'), 1];
});
writeFileSync(new URL('app.png', here), appIcon);

const TONES = { ok: '#1f9d55', busy: '#2458d6', paused: '#c58a00', offline: '#6b7280', error: '#c62828' };
for (const [tone, colour] of Object.entries(TONES)) {
  const icon = png(32, (x, y) => {
    const d = Math.hypot(x - 0.5, y - 0.5);
    if (d > 0.48) return NONE;
    if (tone === 'paused' && Math.abs(y - 0.5) < 0.2 && (Math.abs(x - 0.4) < 0.055 || Math.abs(x - 0.6) < 0.055)) return [...WHITE, 1];
    if (tone === 'error' && ((Math.abs(x - 0.5) < 0.06 && y > 0.24 && y < 0.6) || Math.hypot(x - 0.5, y - 0.72) < 0.065)) return [...WHITE, 1];
    if (tone !== 'paused' && tone !== 'error' && syncMark(x, y, 0.19, 0.3)) return [...WHITE, 1];
    return [...hex(colour), 1];
  });
  writeFileSync(new URL(`tray-${tone}.png`, here), icon);
}
console.log('icons written to', here.pathname);
