export { decodeImage } from './decode.js';
export { DEFAULT_MAX_PIXELS, type DecodedImage, type DecodeImageOptions, type Gray16Mode } from './decoded.js';
export { ImageDecodeError } from './errors.js';
export { type ImageFormat, sniffImageFormat } from './format.js';
export {
  IMAGENET_MEAN,
  IMAGENET_STD,
  type ImageInput,
  imagesToBatch,
  type PreprocessOptions,
  preprocessImage,
} from './preprocess.js';
export { RESAMPLE_FILTERS, type ResampleFilter, resizeImage } from './resample.js';
export { centerCropImage, normalizeToChw, shortSideResizeSize } from './transforms.js';
