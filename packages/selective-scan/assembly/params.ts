// Slot indices (i32) of the parameter block that the TypeScript glue writes and the scan kernels read.
// Plain `export const` so that this file is valid AssemblyScript and TypeScript alike: both sides import it.

export const P_BATCH = 0;
export const P_DIM = 1;
export const P_LENGTH = 2;
export const P_DSTATE = 3;
export const P_GROUPS = 4;
export const P_FLAGS = 5;
export const P_CHUNK = 6;
export const P_NCHUNKS = 7;
export const P_U = 8;
export const P_DELTA = 9;
export const P_A = 10;
/** B transposed to (batch, groups, length, dstate). */
export const P_BT = 11;
/** C transposed to (batch, groups, length, dstate). */
export const P_CT = 12;
export const P_D = 13;
export const P_Z = 14;
export const P_BIAS = 15;
/** Forward: out (batch, dim, length). Backward: dout. */
export const P_OUT = 16;
/** Chunk-end states (batch, dim, nChunks, dstate). */
export const P_STATES = 17;
/** Forward: last state (batch, dim, dstate). */
export const P_LAST = 18;
export const P_SCRATCH = 19;
export const P_SCRATCH_STRIDE = 20;
/** Backward outputs: du, ddelta, dz (batch, dim, length). */
export const P_DU = 21;
export const P_DDELTA = 22;
export const P_DZ = 23;
/** Backward partials: dA (batch, dim, dstate); dD and dBias (batch, dim). */
export const P_DA_PART = 24;
export const P_DD_PART = 25;
export const P_DBIAS_PART = 26;
/** Backward per-participant accumulators of dB and dC, each (batch, groups, length, dstate), one per participant. */
export const P_DB_PART = 27;
export const P_DC_PART = 28;
export const P_BC_PART_STRIDE = 29;
export const PARAM_SLOTS = 30;

export const FLAG_SOFTPLUS = 1;
export const FLAG_HAS_D = 2;
export const FLAG_HAS_Z = 4;
export const FLAG_HAS_BIAS = 8;
