/**
 * The objectives a model can train with, by name: a config's `objective` field and the CLI's
 * `--objective` resolve here. A new objective is one file in this folder plus one line below.
 */
import { elbo } from './elbo.js';
import { iwae } from './iwae.js';
import type { Objective } from './objective.js';

/** Which objective to train with, as configs and manifests record it. */
export type ObjectiveSpec =
  /** The ELBO: reconstruction + β·KL (the default). */
  | { name: 'elbo' }
  /** The importance-weighted bound with `samples` (k) samples per image. */
  | { name: 'iwae'; samples: number };

/** Names of the objectives. */
export const OBJECTIVES = ['elbo', 'iwae'] as const;

/** The objective a spec names. */
export function makeObjective(spec: ObjectiveSpec = { name: 'elbo' }): Objective {
  switch (spec.name) {
    case 'elbo':
      return elbo;
    case 'iwae':
      return iwae(spec.samples);
    default:
      throw new RangeError(`objective: expected one of ${OBJECTIVES.join(', ')}, got '${(spec as { name: string }).name}'`);
  }
}

export type { Objective, ObjectiveInputs, ObjectiveTerms, GaussianPosterior } from './objective.js';
