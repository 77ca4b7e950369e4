/**
 * Keras interop: import a Keras encoder and decoder (`.keras` or legacy `.h5`) as a vaekit model
 * or run folder, and export a vaekit model as `.keras` files Keras loads.
 */
export { importKeras, importKerasRun, readKerasModel, KERAS_IMPORT_TRAINING } from './import.js';
export type { ImportKerasOptions, ImportKerasRunOptions, ImportedManifest, KerasImport } from './import.js';
export { exportKeras, exportKerasRun, KERAS_FILES, KERAS_FORMAT_VERSION } from './export.js';
export type { ExportKerasOptions, KerasExport } from './export.js';
export type { KerasTranslation } from './translate.js';
