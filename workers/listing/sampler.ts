/**
 * The Ken Burns sampler: bilinear sampling of a yuv420p still through a moving view rectangle (sub-pixel positions, no
 * scaler set-up per frame), in WebAssembly with 128-bit SIMD. JavaScript makes the per-frame tables (where each output
 * column reads, in blocks of eight) and the kernel does the per-pixel work: each output row blends its two source rows
 * into 16-bit sums, then gathers across with byte shuffles. The sums are those of the direct four-tap form with weights
 * in 1/256 and one rounding, so the frames are bit-exact with it (tests/unit/listing-sampler.test.ts).
 */
import wabtModule from 'wabt';
import type { View, Yuv } from './frames';

/** Still sizes the sampler reads: the luma width a multiple of 8 (whole 8-byte chroma steps), the height even. */
export function stillWidth(min: number): number {
  return Math.ceil(min / 8) * 8;
}

let compiled: Promise<WebAssembly.Module> | null = null;

/** The kernel, assembled once per process from its text below (wabt) and compiled. */
export function loadSampler(): Promise<WebAssembly.Module> {
  compiled ??= (async () => {
    const wabt = await wabtModule();
    const parsed = wabt.parseWat('sampler.wat', SAMPLER_WAT, { simd: true });
    try {
      parsed.validate();
      return await WebAssembly.compile(new Uint8Array(parsed.toBinary({}).buffer));
    } finally {
      parsed.destroy();
    }
  })();
  return compiled;
}

/** A u16 lane of a shuffle mask: the byte indices of a sample's two bytes (out of range, so zero, when negative). */
function maskPair(lane: number): number {
  return (lane & 255) | (((lane + 1) & 255) << 8);
}

/** Bytes of one block's table: base (i32, padded to 16), four i8x16 masks, the weights w and 256 − w (i16x8). */
const BLOCK_BYTES = 112;
/** Stills kept in the kernel's memory: two pieces at once, each fading between two photos. */
const SLOTS = 4;
const PAGE = 65536;

interface Kernel {
  memory: WebAssembly.Memory;
  plane: (src: number, sw: number, sh: number, dst: number, dw: number, dh: number, tab: number, nblocks: number, cols: number, row: number, vy: number, ky: number, q0: number, q1: number) => void;
}

/** Writes frames of one size from stills of one size (the first still sampled fixes it). Needs `await loadSampler()` first. */
export class Sampler {
  private readonly kernel: Kernel;
  private layout: { sw: number; sh: number; tab: number; cols: number; row: number; out: number; slots: number } | null = null;
  /** Which still sits in which slot, and when it was last sampled. */
  private slots: { still: Yuv | null; used: number }[] = [];
  private clock = 0;
  private bytes = new Uint8Array(0);
  private words = new Int32Array(0);
  private halves = new Uint16Array(0);

  constructor(
    readonly width: number,
    readonly height: number,
    module: WebAssembly.Module
  ) {
    if (width % 8 || height % 2) throw new Error(`frames are ${width}×${height}: the width must be a multiple of 8, the height even`);
    this.kernel = new WebAssembly.Instance(module).exports as unknown as Kernel;
  }

  /** Writes the view of `src` into `dst` (a frame of this sampler's size). */
  sample(src: Yuv, view: View, dst: Uint8Array): void {
    const { width: W, height: H } = this;
    if (src.width % 8 || src.height % 2) throw new Error(`a still of ${src.width}×${src.height} cannot be sampled (width a multiple of 8, height even)`);
    const at = this.slotOf(src);
    const sw = src.width, sh = src.height, cw = sw >> 1, ch = sh >> 1;
    const { out } = this.layout!;
    this.plane(at, sw, sh, out, W, H, view);
    const half = { x: view.x / 2, y: view.y / 2, w: view.w / 2, h: view.h / 2 };
    this.plane(at + sw * sh, cw, ch, out + W * H, W >> 1, H >> 1, half);
    this.plane(at + sw * sh + cw * ch, cw, ch, out + W * H + (W >> 1) * (H >> 1), W >> 1, H >> 1, half);
    dst.set(this.bytes.subarray(out, out + W * H * 1.5));
  }

  private plane(src: number, sw: number, sh: number, dst: number, dw: number, dh: number, v: View): void {
    const { tab, cols, row } = this.layout!;
    const words = this.words, halves = this.halves;
    const c0 = cols >> 2;
    const kx = v.w / dw;
    for (let x = 0; x < dw; x++) {
      let sx = v.x + (x + 0.5) * kx - 0.5;
      if (sx < 0) sx = 0;
      if (sx > sw - 1) sx = sw - 1;
      const i = Math.min(sw - 2, Math.floor(sx));
      words[c0 + x] = (i << 9) | Math.round((sx - i) * 256);
    }
    // Blocks of eight outputs whose left samples, and their right neighbours, lie within 16 of the block's first.
    let nblocks = dw >> 3;
    for (let b = 0; b < nblocks; b++) if ((words[c0 + 8 * b + 7]! >> 9) - (words[c0 + 8 * b]! >> 9) > 14) nblocks = 0;
    for (let b = 0; b < nblocks; b++) {
      const t = tab + b * BLOCK_BYTES;
      const base = words[c0 + 8 * b]! >> 9;
      words[t >> 2] = base;
      for (let k = 0, h = (t >> 1) + k; k < 8; k++, h++) {
        const c = words[c0 + 8 * b + k]!;
        const d = 2 * ((c >> 9) - base);
        const w = c & 511;
        halves[h + 8] = maskPair(d);
        halves[h + 16] = maskPair(d - 16);
        halves[h + 24] = maskPair(d + 2);
        halves[h + 32] = maskPair(d - 14);
        halves[h + 40] = w;
        halves[h + 48] = 256 - w;
      }
    }
    const q0 = words[c0]! >> 9;
    const q1 = (words[c0 + dw - 1]! >> 9) + 1;
    this.kernel.plane(src, sw, sh, dst, dw, dh, tab, nblocks, cols, row, v.y, v.h / dh, q0, q1);
  }

  /** The still's offset in the kernel's memory, copied in (over the least recently used) when it is not there yet. */
  private slotOf(src: Yuv): number {
    this.fit(src.width, src.height);
    const size = src.width * src.height * 1.5;
    let i = this.slots.findIndex((s) => s.still === src);
    if (i < 0) {
      i = this.slots.reduce((oldest, s, k) => (s.used < this.slots[oldest]!.used ? k : oldest), 0);
      this.bytes.set(src.data.subarray(0, size), this.layout!.slots + i * size);
      this.slots[i]!.still = src;
    }
    this.slots[i]!.used = ++this.clock;
    return this.layout!.slots + i * size;
  }

  /** Lays out the kernel's memory for stills of this size (and forgets the stills kept for another size). */
  private fit(sw: number, sh: number): void {
    if (this.layout && this.layout.sw === sw && this.layout.sh === sh) return;
    const { width: W, height: H } = this;
    const align = (n: number) => Math.ceil(n / 16) * 16;
    const tab = 0;
    const cols = align(tab + (W >> 3) * BLOCK_BYTES);
    const row = align(cols + 4 * W);
    const out = align(row + 2 * (sw + 64));
    const slots = align(out + W * H * 1.5);
    // 64 bytes past the last slot: the kernel reads up to 8 past a row's end.
    const needed = slots + SLOTS * sw * sh * 1.5 + 64;
    const memory = this.kernel.memory;
    if (memory.buffer.byteLength < needed) memory.grow(Math.ceil((needed - memory.buffer.byteLength) / PAGE));
    this.bytes = new Uint8Array(memory.buffer);
    this.words = new Int32Array(memory.buffer);
    this.halves = new Uint16Array(memory.buffer);
    this.layout = { sw, sh, tab, cols, row, out, slots };
    this.slots = Array.from({ length: SLOTS }, () => ({ still: null, used: 0 }));
  }
}

/** The kernel, in WebAssembly text. */
const SAMPLER_WAT = String.raw`;; The listing video's Ken Burns sampler: bilinear sampling of one 8-bit plane through a view rectangle, separably.
;; Same sums as the direct four-tap form (weights in 1/256, one rounding at the end), so frames are bit-exact.
;; Tables are made by the caller (sampler.ts); this does the per-pixel work with 128-bit SIMD.
(module
  (memory (export "memory") 1)

  ;; (sum + 2^15) >> 16 in each 32-bit lane: the one rounding of the weighted sums.
  (func $round16 (param $sum v128) (result v128)
    (i32x4.shr_u (i32x4.add (local.get $sum) (v128.const i32x4 32768 32768 32768 32768)) (i32.const 16)))

  ;; Writes plane rows 0..dh-1 of 'dst' (dw bytes a row) from the 'sw'x'sh' plane at 'src'.
  ;; Vertically: output row y sits at source row sy = vy + (y + 0.5)*ky - 0.5, between rows j and j+1 with weight wy;
  ;; bytes q0..q1 of the two rows are blended into 'row' (u16: a*(256-wy) + b*wy).
  ;; Horizontally: 'cols' holds, per output x, (i << 9) | w: the left source sample and its right neighbour's weight.
  ;; 'nblocks' blocks of 8 outputs use the table at 'tab' (112 bytes each: base i32 and padding, then i8x16 byte
  ;; masks picking left samples from the 16 u16 at row[base..], the same shifted for the second 16 bytes, the right
  ;; samples' two masks, and the weights w and 256-w as i16x8); the outputs past them use 'cols'.
  (func (export "plane")
    (param $src i32) (param $sw i32) (param $sh i32)
    (param $dst i32) (param $dw i32) (param $dh i32)
    (param $tab i32) (param $nblocks i32) (param $cols i32) (param $row i32)
    (param $vy f64) (param $ky f64) (param $q0 i32) (param $q1 i32)
    (local $y i32) (local $sy f64) (local $j i32) (local $wy i32)
    (local $wa v128) (local $wb v128) (local $r0 i32) (local $r1 i32) (local $p i32)
    (local $o i32) (local $b i32) (local $t i32) (local $lo v128) (local $hi v128)
    (local $l v128) (local $r v128) (local $x i32) (local $c i32) (local $i i32) (local $v v128)
    (local.set $q0 (i32.and (local.get $q0) (i32.const -8)))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $y) (local.get $dh)))
        ;; sy clamped to [0, sh-1], j = min(sh-2, floor(sy)), wy = round((sy - j)*256)
        (local.set $sy (f64.sub (f64.add (local.get $vy) (f64.mul (f64.add (f64.convert_i32_u (local.get $y)) (f64.const 0.5)) (local.get $ky))) (f64.const 0.5)))
        (local.set $sy (f64.max (f64.const 0) (f64.min (local.get $sy) (f64.convert_i32_u (i32.sub (local.get $sh) (i32.const 1))))))
        (local.set $j (i32.trunc_f64_s (f64.floor (local.get $sy))))
        (if (i32.gt_s (local.get $j) (i32.sub (local.get $sh) (i32.const 2)))
          (then (local.set $j (i32.sub (local.get $sh) (i32.const 2)))))
        (local.set $wy (i32.trunc_f64_s (f64.floor (f64.add (f64.mul (f64.sub (local.get $sy) (f64.convert_i32_s (local.get $j))) (f64.const 256)) (f64.const 0.5)))))
        (local.set $wa (i16x8.splat (i32.sub (i32.const 256) (local.get $wy))))
        (local.set $wb (i16x8.splat (local.get $wy)))
        (local.set $r0 (i32.add (local.get $src) (i32.mul (local.get $j) (local.get $sw))))
        (local.set $r1 (i32.add (local.get $r0) (local.get $sw)))
        (local.set $p (local.get $q0))
        (block $vdone
          (loop $v
            (br_if $vdone (i32.gt_s (local.get $p) (local.get $q1)))
            ;; Each lane <= 255*256, so u16 arithmetic does not wrap.
            (v128.store
              (i32.add (local.get $row) (i32.shl (local.get $p) (i32.const 1)))
              (i16x8.add
                (i16x8.mul (v128.load8x8_u (i32.add (local.get $r0) (local.get $p))) (local.get $wa))
                (i16x8.mul (v128.load8x8_u (i32.add (local.get $r1) (local.get $p))) (local.get $wb))))
            (local.set $p (i32.add (local.get $p) (i32.const 8)))
            (br $v)))
        (local.set $o (i32.add (local.get $dst) (i32.mul (local.get $y) (local.get $dw))))
        ;; Blocks of 8 outputs: their left samples lie within 16 u16 of the block's base.
        (local.set $b (i32.const 0))
        (block $bdone
          (loop $blk
            (br_if $bdone (i32.ge_u (local.get $b) (local.get $nblocks)))
            (local.set $t (i32.add (local.get $tab) (i32.mul (local.get $b) (i32.const 112))))
            (local.set $p (i32.add (local.get $row) (i32.shl (i32.load (local.get $t)) (i32.const 1))))
            (local.set $lo (v128.load (local.get $p)))
            (local.set $hi (v128.load offset=16 (local.get $p)))
            (local.set $l (v128.or
              (i8x16.swizzle (local.get $lo) (v128.load offset=16 (local.get $t)))
              (i8x16.swizzle (local.get $hi) (v128.load offset=32 (local.get $t)))))
            (local.set $r (v128.or
              (i8x16.swizzle (local.get $lo) (v128.load offset=48 (local.get $t)))
              (i8x16.swizzle (local.get $hi) (v128.load offset=64 (local.get $t)))))
            ;; (left*(256-w) + right*w + 2^15) >> 16 in 32-bit lanes, narrowed to bytes.
            (local.set $v
              (i16x8.narrow_i32x4_u
                (call $round16 (i32x4.add
                  (i32x4.extmul_low_i16x8_u (local.get $l) (v128.load offset=96 (local.get $t)))
                  (i32x4.extmul_low_i16x8_u (local.get $r) (v128.load offset=80 (local.get $t)))))
                (call $round16 (i32x4.add
                  (i32x4.extmul_high_i16x8_u (local.get $l) (v128.load offset=96 (local.get $t)))
                  (i32x4.extmul_high_i16x8_u (local.get $r) (v128.load offset=80 (local.get $t)))))))
            (v128.store64_lane 0
              (i32.add (local.get $o) (i32.shl (local.get $b) (i32.const 3)))
              (i8x16.narrow_i16x8_u (local.get $v) (local.get $v)))
            (local.set $b (i32.add (local.get $b) (i32.const 1)))
            (br $blk)))
        ;; The rest, one output at a time.
        (local.set $x (i32.shl (local.get $nblocks) (i32.const 3)))
        (block $sdone
          (loop $s
            (br_if $sdone (i32.ge_u (local.get $x) (local.get $dw)))
            (local.set $c (i32.load (i32.add (local.get $cols) (i32.shl (local.get $x) (i32.const 2)))))
            (local.set $p (i32.add (local.get $row) (i32.shl (i32.shr_u (local.get $c) (i32.const 9)) (i32.const 1))))
            (local.set $i (i32.load16_u (local.get $p)))
            (i32.store8
              (i32.add (local.get $o) (local.get $x))
              (i32.shr_s
                (i32.add
                  (i32.add
                    (i32.shl (local.get $i) (i32.const 8))
                    (i32.mul (i32.sub (i32.load16_u offset=2 (local.get $p)) (local.get $i)) (i32.and (local.get $c) (i32.const 511))))
                  (i32.const 32768))
                (i32.const 16)))
            (local.set $x (i32.add (local.get $x) (i32.const 1)))
            (br $s)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $rows))))
)
`;
