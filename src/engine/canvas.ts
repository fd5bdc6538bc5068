/**
 * A tiny raster canvas for the project's pictures: alpha-blended rectangles, discs, lines and a built-in
 * 5 x 7 bitmap font (no fonts or native canvas needed), encoded to PNG by sharp, so a picture is identical
 * on every machine.
 */
import sharp from 'sharp';

export type Rgb = readonly [number, number, number];

export const WHITE: Rgb = [255, 255, 255];
export const GRID: Rgb = [232, 232, 232];
export const AXIS: Rgb = [170, 170, 170];
export const FRAME: Rgb = [150, 150, 150];
export const TEXT: Rgb = [40, 40, 40];
export const LABEL: Rgb = [120, 120, 120];

/**
 * 5 x 7 glyphs, one hex byte per row (top to bottom), bit 4 = leftmost column. Lower-case letters are
 * drawn as capitals; anything missing is drawn as '?'.
 */
const FONT: Record<string, string> = {
  ' ': '00000000000000',
  '0': '0e11131519110e',
  '1': '040c040404040e',
  '2': '0e11010204081f',
  '3': '1f02040201110e',
  '4': '02060a121f0202',
  '5': '1f101e0101110e',
  '6': '0608101e11110e',
  '7': '1f010204080808',
  '8': '0e11110e11110e',
  '9': '0e11110f01020c',
  A: '0e11111f111111',
  B: '1e11111e11111e',
  C: '0e11101010110e',
  D: '1c12111111121c',
  E: '1f10101e10101f',
  F: '1f10101e101010',
  G: '0e11101711110f',
  H: '1111111f111111',
  I: '0e04040404040e',
  J: '0702020202120c',
  K: '11121418141211',
  L: '1010101010101f',
  M: '111b1515111111',
  N: '11111915131111',
  O: '0e11111111110e',
  P: '1e11111e101010',
  Q: '0e11111115120d',
  R: '1e11111e141211',
  S: '0f10100e01011e',
  T: '1f040404040404',
  U: '1111111111110e',
  V: '11111111110a04',
  W: '1111111515150a',
  X: '11110a040a1111',
  Y: '11110a04040404',
  Z: '1f01020408101f',
  '.': '00000000000c0c',
  ',': '000000000c0408',
  ':': '000c0c000c0c00',
  ';': '000c0c000c0408',
  '-': '0000001f000000',
  _: '0000000000001f',
  '(': '02040808080402',
  ')': '08040202020408',
  '[': '0e08080808080e',
  ']': '0e02020202020e',
  '/': '00010204081000',
  '=': '00001f001f0000',
  '+': '0004041f040400',
  '%': '18190204081303',
  '#': '0a0a1f0a1f0a0a',
  '*': '0004150e150400',
  '<': '02040810080402',
  '>': '08040201020408',
  '!': '04040404040004',
  '?': '0e110102040004',
  "'": '04040800000000',
  '|': '04040404040404',
  '@': '0e11171517100e',
};

function glyphRows(ch: string): number[] {
  const hex = FONT[ch.toUpperCase()] ?? FONT['?'] ?? '';
  const rows: number[] = [];
  for (let r = 0; r < 7; r++) rows.push(parseInt(hex.slice(2 * r, 2 * r + 2), 16) || 0);
  return rows;
}

/** An RGBA canvas with alpha-blended drawing. */
export class Canvas {
  readonly data: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = WHITE,
  ) {
    this.data = new Uint8Array(width * height * 4);
    for (let i = 0; i < width * height; i++) {
      this.data[4 * i] = background[0];
      this.data[4 * i + 1] = background[1];
      this.data[4 * i + 2] = background[2];
      this.data[4 * i + 3] = 255;
    }
  }

  blend(x: number, y: number, color: Rgb, alpha = 1): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const o = 4 * (y * this.width + x);
    for (let c = 0; c < 3; c++) {
      const old = this.data[o + c] as number;
      this.data[o + c] = Math.round(old + alpha * ((color[c] as number) - old));
    }
  }

  fillRect(x0: number, y0: number, w: number, h: number, color: Rgb, alpha = 1): void {
    for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) this.blend(x, y, color, alpha);
  }

  /** A filled disc centred at continuous coordinates (cx, cy); pixel (i, j) covers [i, i+1) x [j, j+1). */
  disc(cx: number, cy: number, r: number, color: Rgb, alpha: number): void {
    const r2 = r * r;
    for (let y = Math.floor(cy - r); y <= Math.ceil(cy + r); y++) {
      for (let x = Math.floor(cx - r); x <= Math.ceil(cx + r); x++) {
        if ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= r2) this.blend(x, y, color, alpha);
      }
    }
  }

  /** A straight line between continuous coordinates, drawn as discs of diameter `width` along it. */
  line(x0: number, y0: number, x1: number, y1: number, color: Rgb, width = 1, alpha = 1): void {
    const steps = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0)));
    const r = width / 2;
    for (let i = 0; i <= steps; i++) {
      const t = i / steps;
      const x = x0 + t * (x1 - x0);
      const y = y0 + t * (y1 - y0);
      if (width <= 1) this.blend(Math.floor(x), Math.floor(y), color, alpha);
      else this.disc(x, y, r, color, alpha);
    }
  }

  textWidth(text: string, scale: number): number {
    return text.length === 0 ? 0 : (6 * text.length - 1) * scale;
  }

  text(x0: number, y0: number, text: string, color: Rgb, scale = 1): void {
    let x = x0;
    for (const ch of text) {
      const rows = glyphRows(ch);
      for (let r = 0; r < 7; r++) {
        const bits = rows[r] as number;
        for (let c = 0; c < 5; c++) {
          if (bits & (16 >> c)) this.fillRect(x + c * scale, y0 + r * scale, scale, scale, color);
        }
      }
      x += 6 * scale;
    }
  }
}

/** A plot area in pixels; `right` and `bottom` are the last columns and rows inside it. */
export interface Frame {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

/** A one-pixel line around a plot area, on its outermost pixels. */
export function drawFrame(c: Canvas, f: Frame): void {
  c.fillRect(f.left, f.top, f.right - f.left, 1, FRAME);
  c.fillRect(f.left, f.bottom, f.right - f.left + 1, 1, FRAME);
  c.fillRect(f.left, f.top, 1, f.bottom - f.top, FRAME);
  c.fillRect(f.right, f.top, 1, f.bottom - f.top, FRAME);
}

/** Opacity of the white box under text drawn over a picture. */
const BACKDROP_ALPHA = 0.8;

/** A title at (x, y) in text scale s; with `backdrop`, on a white box that many pixels wider all round. */
export function drawTitle(
  c: Canvas,
  text: string | undefined,
  x: number,
  y: number,
  s: number,
  backdrop?: number,
): void {
  if (!text) return;
  if (backdrop !== undefined) {
    c.fillRect(
      x - backdrop,
      y - backdrop,
      c.textWidth(text, s) + 2 * backdrop,
      7 * s + 2 * backdrop,
      WHITE,
      BACKDROP_ALPHA,
    );
  }
  c.text(x, y, text, TEXT, s);
}

export type LegendEntry = readonly [label: string, color: Rgb];

export interface LegendOptions {
  /** Distance from one entry to the next, in text-scale units (default 11). */
  readonly rowHeight?: number;
  /** Draw each entry on a translucent white box one text-scale unit wider all round. */
  readonly backdrop?: boolean;
}

/** Width of a legend's widest entry: a 7-unit colour square, a 3-unit gap and the label. */
export function legendWidth(c: Canvas, entries: readonly LegendEntry[], s: number): number {
  return Math.max(0, ...entries.map(([label]) => c.textWidth(label, s))) + 10 * s;
}

/** A colour square and a label per entry, one below the other, starting at (x, y), in text scale s. */
export function drawLegend(
  c: Canvas,
  entries: readonly LegendEntry[],
  x: number,
  y: number,
  s: number,
  opts: LegendOptions = {},
): void {
  const width = opts.backdrop ? legendWidth(c, entries, s) : 0;
  entries.forEach(([label, color], i) => {
    const yy = y + i * (opts.rowHeight ?? 11) * s;
    if (opts.backdrop) c.fillRect(x - s, yy - s, width + 2 * s, 9 * s, WHITE, BACKDROP_ALPHA);
    c.fillRect(x, yy, 7 * s, 7 * s, color);
    c.text(x + 10 * s, yy, label, TEXT, s);
  });
}

/** Ends of the diverging colour scale of value surfaces: blue at the low end, red at the high end. */
export const SURFACE_LOW: Rgb = [33, 102, 172];
export const SURFACE_HIGH: Rgb = [178, 24, 43];

/** The smallest and largest finite value ([Infinity, -Infinity] when there is none). */
export function finiteRange(values: Iterable<number>): [lo: number, hi: number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  return [lo, hi];
}

/** A 'nice' grid step (1, 2 or 5 times a power of ten) giving about `target` intervals over `range`. */
export function niceStep(range: number, target: number): number {
  const raw = range / target;
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * power;
}

export function formatTick(v: number, step: number): string {
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const s = v.toFixed(decimals);
  return s === `-${(0).toFixed(decimals)}` ? s.slice(1) : s;
}

export async function encode(
  data: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3 | 4,
): Promise<Buffer> {
  return sharp(data, { raw: { width, height, channels } })
    .toColourspace(channels === 1 ? 'b-w' : 'srgb')
    .png()
    .toBuffer();
}
