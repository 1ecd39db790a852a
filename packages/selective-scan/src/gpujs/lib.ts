import * as gpujs from 'gpu.js';

/**
 * The slice of gpu.js 2.24's API this backend uses, typed here because the package's own index.d.ts lags the code
 * (no `input` value, no loopMaxIterations in kernel settings, pipeline handles typed as kernel values).
 */
export interface GpuInput {
  value: ArrayLike<number>;
  size: number[];
}

export interface KernelSettings {
  output: number[];
  constants?: Record<string, number>;
  tactic?: 'speed' | 'balanced' | 'precision';
  precision?: 'single' | 'unsigned';
  loopMaxIterations?: number;
}

// biome-ignore lint/suspicious/noExplicitAny: gpu.js kernels take and return loosely typed values
export type Kernel = ((...args: any[]) => any) & {
  destroy(removeCanvasReferences?: boolean): void;
  kernel: { constructor: { mode: string; name: string } };
};

export interface Pipeline {
  // biome-ignore lint/suspicious/noExplicitAny: see Kernel
  (...args: any[]): Promise<any>;
  readonly executorKind: string;
  readonly backend: string | null;
  readonly fallbackReason: string | null;
  destroy(): Promise<void> | void;
}

export interface GpuInstance {
  mode: string;
  createKernel(fn: object | string, settings: KernelSettings): Kernel;
  // biome-ignore lint/suspicious/noExplicitAny: orchestration functions receive opaque handles
  createPipeline(fn: (...handles: any[]) => unknown, settings?: { constants?: Record<string, number>; threads?: boolean }): Pipeline;
  destroy(): Promise<void>;
}

export interface GpuStatic {
  new (settings?: { mode?: string }): GpuInstance;
  readonly isWebAssemblySupported: boolean;
  readonly isHeadlessGLSupported: boolean;
  readonly isWebGLSupported: boolean;
  readonly isWebGL2Supported: boolean;
}

const lib = gpujs as unknown as { GPU: GpuStatic; input: (value: ArrayLike<number>, size: number[]) => GpuInput };

export const GPU: GpuStatic = lib.GPU;
export const input = lib.input;
