import { Module } from '@vssm/core';

/** nn.ModuleList / a plain container: children registered under the given names (state-dict prefixes). */
export class ModuleList<M extends Module = Module> extends Module {
  readonly items: readonly M[];
  constructor(items: readonly M[]) {
    super();
    this.items = items;
    for (const [i, m] of items.entries()) this.registerModule(String(i), m);
  }
}

/** A parameter container with named children (e.g. timm's PatchEmbed holding `proj`). */
export class Container extends Module {
  constructor(children: Record<string, Module>) {
    super();
    for (const [name, m] of Object.entries(children)) this.registerModule(name, m);
  }
}
