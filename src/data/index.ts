/**
 * The data module: standard data sets (MNIST, Fashion-MNIST), the user's own data (IDX files,
 * image folders, .npy arrays), validation splits and seeded mini-batches. Re-exports only.
 */
export type { Dataset, Split, LoadOptions, FashionMnistOptions } from './datasets.js';
export { loadMnist, loadFashionMnist, loadIdxDirectory, loadIdxFiles, defaultLabelNames, MNIST_LABELS, FASHION_MNIST_LABELS, FASHION_MNIST_DIR } from './datasets.js';
export type { IdxImages, IdxLabels, IdxReadOptions } from './idx.js';
export { readIdxImages, readIdxLabels, parseIdx, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC } from './idx.js';
export type { NpyArray, NpyDtype, NpyLoadOptions } from './npy.js';
export { readNpy, parseNpy, loadNpy } from './npy.js';
export type { ImageFolderOptions, ResizeMethod, DecodedImage } from './images.js';
export { loadImageFolder, decodeImage, resizeImage } from './images.js';
export type { Batch, BatchOptions, ValidationSize, SplitOptions } from './batches.js';
export { BatchIterator, batches, subset, splitValidation } from './batches.js';
export type { DataSourceOptions, DataSplits } from './source.js';
export { loadDataSource } from './source.js';
