export * from './family.js';
export * from './msvmamba/index.js';
export * from './local-vim/index.js';
export * from './local-vmamba/index.js';
export * from './registry.js';
export * from './checkpoint.js';
export * from './image/index.js';
