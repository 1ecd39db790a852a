// Slot indices of the parameter blocks that src/common/stack-wasm.ts writes and the kernels of stack.ts read: i32
// slots (pointers are byte addresses, sizes are element counts); the LayerNorm eps is an f64 in two slots.
// Plain `export const` so that this file is valid AssemblyScript and TypeScript alike: both sides import it.

/** Slots of every parameter block. */
export const STACK_SLOTS = 24;

// gather_tokens: token-major src (B, T, Ctot) → stack (B, K, Cn, Lmax); items (b, k, channel tile).
export const GT_SRC = 0;
export const GT_DST = 1;
export const GT_T = 2;
export const GT_CTOT = 3;
export const GT_C0 = 4;
export const GT_CN = 5;
export const GT_K = 6;
export const GT_LMAX = 7;
/** K·Lmax i32: sequence position → token row, −1 for padding and past L_k. */
export const GT_ORDERS = 8;
export const GT_TILES = 9;
/** Channels per item of gather_tokens (a multiple of 4). */
export const GATHER_TILE = 16;

// gather_rows: channel-first src (B, C, T) → stack (B, K, C, Lmax); items (b, k, channel block).
export const GR_SRC = 0;
export const GR_DST = 1;
export const GR_C = 2;
export const GR_T = 3;
export const GR_K = 4;
export const GR_LMAX = 5;
/** K·Lmax i32 as GT_ORDERS. */
export const GR_ORDERS = 6;
/** K i32: ORDER_* per direction. */
export const GR_KINDS = 7;
/** K i32: L_k. */
export const GR_LENGTHS = 8;
export const GR_BLOCKS = 9;
export const GR_BLOCK = 10;

export const ORDER_IDENTITY = 0;
export const ORDER_REVERSED = 1;
export const ORDER_DENSE = 2;
export const ORDER_PADDED = 3;

// ln_stats (items (b, k, position block)) then ln_means (items (b, k, channel block)) over ys (B, K, E, Lmax).
export const LN_YS = 0;
export const LN_E = 1;
export const LN_K = 2;
export const LN_LMAX = 3;
/** K·Lmax f64: token rows reading each position (0 for padding and past L_k). */
export const LN_USES = 4;
/** K i32: L_k. */
export const LN_LENGTHS = 5;
/** B·K·Lmax f64 each: per position Σy then the mean; Σy² then the scale w_s / √(σ²_s + eps). */
export const LN_MEAN = 6;
export const LN_SCALE = 7;
/** B·K·E f64: the token means. */
export const LN_OUT = 8;
export const LN_S_BLOCKS = 9;
export const LN_S_BLOCK = 10;
export const LN_E_BLOCKS = 11;
export const LN_E_BLOCK = 12;
/** f64 eps in slots 14–15 (8-byte aligned). */
export const LN_EPS = 14;

// gated_merge: ys (B, K, E, Lmax) and gates (B, K, E) → out (B, T, E); items (b, channel tile).
export const GM_YS = 0;
export const GM_GATES = 1;
export const GM_OUT = 2;
export const GM_E = 3;
export const GM_K = 4;
export const GM_LMAX = 5;
export const GM_T = 6;
/** K·Lmax i32: sequence position → the token row reading it (−1 for none). */
export const GM_ROWS = 7;
export const GM_TILES = 8;
/** Channels per item of gated_merge (a multiple of 4). */
export const MERGE_TILE = 16;

// search_stats (items (b, k, position block)) then search_merge (items (b, channel tile)): ys (B, K, E, Lmax), gates
// (B, K, E) and the branch weights w (K) → out (B, T, E), Σ_k w_k · LayerNorm_noaffine(y_k ⊙ gate_k) per token row.
export const SM_YS = 0;
export const SM_GATES = 1;
/** K f32: softmax(α). */
export const SM_WEIGHTS = 2;
export const SM_OUT = 3;
export const SM_E = 4;
export const SM_K = 5;
export const SM_LMAX = 6;
export const SM_T = 7;
/** K·Lmax i32: sequence position → the token row reading it (−1 for none). */
export const SM_ROWS = 8;
/** K i32: L_k. */
export const SM_LENGTHS = 9;
/** B·K·Lmax f64 each: per position Σa then the mean, Σa² then 1 / √(σ² + eps), of a = y ⊙ gate over the E channels. */
export const SM_MEAN = 10;
export const SM_RSTD = 11;
export const SM_S_BLOCKS = 12;
export const SM_S_BLOCK = 13;
/** f64 eps in slots 14–15 (8-byte aligned). */
export const SM_EPS = 14;
export const SM_TILES = 16;
