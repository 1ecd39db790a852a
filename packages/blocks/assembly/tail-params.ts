// Slot indices of the parameter blocks that src/msvmamba/tail-wasm.ts writes and the kernels of tail.ts read (i32
// slots: pointers are byte addresses, sizes element counts; eps is an f64 in two slots). At most STACK_SLOTS slots.
// Plain `export const` so that this file is valid AssemblyScript and TypeScript alike: both sides import it.

// tail_stats (items (b, position block)) then tail_norm (items (b, channel block)): channel-first x (B, E, L) → out
// (B, E, L) = LayerNorm_E(x) (+ up after the norm, or x = y + up before it) and per (b, e) the mean over L of out.
export const TN_X = 0;
/** B·E·L f32 added after the norm (TN_MODE_NORM_ADD) or before it (TN_MODE_ADD_NORM); 0 for none. */
export const TN_UP = 1;
export const TN_MODE = 2;
export const TN_E = 3;
export const TN_L = 4;
/** E f32 each: the affine weight and bias. */
export const TN_W = 5;
export const TN_B = 6;
/** B·L f64 each: per position the mean, and 1/√(σ² + eps), over the E channels. */
export const TN_MEAN = 7;
export const TN_RSTD = 8;
export const TN_OUT = 9;
/** B·E f64: the channel means over L of out. */
export const TN_POOLED = 10;
export const TN_S_BLOCKS = 11;
export const TN_S_BLOCK = 12;
export const TN_E_BLOCKS = 13;
export const TN_E_BLOCK = 14;
/** f64 eps in slots 16–17 (8-byte aligned). */
export const TN_EPS = 16;
/** x alone (no up). */
export const TN_MODE_NORM = 0;
/** LayerNorm(x) + up (master). */
export const TN_MODE_NORM_ADD = 1;
/** LayerNorm(x + up) (v2). */
export const TN_MODE_ADD_NORM = 2;

// tail_scale_t: channel-first y (B, E, L) · gate (B·E, optional) · channel-last z (B, L, E) → channel-last out (B, L, E);
// items (b, tile of TAIL_TILE channels).
// tail_scale: channel-first y (B, E, L) · gate (B·E, optional) · g (B, E, L, optional) → out (B, E, L); items (b, channel
// block).
export const TS_Y = 0;
/** B·E f32, 0 for none. */
export const TS_GATE = 1;
/** The elementwise factor (z or g), 0 for none. */
export const TS_Z = 2;
export const TS_OUT = 3;
export const TS_E = 4;
export const TS_L = 5;
export const TS_BLOCKS = 6;
export const TS_BLOCK = 7;
/** Channels per item of tail_scale_t (a multiple of 4). */
export const TAIL_TILE = 16;
