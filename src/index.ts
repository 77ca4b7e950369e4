/**
 * vaekit: variational autoencoders in TypeScript, trained and run by ONNX Runtime.
 * This file only re-exports the public API.
 */
export { VAE } from './models/vae.js';
export type { CreateOptions } from './models/vae.js';
export type { VAEConfig } from './models/config.js';
export type { Encoding, LatentModel } from './models/latent.js';
export { Engine } from './engine/engine.js';
export type { NamedWeight, TrainingState, Checkpointable, GraphDef, LossDef, EngineOptions } from './engine/engine.js';
export { nodeRuntime } from './runtime/node.js';
export type { Runtime, Compiled, CompileOptions, Feed } from './runtime/runtime.js';
export { makeObjective, OBJECTIVES } from './objectives/index.js';
export { elbo } from './objectives/elbo.js';
export { iwae } from './objectives/iwae.js';
export type { ObjectiveSpec, Objective, ObjectiveInputs, ObjectiveTerms, GaussianPosterior } from './objectives/index.js';
export type { StepMetrics } from './objectives/objective.js';
export { PRESETS, PRESET_TRAINING } from './models/presets.js';
export type { PresetName } from './models/presets.js';
export { Dense, Conv2D, Conv2DTranspose, MaxPooling2D, UpSampling2D, Flatten, Reshape, Sequential, Layer } from './nn/layers.js';
export type { Activation, ConvLayerOptions, KerasShape, Weight } from './nn/layers.js';
export type { LossConfig } from './nn/losses.js';
export { adam, nadam, rmsprop, sgd, makeOptimizer } from './optim/optimizers.js';
export type { Optimizer, OptimizerSpec, AdamOptions, RmspropOptions, SgdOptions } from './optim/optimizers.js';
export { Rng } from './rng.js';
export * from './data/index.js';
export { imageGrid } from './viz/png.js';
export type { GridOptions } from './viz/png.js';
export { evaluateDataset, logLikelihood, binarize } from './train/evaluate.js';
export type { EvaluableModel, EvaluateOptions, DatasetMetrics, LikelihoodModel, LikelihoodOptions, LikelihoodResult, Binarization, ProgressCallback } from './train/evaluate.js';
export { renderReport, writeReport, runMetrics, lossCurves } from './viz/report.js';
export type { ReportData, ReportMetric, ReportFigure, FigureSection, CurveChart, CurveSeries, RunMetricsInput, HistoryEntry } from './viz/report.js';
export { fit } from './train/fit.js';
export type { TrainableModel, FitOptions, FitResult, EpochLog, BatchProgress } from './train/fit.js';
export { latentDiagnostics } from './train/diagnostics.js';
export type { LatentDiagnostics } from './train/diagnostics.js';
export { saveCheckpoint, readCheckpoint, restoreCheckpoint } from './train/checkpoint.js';
export type { Checkpoint, CheckpointMeta } from './train/checkpoint.js';
export { trainRun } from './run/train.js';
export type { TrainRunOptions, TrainRunResult } from './run/train.js';
export { loadRun, readManifest, saveRun, makeManifest, RUN_FILES } from './run/run.js';
export type { Run, Manifest, ManifestFields } from './run/run.js';
export { configToJSON, configFromJSON } from './models/config.js';
export type { VAEConfigJSON } from './models/config.js';
export { layerFromSpec } from './nn/layers.js';
export type { LayerSpec } from './nn/layers.js';
export { VERSION } from './version.js';
export { importKeras, importKerasRun, readKerasModel, KERAS_IMPORT_TRAINING, exportKeras, exportKerasRun, KERAS_FILES, KERAS_FORMAT_VERSION } from './keras/index.js';
export type { ImportKerasOptions, ImportKerasRunOptions, ImportedManifest, KerasImport, ExportKerasOptions, KerasExport, KerasTranslation } from './keras/index.js';
export type { ModelSource } from './run/run.js';
export { samplePrior, reconstruct, interpolate, traverseAxis, classMeans, morph, attributeVector, addAttribute, latentPoints, manifold, slerp, lerp } from './tools/latent.js';
export type {
  InterpolationMethod,
  Generated,
  PriorOptions,
  Reconstruction,
  InterpolateOptions,
  TraverseOptions,
  ClassMeans,
  EncodeOptions,
  MorphOptions,
  AttributeOptions,
  LatentPointsOptions,
  LatentPoints,
  ManifoldOptions,
} from './tools/latent.js';
export { scatterSvg, sideBySideSvg, curvesSvg, PALETTE } from './viz/plots.js';
export type { ScatterOptions, SideBySideOptions, Series, CurvesOptions } from './viz/plots.js';
export { pca } from './viz/pca.js';
export type { PcaOptions, PcaResult } from './viz/pca.js';
export {
  samplesPng,
  samplesByLabelPng,
  reconstructionsPng,
  interpolationPng,
  axisPng,
  morphPng,
  arithmeticPng,
  latentSvg,
  compareLatentSvg,
  manifoldPng,
  runReport,
} from './run/figures.js';
export { startExplorer, startStudio } from './serve/server.js';
export type { Explorer, ExplorerOptions } from './serve/server.js';

// issue 7: one latent API for Node and the browser
export { OnnxLatentModel } from './models/exported.js';
export type { ExportedModelInfo } from './models/exported.js';
export { drawPrior, latentPath, pathPoint, nearerEnd, fromCoordinates, toCoordinates } from './tools/latent.js';
export type { Coordinates } from './tools/latent.js';

// issue 7: CLI public API
export { runTestData, runClass } from './run/data.js';
export type { RunTestDataOptions } from './run/data.js';
export { updateRunMetrics } from './run/run.js';
export { FIGURE_DEFAULTS } from './run/figures.js';
export type { SamplesPngOptions } from './run/figures.js';
export { writeFileAtomic } from './util/files.js';
export {
  UserError,
  checkLabels,
  checkLabelledData,
  expectConditional,
  expectInt,
  expectNumber,
  expectOneOf,
  parseIntArg,
  parseNumberArg,
  parseOneOfArg,
  parseListArg,
} from './util/check.js';
export type { LabelCount, ListBounds, NumberBounds } from './util/check.js';
export { lossTerms } from './util/metrics.js';
export type { LossTerms } from './util/metrics.js';

// issue 11: the browser (lead)
export { buildExplorerData, MAX_SLIDERS } from './tools/explorer.js';
export type { ExplorerData, ExplorerDataOptions } from './tools/explorer.js';
export { loadCatalogDataset, CATALOG_PATH } from './data/catalog.js';
export type { CatalogEntry, CatalogSplit, DataCatalog, FetchBytes } from './data/catalog.js';
export { standardCatalog } from './serve/catalog.js';
export type { ServedCatalog } from './serve/catalog.js';
export { idxBytesDataset } from './data/idx-bytes.js';

// issue 11: a run as bytes (browser-safe), runs as .zip, and static sites
export { runFiles, runFromFiles, runZip, unzipRun, parseManifest } from './run/files.js';
export type { RunFiles, OpenedRun, RunFromFilesOptions, CommitRecord, CommittedFile } from './run/files.js';
export { checkpointBytes, parseCheckpoint } from './train/checkpoint.js';
export { resolveRunArgument } from './run/zip.js';
export type { RunArgument } from './run/zip.js';
export { buildSite, buildStudioSite, writeSite, siteReadme, SITE_MARK } from './site/site.js';
export type { BuildSiteOptions, SiteResult, StudioSiteOptions } from './site/site.js';
export { idxBytes } from './data/idx-bytes.js';

// issue 11: --device in Node (onnxruntime-node's CPU or WebGPU execution provider)
export { checkDevice, DEVICES, nodeRuntimeFor } from './runtime/node.js';
export type { Device } from './runtime/node.js';
export { datasetFromImages } from './data/pixels.js';
export type { DecodedImage } from './data/pixels.js';
