/// <reference types="@webgpu/types" />
import * as gpujs from 'gpu.js';

/** gpu.js 2.24 exports these WebGPU internals without typings; they are what lets WGSL share its device and buffers. */
interface WebGPUContextStatic {
  readonly isSupported: boolean;
  acquire(): Promise<{ adapter: GPUAdapter; device: GPUDevice }>;
  destroy(): Promise<void>;
}

export interface WebGPUBufferResultLike {
  buffer: GPUBuffer;
  output: number[];
  delete(): void;
  toArray(): Promise<Float32Array | Float32Array[] | Float32Array[][]>;
}

interface WebGPUBufferResultStatic {
  new (settings: { buffer: GPUBuffer; output: number[]; context: unknown; kernel: unknown }): WebGPUBufferResultLike;
}

const lib = gpujs as unknown as { WebGPUContext: WebGPUContextStatic; WebGPUBufferResult: WebGPUBufferResultStatic };

export const WebGPUContext: WebGPUContextStatic = lib.WebGPUContext;
export const WebGPUBufferResult: WebGPUBufferResultStatic = lib.WebGPUBufferResult;
