export { ConvFFN, type ConvFFNOptions } from './conv-ffn.js';
export { SE, type SEOptions } from './se.js';
