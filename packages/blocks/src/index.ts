export * from './common/index.js';
export * from './msvmamba/index.js';
export * from './local-vim/index.js';
export * from './local-vmamba/index.js';
