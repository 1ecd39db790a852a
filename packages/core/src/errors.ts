/**
 * Typed errors shared by every vssm package. Each carries a stable `code` so callers can branch on the kind
 * of problem without parsing messages, and a message that names the operation, file or tensor involved.
 */
export class VssmError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A tensor has the wrong rank or dimensions for an operation. */
export class ShapeError extends VssmError {
  constructor(message: string) {
    super('ERR_SHAPE', message);
  }
}

/** An argument is outside the accepted domain (negative size, unknown option, bad stride, NaN where forbidden...). */
export class ArgumentError extends VssmError {
  constructor(message: string) {
    super('ERR_ARGUMENT', message);
  }
}

/** A dtype that a reader or op cannot handle. */
export class DTypeError extends VssmError {
  constructor(message: string) {
    super('ERR_DTYPE', message);
  }
}

/** A tensor holds NaN or infinite values where finite ones are required. */
export class NonFiniteError extends VssmError {
  constructor(message: string) {
    super('ERR_NON_FINITE', message);
  }
}

/** A weight file (safetensors, .pth zip, pickle) is malformed, truncated, hostile or unsupported. */
export class WeightFileError extends VssmError {
  readonly file: string;
  readonly problem: string;
  constructor(file: string, problem: string, options?: { cause?: unknown }) {
    super('ERR_WEIGHT_FILE', `${file}: ${problem}`, options);
    this.file = file;
    this.problem = problem;
  }
}

/** A pickle asks for a global (class or function) outside the allow-list; nothing is executed. */
export class UnsafePickleError extends WeightFileError {
  readonly global: string;
  constructor(file: string, global: string) {
    super(file, `pickle references disallowed global '${global}'; only torch tensor/storage rebuild helpers and collections.OrderedDict are allowed`);
    (this as { code: string }).code = 'ERR_UNSAFE_PICKLE';
    this.global = global;
  }
}

export interface ShapeMismatch {
  key: string;
  expected: readonly number[];
  actual: readonly number[];
}

/** A state dict does not match a model: missing, unexpected or mis-shaped keys, all reported at once. */
export class StateDictError extends VssmError {
  readonly missing: readonly string[];
  readonly unexpected: readonly string[];
  readonly mismatched: readonly ShapeMismatch[];
  constructor(message: string, missing: readonly string[], unexpected: readonly string[], mismatched: readonly ShapeMismatch[]) {
    super('ERR_STATE_DICT', message);
    this.missing = missing;
    this.unexpected = unexpected;
    this.mismatched = mismatched;
  }
}

/** A named backend, op, direction, preset or other registry entry does not exist. */
export class UnknownNameError extends VssmError {
  readonly kind: string;
  readonly requested: string;
  readonly known: readonly string[];
  constructor(kind: string, requested: string, known: readonly string[]) {
    super('ERR_UNKNOWN_NAME', `unknown ${kind} '${requested}'; known: ${known.length ? known.join(', ') : '(none)'}`);
    this.kind = kind;
    this.requested = requested;
    this.known = known;
  }
}

/** A backend exists but cannot run here (no adapter, no WebAssembly SIMD, no workers...). */
export class BackendUnavailableError extends VssmError {
  readonly backend: string;
  constructor(backend: string, reason: string) {
    super('ERR_BACKEND_UNAVAILABLE', `backend '${backend}' is not available: ${reason}`);
    this.backend = backend;
  }
}
