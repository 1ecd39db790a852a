/// <reference types="@webgpu/types" />

export type BindingKind = 'read' | 'rw';

export interface CompiledKernel {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
}

/**
 * Compiles each distinct shader once per device (keyed by the variant key) with an explicit bind-group layout:
 * binding 0 is the uniform block, the rest storage buffers in the order given.
 */
export class PipelineCache {
  private readonly cache = new Map<string, Promise<CompiledKernel>>();

  constructor(private readonly device: GPUDevice) {}

  get(key: string, code: () => string, bindings: readonly BindingKind[]): Promise<CompiledKernel> {
    let entry = this.cache.get(key);
    if (!entry) {
      entry = this.compile(key, code(), bindings);
      this.cache.set(key, entry);
      entry.catch(() => this.cache.delete(key));
    }
    return entry;
  }

  get size(): number {
    return this.cache.size;
  }

  private async compile(key: string, code: string, bindings: readonly BindingKind[]): Promise<CompiledKernel> {
    const device = this.device;
    const module = device.createShaderModule({ code, label: key });
    const info = await module.getCompilationInfo();
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length > 0) {
      const lines = code.split('\n');
      const detail = errors.map((m) => `  ${m.lineNum}:${m.linePos} ${m.message}\n    > ${lines[m.lineNum - 1]?.trim() ?? ''}`).join('\n');
      throw new Error(`WGSL kernel ${key} failed to compile:\n${detail}`);
    }
    const layout = device.createBindGroupLayout({
      label: key,
      entries: [
        { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } },
        ...bindings.map((kind, i) => ({
          binding: i + 1,
          visibility: GPUShaderStage.COMPUTE,
          buffer: { type: kind === 'read' ? ('read-only-storage' as const) : ('storage' as const) },
        })),
      ],
    });
    const pipeline = await device.createComputePipelineAsync({
      label: key,
      layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: 'main' },
    });
    return { pipeline, layout };
  }
}
