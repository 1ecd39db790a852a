// Slot indices of the parameter blocks that the TypeScript glue (src/wasm/) writes and the kernels read: i32 slots
// (pointers are byte addresses, strides and sizes are element counts), f32 values stored in i32 slots by bit pattern.
// Plain `export const` so that this file is valid AssemblyScript and TypeScript alike: both sides import it.

/** Activation applied in a kernel's epilogue. */
export const ACT_NONE = 0;
export const ACT_SILU = 1;
export const ACT_GELU = 2;
export const ACT_RELU = 3;
export const ACT_SIGMOID = 4;

// Slots every kernel shares.
/** Address of the constant table (vmath.ts). */
export const P_TABLE = 0;
/** Address of the per-participant scratch and its stride in bytes. */
export const P_SCRATCH = 1;
export const P_SCRATCH_STRIDE = 2;
/** First kernel-specific slot. */
const S = 3;

// GEMM: C (M, N) = act(A (M, K) · B (K, N) + bias + residual), A and B strided, C row-major with leading dimension LDC.
export const G_M = S;
export const G_N = S + 1;
export const G_K = S + 2;
export const G_A = S + 3;
export const G_A_RS = S + 4;
export const G_A_CS = S + 5;
export const G_B = S + 6;
export const G_B_RS = S + 7;
export const G_B_CS = S + 8;
export const G_C = S + 9;
export const G_LDC = S + 10;
/** Packed A: ⌈M/4⌉ panels of K × 4 floats. Packed B: ⌈N/8⌉ panels of K × 8 floats. */
export const G_PACK_A = S + 11;
export const G_PACK_B = S + 12;
/** Bias address (0: none); BIAS_MODE 1 = one per column (linear), 2 = one per row (conv as W · X). */
export const G_BIAS = S + 13;
export const G_BIAS_MODE = S + 14;
export const G_ACT = S + 15;
/** Tile sizes (MC a multiple of 4, NC of 8, KC any) and the number of column tiles. */
export const G_MC = S + 16;
export const G_NC = S + 17;
export const G_KC = S + 18;
export const G_N_TILES = S + 19;
/** Panels of A to pack (the items of gemm_pack before those of B). */
export const G_A_PANELS = S + 20;
/** Residual added before the activation (0: none), row-major with leading dimension LDC like C. */
export const G_RESIDUAL = S + 21;
/**
 * Batched products: BATCH problems, operand b's at element offset b·A_BS / b·B_BS / b·C_BS (the residual as C);
 * a batch stride of 0 shares that operand (packed once).
 */
export const G_BATCH = S + 22;
export const G_A_BS = S + 23;
export const G_B_BS = S + 24;
export const G_C_BS = S + 25;
export const GEMM_SLOTS = S + 26;

export const BIAS_NONE = 0;
export const BIAS_PER_COLUMN = 1;
export const BIAS_PER_ROW = 2;

// Elementwise over contiguous arrays; an item is a block of BLOCK elements.
export const E_X = S;
export const E_Y = S + 1;
export const E_OUT = S + 2;
export const E_COUNT = S + 3;
export const E_OP = S + 4;
/** f32 parameters (softplus beta and threshold). */
export const E_F0 = S + 5;
export const E_F1 = S + 6;
export const ELEMENTWISE_SLOTS = S + 7;
/** Elements per work item of the elementwise kernels (a multiple of 16). */
export const ELEMENTWISE_BLOCK = 8192;

/** Unary ops (E_OP of `unary`). */
export const U_SILU = 1;
export const U_GELU = 2;
export const U_RELU = 3;
export const U_SIGMOID = 4;
export const U_SOFTPLUS = 5;
/** Binary ops (E_OP of `binary`): out = x · silu(y); out = x + y; out = x · y. */
export const B_MUL_SILU = 1;
export const B_ADD = 2;
export const B_MUL = 3;

// Norms over rows (layerNorm, rmsNorm): x (rows, D) → out; weight/bias optional (0).
export const N_X = S;
export const N_OUT = S + 1;
export const N_ROWS = S + 2;
export const N_D = S + 3;
export const N_WEIGHT = S + 4;
export const N_BIAS = S + 5;
/** f32 eps. */
export const N_EPS = S + 6;
/** Residual added to x before the norm (0: none), and where that sum is stored (required with a residual). */
export const N_RESIDUAL = S + 7;
export const N_SUM_OUT = S + 8;
/** layerNorm2d: planes of P = H·W pixels, C channels; the items are (image, pixel block). */
export const N_C = S + 9;
export const N_P = S + 10;
export const N_BLOCKS_PER_IMAGE = S + 11;
export const NORM_SLOTS = S + 12;
/** Pixels per work item of layerNorm2d (a multiple of 4). */
export const NORM2D_BLOCK = 256;

// Depthwise conv2d over NCHW planes; an item is one (image, output channel) plane.
export const D_X = S;
export const D_W = S + 1;
export const D_BIAS = S + 2;
export const D_OUT = S + 3;
export const D_C = S + 4;
export const D_H = S + 5;
export const D_W_IN = S + 6;
export const D_HO = S + 7;
export const D_WO = S + 8;
export const D_KH = S + 9;
export const D_KW = S + 10;
export const D_SH = S + 11;
export const D_SW = S + 12;
export const D_PH = S + 13;
export const D_PW = S + 14;
/** Output channels per input channel (channel multiplier). */
export const D_MULT = S + 15;
export const D_ACT = S + 16;
/** Residual (0: none) with the output's shape, added before the activation. */
export const D_RESIDUAL = S + 17;
export const D_O = S + 18;
export const DEPTHWISE_SLOTS = S + 19;

// Causal depthwise conv1d over (B, C, L); an item is one (batch, channel) row.
export const C1_X = S;
export const C1_W = S + 1;
export const C1_BIAS = S + 2;
export const C1_OUT = S + 3;
export const C1_C = S + 4;
export const C1_L = S + 5;
export const C1_K = S + 6;
export const C1_ACT = S + 7;
export const CONV1D_SLOTS = S + 8;

// im2col: per image cols (C·kh·kw, Ho·Wo); an item is one row (image, c, ky, kx).
export const I_X = S;
export const I_COLS = S + 1;
export const I_C = S + 2;
export const I_H = S + 3;
export const I_W = S + 4;
export const I_HO = S + 5;
export const I_WO = S + 6;
export const I_KH = S + 7;
export const I_KW = S + 8;
export const I_SH = S + 9;
export const I_SW = S + 10;
export const I_PH = S + 11;
export const I_PW = S + 12;
/** Rows per image (C·kh·kw) and the element strides between images of x and of cols: items run over every image. */
export const I_ROWS = S + 13;
export const I_X_IMAGE = S + 14;
export const I_COLS_IMAGE = S + 15;
export const IM2COL_SLOTS = S + 16;

// Separable resampling of NCHW planes with per-axis tap tables; an item is one plane.
export const R_X = S;
export const R_OUT = S + 1;
export const R_H = S + 2;
export const R_W = S + 3;
export const R_HO = S + 4;
export const R_WO = S + 5;
/** Taps per output row/column (1 nearest, 2 bilinear, 4 bicubic), i32 source indices and f32 weights. */
export const R_TAPS_Y = S + 6;
export const R_TAPS_X = S + 7;
export const R_IDX_Y = S + 8;
export const R_WGT_Y = S + 9;
export const R_IDX_X = S + 10;
export const R_WGT_X = S + 11;
export const RESAMPLE_SLOTS = S + 12;

// Rotary embedding: x (batch, table) with tables cos, sin (table), table = L·D (D even); an item is a block of
// ELEMENTWISE_BLOCK elements of one batch row.
export const RO_X = S;
export const RO_COS = S + 1;
export const RO_SIN = S + 2;
export const RO_OUT = S + 3;
export const RO_TABLE = S + 4;
export const RO_BLOCKS = S + 5;
export const ROPE_SLOTS = S + 6;

/** Most parameter slots any kernel uses. */
export const MAX_SLOTS = 32;
