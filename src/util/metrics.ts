/**
 * The three numbers every loss report carries. Training logs, evaluations and manifests hold
 * more fields beside them (epoch, timing, validation); this takes only the three, in one place.
 */

/** Loss and its two terms, per image. */
export interface LossTerms {
  loss: number;
  reconstruction: number;
  kl: number;
}

/** Only `loss`, `reconstruction` and `kl` of `m` (an epoch log, an evaluation), as a new object. */
export function lossTerms(m: LossTerms): LossTerms {
  return { loss: m.loss, reconstruction: m.reconstruction, kl: m.kl };
}
