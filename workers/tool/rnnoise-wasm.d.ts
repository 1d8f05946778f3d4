/** @echogarden/rnnoise-wasm ships no types: its Emscripten module, as far as rnnoise.ts uses it. */
declare module '@echogarden/rnnoise-wasm' {
  export interface RnnoiseModule {
    _rnnoise_create(model: number): number;
    _rnnoise_destroy(state: number): void;
    /** Denoises 480 samples from `input` into `out` (pointers into HEAPF32); answers the frame's speech probability. */
    _rnnoise_process_frame(state: number, out: number, input: number): number;
    _malloc(bytes: number): number;
    _free(pointer: number): void;
    HEAPF32: Float32Array;
  }
  export default function RNNoise(): Promise<RnnoiseModule>;
}
